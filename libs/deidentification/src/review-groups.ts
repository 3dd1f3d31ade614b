/**
 * The classes of lattice nodes, and how a node's classes are rolled up from a finer node's: each
 * group keeps one representative table class (to read its quasi-identifier values), its row
 * count and, per sensitive column the models read, its histogram. Keys of a node's classes are
 * mixed-radix numbers over the label codes of its levels, grouped through an open-addressing
 * table. When the radix of the lowest searched levels fits in 2^53 the weights are fixed, and a
 * roll-up that raises one level adjusts one term per class instead of recomputing the key.
 */
import canonicalize from 'canonicalize';
import { DeidErrorCode, deidError } from './errors';
import type { FrequencyTable, SensitiveHistograms } from './frequency-table';
import { compileLevels, hierarchyHeight, parseHierarchy } from './hierarchy';
import { encodeClassKey } from './k-anonymity';
import type { ClassHistogram, CompiledModels } from './privacy-models';
import type { RiskReviewOptions } from './review';

const TWO_53 = 2 ** 53;
// Builtins read once: a global lookup in a hot loop is slow where globals are proxied (jest's vm).
const imul = Math.imul;

/** Classes of a node: a representative table class, size and histograms per group. */
export interface Groups {
  count: number;
  rep: Int32Array;
  size: Int32Array;
  /** One per sensitive column the models read (CompiledModels.columns order). */
  hists: SensitiveHistograms[];
  /** Σ size². */
  squares: number;
  /** The node's levels (absolute; the table's base levels for the table's own classes). */
  levels: number[];
  /** Per group, its key under RollUp's fixed weights (null when there are none, or not yet computed). */
  key: Float64Array | null;
}

/** The prepared lattice: per quasi-identifier, its level range and the code of each value's label per level. */
export interface Lattice {
  q: number;
  /** Table column of each review quasi-identifier. */
  column: number[];
  lo: number[];
  hi: number[];
  strides: number[];
  nodes: number;
  /** maps[q][level][table value code] = label code; cards[q][level] = labels. */
  maps: Int32Array[][];
  cards: number[][];
  /** Per quasi-identifier (review order), the table's value code of each class: column-major, so a roll-up reads one small array at a time. */
  classCodes: Int32Array[];
}

/** Checks the review's quasi-identifiers against the table and numbers every label of every level searched. */
export function prepareLattice(table: FrequencyTable, options: RiskReviewOptions): Lattice {
  const qis = options.quasiIdentifiers;
  if (qis.length !== table.quasiIdentifiers.length) {
    throw deidError(
      DeidErrorCode.INVALID_ARGUMENT,
      'The review must list every quasi-identifier of the frequency table, and no other column.',
    );
  }
  const column: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  const maps: Int32Array[][] = [];
  const cards: number[][] = [];
  for (const qi of qis) {
    const c = table.quasiIdentifiers.findIndex((t) => t.name === qi.name);
    if (c < 0 || column.includes(c)) {
      throw deidError(
        DeidErrorCode.UNKNOWN_COLUMN,
        `The review's quasi-identifier "${qi.name}" is not a quasi-identifier of the frequency table, or is listed twice.`,
      );
    }
    column.push(c);
    const tq = table.quasiIdentifiers[c];
    const hierarchy = parseHierarchy(qi.hierarchy, qi.name);
    if (
      tq.hierarchy !== undefined &&
      (canonicalize(tq.hierarchy) !== canonicalize(hierarchy) || tq.type !== qi.type)
    ) {
      throw deidError(
        DeidErrorCode.INVALID_SPEC,
        `Quasi-identifier "${qi.name}": the table was counted at a level of another hierarchy (or column type).`,
      );
    }
    const top = hierarchyHeight(hierarchy) - 1;
    const min = qi.minLevel ?? tq.baseLevel;
    const max = qi.maxLevel ?? top;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < tq.baseLevel || max > top || min > max) {
      throw deidError(
        DeidErrorCode.INVALID_SPEC,
        `Quasi-identifier "${qi.name}": the level bounds lie outside its hierarchy (or below the table's base level).`,
      );
    }
    lo.push(min);
    hi.push(max);
    const levels = compileLevels(hierarchy, qi.type, qi.name);
    const perLevel: Int32Array[] = [];
    const perCard: number[] = [];
    for (let level = 0; level <= top; level++) {
      if (level < min || level > max) {
        perLevel.push(new Int32Array(0));
        perCard.push(0);
        continue;
      }
      const dict = new Map<string, number>();
      const map = new Int32Array(tq.representatives.length);
      tq.representatives.forEach((v, i) => {
        const key = encodeClassKey([levels[level](v)]);
        let code = dict.get(key);
        if (code === undefined) {
          code = dict.size;
          dict.set(key, code);
        }
        map[i] = code;
      });
      perLevel.push(map);
      perCard.push(Math.max(dict.size, 1));
    }
    maps.push(perLevel);
    cards.push(perCard);
  }
  const strides: number[] = [];
  let nodes = 1;
  const maxNodes = options.maxNodes ?? 1_000_000;
  for (let q = 0; q < qis.length; q++) {
    strides.push(nodes);
    nodes *= hi[q] - lo[q] + 1;
    if (nodes > maxNodes)
      throw deidError(
        DeidErrorCode.LATTICE_TOO_LARGE,
        'The generalization lattice is larger than the review allows.',
      );
  }
  const width = table.quasiIdentifiers.length;
  const classCodes = column.map((c) => {
    const out = new Int32Array(table.classes);
    for (let i = 0; i < table.classes; i++) out[i] = table.codes[i * width + c];
    return out;
  });
  return { q: qis.length, column, lo, hi, strides, nodes, maps, cards, classCodes };
}

