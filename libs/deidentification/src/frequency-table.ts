/**
 * The frequency table a risk review works on: one entry per distinct combination of
 * quasi-identifier values (an equivalence class of the raw data), with its row count and, per
 * SENSITIVE column, the histogram of that column's values among its rows. It is built in one
 * streaming pass in memory proportional to the number of classes, so reviewing a 10 M-row dataset
 * costs what its classes cost, not its rows.
 *
 * A quasi-identifier may be counted at a level of its hierarchy instead of raw (`base`): a
 * timestamp counted by the hour has a few thousand values where the raw column has millions. The
 * review then searches only the levels from that one up, with the same hierarchy.
 *
 * The table is canonical for a multiset of rows: each column's values are numbered in their
 * natural order (null, then false/true, then numbers by value, then strings by UTF-16 code
 * units), and each class's histogram lists values in that order, so no figure of a review
 * depends on the order rows arrived in.
 */
import type { CellValue, ColumnType, Row } from '@maxhub/formats';
import { DeidErrorCode, deidError } from './errors';
import type { Generalizer } from './generalize';
import { compileLevels, hierarchyHeight, parseHierarchy } from './hierarchy';
import type { HierarchySpec } from './spec';

/**
 * Most rows a frequency table holds: 2^26 = 67,108,864, so that every figure of a review (Σ|E|²
 * ≤ N², the EMD numerators ≤ 2·N²) is an exact integer in a double.
 */
export const MAX_TABLE_ROWS = 2 ** 26;

/** A quasi-identifier of a table to build, counted raw or at a level of its hierarchy. */
export interface TableQuasiIdentifierInput {
  name: string;
  /** Count the column's values at `level` of `hierarchy` (a column of `type`) instead of raw. */
  base?: { hierarchy: HierarchySpec; type: ColumnType; level: number };
}

/** What to count. */
export interface FrequencyTableOptions {
  /** Quasi-identifier columns, in the order reviews list their levels. */
  quasiIdentifiers: readonly (string | TableQuasiIdentifierInput)[];
  /** SENSITIVE columns whose per-class histograms ℓ-diversity and t-closeness read. */
  sensitive?: readonly string[];
}

/** A quasi-identifier of a built table. */
export interface TableQuasiIdentifier {
  name: string;
  /** Distinct values at `baseLevel`, in natural order; a class's code indexes this list. */
  values: readonly CellValue[];
  /** Per value, one raw value of the data that has it (the value itself when `baseLevel` is 0). */
  representatives: readonly CellValue[];
  /** The hierarchy level the values are at (0: raw). */
  baseLevel: number;
  /** The hierarchy and column type of a base level above 0 (a review must use the same hierarchy). */
  hierarchy?: HierarchySpec;
  type?: ColumnType;
}

/** A SENSITIVE column of a built table. */
export interface TableSensitive {
  name: string;
  /** Distinct values in natural order; histograms index this list. */
  values: readonly CellValue[];
}

/** Per class, the (value, count) pairs of one sensitive column, values ascending (CSR layout). */
export interface SensitiveHistograms {
  /** Class c's pairs are at offsets[c] … offsets[c + 1] − 1. */
  offsets: Int32Array;
  values: Int32Array;
  counts: Int32Array;
}

/** A built frequency table (see the module comment). */
export interface FrequencyTable {
  /** Rows counted. */
  rows: number;
  quasiIdentifiers: readonly TableQuasiIdentifier[];
  sensitive: readonly TableSensitive[];
  /** Number of classes (distinct quasi-identifier combinations). */
  classes: number;
  /** Row-major class × quasi-identifier value codes. */
  codes: Int32Array;
  /** Rows per class. */
  sizes: Int32Array;
  /** Per sensitive column, its per-class histograms. */
  histograms: readonly SensitiveHistograms[];
}

// Read once: a global lookup per row is slow where globals are proxied (jest's vm).
const fromCharCode = String.fromCharCode;
const imul = Math.imul;

const TYPE_RANK = { object: 0, boolean: 1, number: 2, string: 3 } as const;

/** The natural order of cells: null, booleans, numbers by value, strings by UTF-16 code units. */
export function compareCells(a: CellValue, b: CellValue): number {
  const ra = TYPE_RANK[typeof a as keyof typeof TYPE_RANK] ?? 4;
  const rb = TYPE_RANK[typeof b as keyof typeof TYPE_RANK] ?? 4;
  if (ra !== rb) return ra - rb;
  if (a === b || a === null || b === null) return 0;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One column's dictionary while counting: value → code, with the previous lookup cached. */
interface Dictionary {
  codes: Map<CellValue, number>;
  values: CellValue[];
  representatives: CellValue[];
  coarsen: Generalizer | null;
  lastRaw: unknown;
  /** The previous value after coarsening (a time level returns the same string for the same hour). */
  lastValue: unknown;
  lastCode: number;
}

/** Mixes a tuple of codes into a 32-bit hash (multiply–xorshift per code). */
function hashTuple(tuple: Int32Array): number {
  let h = 0x811c9dc5;
  for (let j = 0; j < tuple.length; j++) {
    h = imul(h ^ tuple[j], 0x9e3779b1);
    h ^= h >>> 15;
  }
  return h;
}

function growInt32(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/**
 * Counts rows into a frequency table. Call {@link add} (by column name) or {@link addValues}
 * (quasi-identifiers then sensitive columns, in the order given) per row, then {@link finish}.
 */
export class FrequencyTableBuilder {
  private readonly qis: TableQuasiIdentifier[];
  private readonly names: string[];
  private readonly q: number;
  private readonly width: number;
  private readonly dicts: Dictionary[];
  /** Per column, a reader of its value in a row (one property-load site per column stays monomorphic). */
  private readonly readers: Array<(row: Row) => CellValue>;
  private readonly tuple: Int32Array;
  private readonly units: number[] = [];
  private readonly values: CellValue[];
  /** Open-addressing index of the distinct tuples: slot → entry, -1 when empty. */
  private slots = new Int32Array(1024).fill(-1);
  private entries = 0;
  private entryCodes = new Int32Array(1024);
  private entryCounts = new Int32Array(256);
  private lastEntry = -1;
  private total = 0;

  /**
   * Refuses no quasi-identifier, a column named twice (DEID_DUPLICATE_COLUMN) and a base level
   * outside its hierarchy or a hierarchy that does not compile (DEID_INVALID_SPEC, …).
   */
  constructor(options: FrequencyTableOptions) {
    const sensitive = options.sensitive ?? [];
    this.qis = options.quasiIdentifiers.map((input) => {
      const qi = typeof input === 'string' ? { name: input } : input;
      if (qi.base === undefined || qi.base.level === 0)
        return { name: qi.name, values: [], representatives: [], baseLevel: 0 };
      const hierarchy = parseHierarchy(qi.base.hierarchy, qi.name);
      const level = qi.base.level;
      if (!Number.isInteger(level) || level < 0 || level >= hierarchyHeight(hierarchy)) {
        throw deidError(
          DeidErrorCode.INVALID_SPEC,
          `Quasi-identifier "${qi.name}": the base level lies outside its hierarchy.`,
        );
      }
      return {
        name: qi.name,
        values: [],
        representatives: [],
        baseLevel: level,
        hierarchy,
        type: qi.base.type,
      };
    });
    if (this.qis.length === 0)
      throw deidError(
        DeidErrorCode.INVALID_ARGUMENT,
        'A frequency table needs at least one quasi-identifier.',
      );
    this.names = [...this.qis.map((c) => c.name), ...sensitive];
    const seen = new Set<string>();
    for (const name of this.names) {
      if (seen.has(name))
        throw deidError(DeidErrorCode.DUPLICATE_COLUMN, `Column "${name}" is listed twice.`);
      seen.add(name);
    }
    this.q = this.qis.length;
    this.width = this.names.length;
    this.dicts = this.names.map((_, j) => {
      const qi = this.qis[j];
      const coarsen =
        qi?.hierarchy === undefined ? null : compileLevels(qi.hierarchy, qi.type!, qi.name)[qi.baseLevel];
      return {
        codes: new Map(),
        values: [],
        representatives: [],
        coarsen,
        lastRaw: {},
        lastValue: {},
        lastCode: -1,
      };
    });
    this.readers = this.names.map((name) => (row: Row) => row[name] ?? null);
    this.tuple = new Int32Array(this.width).fill(-1);
    this.values = new Array<CellValue>(this.width).fill(null);
  }

  /** Rows counted so far. */
  get rows(): number {
    return this.total;
  }

  /** Counts a row given by column name (a missing column counts as null). */
  add(row: Row): void {
    const values = this.values;
    for (let j = 0; j < this.width; j++) values[j] = this.readers[j](row);
    this.addValues(values);
  }

  /** Counts a row given as its quasi-identifier values, then its sensitive values. */
  addValues(values: readonly CellValue[]): void {
    if (this.total >= MAX_TABLE_ROWS) {
      throw deidError(
        DeidErrorCode.TABLE_TOO_LARGE,
        `A frequency table holds at most ${MAX_TABLE_ROWS} rows.`,
      );
    }
    let same = this.lastEntry >= 0;
    const tuple = this.tuple;
    for (let j = 0; j < this.width; j++) {
      const code = this.codeOf(this.dicts[j], values[j] ?? null);
      if (code !== tuple[j]) {
        tuple[j] = code;
        same = false;
      }
    }
    this.total++;
    if (same) {
      this.entryCounts[this.lastEntry]++;
      return;
    }
    const entry = this.entryOf(tuple);
    this.entryCounts[entry]++;
    this.lastEntry = entry;
  }

  /** The entry of the tuple, created when new. */
  private entryOf(tuple: Int32Array): number {
    const width = this.width;
    let mask = this.slots.length - 1;
    let s = hashTuple(tuple) & mask;
    for (;;) {
      const e = this.slots[s];
      if (e < 0) break;
      let equal = true;
      const at = e * width;
      for (let j = 0; j < width; j++) {
        if (this.entryCodes[at + j] !== tuple[j]) {
          equal = false;
          break;
        }
      }
      if (equal) return e;
      s = (s + 1) & mask;
    }
    const entry = this.entries++;
    this.entryCodes = growInt32(this.entryCodes, (entry + 1) * width);
    this.entryCounts = growInt32(this.entryCounts, entry + 1);
    this.entryCodes.set(tuple, entry * width);
    if (2 * this.entries > this.slots.length) {
      // Keep the load under one half: rehash every entry into twice the slots.
      this.slots = new Int32Array(this.slots.length * 2).fill(-1);
      mask = this.slots.length - 1;
      for (let e = 0; e < this.entries; e++) {
        let t = hashTuple(this.entryCodes.subarray(e * width, (e + 1) * width)) & mask;
        while (this.slots[t] >= 0) t = (t + 1) & mask;
        this.slots[t] = e;
      }
    } else this.slots[s] = entry;
    return entry;
  }

  private codeOf(d: Dictionary, raw: CellValue): number {
    if (raw === d.lastRaw) return d.lastCode;
    const value = d.coarsen === null ? raw : d.coarsen(raw);
    let code: number | undefined;
    if (value === d.lastValue) code = d.lastCode;
    else {
      code = d.codes.get(value);
      if (code === undefined) {
        code = d.values.length;
        d.codes.set(value, code);
        d.values.push(value);
        d.representatives.push(raw);
      }
    }
    d.lastRaw = raw;
    d.lastValue = value;
    d.lastCode = code;
    return code;
  }

  /** The tuple as a short string: one UTF-16 unit per code below 2^15, two above. */
  private keyOf(tuple: ArrayLike<number>): string {
    const units = this.units;
    units.length = 0;
    for (let j = 0; j < tuple.length; j++) {
      const c = tuple[j];
      if (c < 0x8000) units.push(c);
      else units.push(0x8000 | ((c / 0x8000) >>> 0), c % 0x8000);
    }
    return fromCharCode(...units);
  }

  /** The table of what was counted (the builder should not be used afterwards). */
  finish(): FrequencyTable {
    const { q, width } = this;
    const entries = this.entries;
    // Number each column's values in natural order.
    const remap = this.dicts.map((d) => {
      const order = d.values.map((_, i) => i).sort((a, b) => compareCells(d.values[a], d.values[b]));
      const newOf = new Int32Array(order.length);
      order.forEach((old, i) => (newOf[old] = i));
      return {
        newOf,
        values: order.map((i) => d.values[i]),
        representatives: order.map((i) => d.representatives[i]),
      };
    });
    const codes = this.entryCodes;
    for (let e = 0; e < entries; e++)
      for (let j = 0; j < width; j++) codes[e * width + j] = remap[j].newOf[codes[e * width + j]];

    // Entries sharing their quasi-identifier values form one class.
    const classIndex = new Map<string, number>();
    const classOf = new Int32Array(entries);
    const qiTuple = new Array<number>(q);
    for (let e = 0; e < entries; e++) {
      for (let j = 0; j < q; j++) qiTuple[j] = codes[e * width + j];
      const key = this.keyOf(qiTuple);
      let c = classIndex.get(key);
      if (c === undefined) {
        c = classIndex.size;
        classIndex.set(key, c);
      }
      classOf[e] = c;
    }
    const classes = classIndex.size;
    const classCodes = new Int32Array(classes * q);
    const sizes = new Int32Array(classes);
    for (let e = 0; e < entries; e++) {
      const c = classOf[e];
      sizes[c] += this.entryCounts[e];
      for (let j = 0; j < q; j++) classCodes[c * q + j] = codes[e * width + j];
    }
    // Entries bucketed by class (a counting sort), for the histograms.
    const start = new Int32Array(classes + 1);
    for (let e = 0; e < entries; e++) start[classOf[e] + 1]++;
    for (let c = 0; c < classes; c++) start[c + 1] += start[c];
    const byClass = new Int32Array(entries);
    const fill = start.slice(0, classes);
    for (let e = 0; e < entries; e++) byClass[fill[classOf[e]]++] = e;

    const histograms: SensitiveHistograms[] = [];
    for (let j = q; j < width; j++) {
      const offsets = new Int32Array(classes + 1);
      const values: number[] = [];
      const counts: number[] = [];
      const pairs: Array<[number, number]> = [];
      for (let c = 0; c < classes; c++) {
        pairs.length = 0;
        for (let i = start[c]; i < start[c + 1]; i++) {
          const e = byClass[i];
          pairs.push([codes[e * width + j], this.entryCounts[e]]);
        }
        pairs.sort((a, b) => a[0] - b[0]);
        for (const [v, n] of pairs) {
          if (values.length > offsets[c] && values[values.length - 1] === v) counts[counts.length - 1] += n;
          else {
            values.push(v);
            counts.push(n);
          }
        }
        offsets[c + 1] = values.length;
      }
      histograms.push({ offsets, values: Int32Array.from(values), counts: Int32Array.from(counts) });
    }
    return {
      rows: this.total,
      quasiIdentifiers: this.qis.map((qi, j) => ({
        ...qi,
        values: remap[j].values,
        representatives: remap[j].representatives,
      })),
      sensitive: this.names.slice(q).map((name, i) => ({ name, values: remap[q + i].values })),
      classes,
      codes: classCodes,
      sizes,
      histograms,
    };
  }
}

/** Builds the frequency table of `rows` in one pass (see {@link FrequencyTableBuilder}). */
export function buildFrequencyTable(rows: Iterable<Row>, options: FrequencyTableOptions): FrequencyTable {
  const builder = new FrequencyTableBuilder(options);
  for (const row of rows) builder.add(row);
  return builder.finish();
}