/** Scratch space of roll-ups, grown as needed and reused. */
export class RollUp {
  private keys = new Float64Array(1024);
  private newOf = new Int32Array(1024);
  private slotKey = new Float64Array(2048);
  private slotId = new Int32Array(2048);
  private readonly scratch: Int32Array[];
  private readonly touched: Int32Array[];
  /**
   * Fixed mixed-radix weights (the product of the label counts at the lowest searched levels of
   * the quasi-identifiers before), when the product of all stays under 2^53: a class's key is
   * then Σ label·weight at any node, and a roll-up that changes one level only adjusts that term.
   */
  private readonly weights: number[] | null;

  constructor(
    private readonly table: FrequencyTable,
    private readonly lattice: Lattice,
    valueCounts: readonly number[],
  ) {
    this.scratch = valueCounts.map((m) => new Int32Array(m));
    this.touched = valueCounts.map((m) => new Int32Array(m));
    const weights: number[] = [];
    let product = 1;
    for (let q = 0; q < lattice.q; q++) {
      weights.push(product);
      product *= lattice.cards[q][lattice.lo[q]];
    }
    this.weights = product < TWO_53 ? weights : null;
  }

  /** The classes of the node at `levels` (absolute), merged from `src` (a finer node's classes). */
  run(src: Groups, levels: readonly number[]): Groups {
    const m = src.count;
    if (this.keys.length < m) {
      this.keys = new Float64Array(m * 2);
      this.newOf = new Int32Array(m * 2);
    }
    const { keys, newOf, weights } = this;
    const { q: Q, maps, cards, classCodes } = this.lattice;
    const rep = src.rep;
    if (weights !== null && src.key !== null) {
      keys.set(src.key.subarray(0, m));
      for (let q = 0; q < Q; q++) {
        if (levels[q] === src.levels[q]) continue;
        const to = maps[q][levels[q]];
        const from = maps[q][src.levels[q]];
        const codes = classCodes[q];
        const w = weights[q];
        for (let j = 0; j < m; j++) {
          const code = codes[rep[j]];
          keys[j] += (to[code] - from[code]) * w;
        }
      }
    } else if (weights !== null) {
      keys.fill(0, 0, m);
      for (let q = 0; q < Q; q++) {
        if (cards[q][levels[q]] === 1) continue; // one label, coded 0
        const map = maps[q][levels[q]];
        const codes = classCodes[q];
        const w = weights[q];
        for (let j = 0; j < m; j++) keys[j] += map[codes[rep[j]]] * w;
      }
    } else {
      keys.fill(0, 0, m);
      let radix = 1;
      for (let q = 0; q < Q; q++) {
        const card = cards[q][levels[q]];
        if (card === 1) continue;
        if (radix * card >= TWO_53) radix = densify(keys, m);
        const map = maps[q][levels[q]];
        const codes = classCodes[q];
        for (let j = 0; j < m; j++) keys[j] = keys[j] * card + map[codes[rep[j]]];
        radix *= card;
      }
    }
    const count = this.assign(m);
    const outRep = new Int32Array(count);
    const outSize = new Int32Array(count);
    const outKey = weights === null ? null : new Float64Array(count);
    const size = src.size;
    for (let j = 0; j < m; j++) {
      const g = newOf[j];
      // Every class holds a row, so an empty size marks a group seen for the first time.
      if (outSize[g] === 0) {
        outRep[g] = rep[j];
        if (outKey !== null) outKey[g] = keys[j];
      }
      outSize[g] += size[j];
    }
    let squares = 0;
    for (let g = 0; g < count; g++) squares += outSize[g] * outSize[g];
    // Nothing merged: new group j is old group j, histograms included.
    const hists = count === m ? src.hists : src.hists.map((h, s) => this.mergeHistograms(h, s, m, count));
    return { count, rep: outRep, size: outSize, hists, squares, levels: [...levels], key: outKey };
  }

  /** Numbers keys[0..m) by first appearance (open addressing); returns how many distinct there were. */
  private assign(m: number): number {
    let capacity = 1024;
    while (capacity < 2 * m) capacity *= 2;
    if (this.slotId.length < capacity) {
      this.slotKey = new Float64Array(capacity);
      this.slotId = new Int32Array(capacity);
    }
    const { keys, newOf, slotKey, slotId } = this;
    slotId.fill(-1, 0, capacity);
    const mask = capacity - 1;
    let count = 0;
    for (let j = 0; j < m; j++) {
      const key = keys[j];
      let h = imul(key >>> 0, 0x9e3779b1) ^ imul((key / 4294967296) >>> 0, 0x85ebca77);
      h ^= h >>> 15;
      let s = h & mask;
      for (;;) {
        const id = slotId[s];
        if (id < 0) {
          slotId[s] = count;
          slotKey[s] = key;
          newOf[j] = count++;
          break;
        }
        if (slotKey[s] === key) {
          newOf[j] = id;
          break;
        }
        s = (s + 1) & mask;
      }
    }
    return count;
  }

  private mergeHistograms(
    h: SensitiveHistograms,
    slot: number,
    m: number,
    count: number,
  ): SensitiveHistograms {
    const newOf = this.newOf;
    // Old groups bucketed by new group (a counting sort).
    const start = new Int32Array(count + 1);
    for (let j = 0; j < m; j++) start[newOf[j] + 1]++;
    for (let g = 0; g < count; g++) start[g + 1] += start[g];
    const order = new Int32Array(m);
    const fill = start.slice(0, count);
    for (let j = 0; j < m; j++) order[fill[newOf[j]]++] = j;
    const scratch = this.scratch[slot];
    const touched = this.touched[slot];
    const offsets = new Int32Array(count + 1);
    let values = new Int32Array(Math.max(16, h.values.length));
    let counts = new Int32Array(values.length);
    let at = 0;
    for (let g = 0; g < count; g++) {
      let t = 0;
      for (let i = start[g]; i < start[g + 1]; i++) {
        const j = order[i];
        for (let e = h.offsets[j]; e < h.offsets[j + 1]; e++) {
          const v = h.values[e];
          if (scratch[v] === 0) touched[t++] = v;
          scratch[v] += h.counts[e];
        }
      }
      if (t > 1) touched.subarray(0, t).sort();
      if (at + t > values.length) {
        const grown = new Int32Array(Math.max(at + t, values.length * 2));
        grown.set(values);
        values = grown;
        const grownCounts = new Int32Array(grown.length);
        grownCounts.set(counts);
        counts = grownCounts;
      }
      for (let i = 0; i < t; i++) {
        const v = touched[i];
        values[at] = v;
        counts[at++] = scratch[v];
        scratch[v] = 0;
      }
      offsets[g + 1] = at;
    }
    return { offsets, values: values.slice(0, at), counts: counts.slice(0, at) };
  }
}

/** Renumbers keys[0..m) densely (first seen first); returns how many distinct there were. */
function densify(keys: Float64Array, m: number): number {
  const dict = new Map<number, number>();
  for (let j = 0; j < m; j++) {
    let id = dict.get(keys[j]);
    if (id === undefined) {
      id = dict.size;
      dict.set(keys[j], id);
    }
    keys[j] = id;
  }
  return Math.max(dict.size, 1);
}

/** The table's own classes as the groups of the finest node. */
export function tableGroups(table: FrequencyTable, models: CompiledModels, lattice: Lattice): Groups {
  let squares = 0;
  for (const s of table.sizes) squares += s * s;
  return {
    count: table.classes,
    rep: Int32Array.from({ length: table.classes }, (_, i) => i),
    size: table.sizes,
    hists: models.columns.map((c) => table.histograms[c]),
    squares,
    levels: lattice.column.map((c) => table.quasiIdentifiers[c].baseLevel),
    key: null,
  };
}

/** Per-group histogram views, reused across groups. */
export function histogramViews(groups: Groups): ClassHistogram[] {
  return groups.hists.map((h) => ({ values: h.values, counts: h.counts, from: 0, to: 0 }));
}

/** Points the views at group g. */
export function pointViews(views: ClassHistogram[], groups: Groups, g: number): void {
  for (let s = 0; s < views.length; s++) {
    const h = groups.hists[s];
    views[s].from = h.offsets[g];
    views[s].to = h.offsets[g + 1];
  }
}
