/**
 * k-anonymity with fixed levels, in a streaming-friendly form. The materializer makes two passes
 * over the object: pass 1 feeds each row's class key (its quasi-identifier tuple after
 * generalization) to a ClassCounter; pass 2 emits through a Suppressor only the rows whose class
 * holds at least k rows. Memory is proportional to the number of distinct classes, not rows.
 * Suppression removes whole rows (as ARX does), never single cells.
 */
import type { CellValue } from '../../formats/src/schema';
import { canonicalNumber } from './canonical';
import { DeidErrorCode, deidError } from './errors';

/**
 * The unambiguous key of a quasi-identifier tuple: each value type-tagged and strings
 * length-prefixed, so no two different tuples share a key ("a|b","c" ≠ "a","b|c"; 1 ≠ "1").
 * The key holds released (generalized) values only; it is never logged or shown.
 */
export function encodeClassKey(values: readonly CellValue[]): string {
  let key = '';
  for (const v of values) {
    if (v === null) key += '_;';
    else if (typeof v === 'string') key += `s${v.length}:${v}`;
    else if (typeof v === 'number') key += `n${canonicalNumber(v)};`;
    else key += v ? 't;' : 'f;';
  }
  return key;
}

/** Pass 1: counts rows per equivalence class. */
export class ClassCounter {
  private readonly counts = new Map<string, number>();
  private total = 0;

  /** Counts one row of the class `key` (null keys, i.e. filtered rows, are ignored). */
  add(key: string | null): void {
    if (key === null) return;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.total++;
  }

  /** Rows counted in the class `key` (0 if none). */
  countOf(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** Rows counted. */
  get rows(): number {
    return this.total;
  }

  /** Distinct classes seen. */
  get classes(): number {
    return this.counts.size;
  }

  /** The size of every class. */
  sizes(): IterableIterator<number> {
    return this.counts.values();
  }

  /** Rows in classes smaller than k, i.e. rows pass 2 will suppress. */
  suppressedRows(k: number): number {
    let n = 0;
    for (const c of this.counts.values()) if (c < k) n += c;
    return n;
  }
}

/** One bar of the class-size histogram. */
export interface ClassSizeBar {
  /** Size of the class (rows sharing one quasi-identifier tuple). */
  size: number;
  /** Number of classes of that size. */
  classes: number;
}

/** The re-identification risk of a release under the prosecutor model. */
export interface RiskReport {
  k: number;
  /** Rows before suppression. */
  rows: number;
  /** Rows released (in classes of at least k). */
  releasedRows: number;
  /** Rows withheld because their class was smaller than k. */
  suppressedRows: number;
  /** Rows unique on their quasi-identifiers before suppression (classes of size 1). */
  uniqueRows: number;
  /** Classes before suppression. */
  classes: number;
  /** Classes released. */
  releasedClasses: number;
  /** Class sizes before suppression, ascending. */
  classSizeHistogram: ClassSizeBar[];
  /** Highest re-identification risk of a released row: 1 / smallest released class (0 if none). */
  highestRisk: number;
  /** Average re-identification risk over released rows: released classes / released rows (0 if none). */
  averageRisk: number;
  /** Discernibility DM*: Σ |class|² over released classes + suppressed rows × rows. */
  dmStar: number;
  /** The generalization level of each quasi-identifier, when known. */
  levels?: Record<string, number>;
}

/** Builds the risk report of classes of the given sizes, for threshold k. */
export function riskReport(sizes: Iterable<number>, k: number, levels?: Record<string, number>): RiskReport {
  const histogram = new Map<number, number>();
  let rows = 0;
  let released = 0;
  let releasedClasses = 0;
  let classes = 0;
  let smallest = Infinity;
  let squares = 0;
  for (const size of sizes) {
    classes++;
    rows += size;
    histogram.set(size, (histogram.get(size) ?? 0) + 1);
    if (size >= k) {
      released += size;
      releasedClasses++;
      squares += size * size;
      if (size < smallest) smallest = size;
    }
  }
  const suppressed = rows - released;
  return {
    k,
    rows,
    releasedRows: released,
    suppressedRows: suppressed,
    uniqueRows: histogram.get(1) ?? 0,
    classes,
    releasedClasses,
    classSizeHistogram: [...histogram.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([size, n]) => ({ size, classes: n })),
    highestRisk: released > 0 ? 1 / smallest : 0,
    averageRisk: released > 0 ? releasedClasses / released : 0,
    dmStar: squares + suppressed * rows,
    ...(levels === undefined ? {} : { levels: { ...levels } }),
  };
}

/** What pass 2 needs from a compiled pipeline (see pipeline.ts). */
export interface ClassifyingPipeline {
  apply(row: Record<string, CellValue>, rowIndex: number): Record<string, CellValue> | null;
  classKeyOf(output: Record<string, CellValue>): string;
  readonly kAnonymity?: { k: number; suppressionLimit: number; levels: Record<string, number> };
  /** Columnar apply (see CompiledPipeline.applyBatch); needed by {@link Suppressor.applyBatch}. */
  applyBatch?(
    columns: Readonly<Record<string, readonly CellValue[]>>,
    length: number,
    firstRowIndex: number,
    emit: (values: readonly CellValue[]) => void,
  ): number;
  /** Positions of the quasi-identifiers in applyBatch's output values. */
  readonly quasiIdentifierPositions?: readonly number[];
}

/** Pass 2: the pipeline's rows, minus those in classes smaller than k. */
export interface Suppressor {
  /** The de-identified row, or null when the row filter rejects it or its class is too small. */
  apply(row: Record<string, CellValue>, rowIndex: number): Record<string, CellValue> | null;
  /**
   * Columnar {@link apply}: emits (one reused array, in output order) the rows that pass the
   * filter and whose class holds at least k rows; returns how many were emitted.
   */
  applyBatch(
    columns: Readonly<Record<string, readonly CellValue[]>>,
    length: number,
    firstRowIndex: number,
    emit: (values: readonly CellValue[]) => void,
  ): number;
  /** The risk report of the release, known from pass 1. */
  readonly report: RiskReport;
}

/**
 * Counts rows per equivalence class like {@link ClassCounter}, keyed by the released values
 * themselves rather than an encoded string: a trie of Maps, one level per quasi-identifier (Map
 * keys are equal exactly when {@link encodeClassKey} keys are: same type and value, 0 = -0).
 * No string is built per row, and a row sharing a prefix of its predecessor's tuple (the same
 * hour, say) skips those lookups. Each class remembers the `at` tag of its first row.
 */
export class TupleClassCounter {
  private readonly root = new Map<CellValue, unknown>();
  private readonly leaves: Array<{ n: number; at: number }> = [];
  /** The predecessor's tuple; starts as values no cell can equal. */
  private readonly last: unknown[];
  private readonly lastNodes: Array<Map<CellValue, unknown>>;
  private total = 0;

  /** A counter of tuples of `width` values (0: every row is in one class, as encodeClassKey([]) says). */
  constructor(private readonly width: number) {
    if (!Number.isInteger(width) || width < 0)
      throw deidError(DeidErrorCode.INVALID_ARGUMENT, 'A class width is a whole number.');
    this.last = Array.from({ length: width }, () => ({}));
    this.lastNodes = new Array<Map<CellValue, unknown>>(width).fill(this.root);
  }

  /** Counts the tuple `values[positions[0]], values[positions[1]], …`, first seen at tag `at`. */
  add(values: readonly CellValue[], positions: readonly number[], at: number): void {
    const w = this.width;
    if (w === 0) {
      if (this.leaves.length === 0) this.leaves.push({ n: 0, at });
      this.leaves[0].n++;
      this.total++;
      return;
    }
    let node = this.root;
    let q = 0;
    // Reuse the predecessor's path while the tuple starts the same way.
    for (; q < w - 1; q++) {
      const v = values[positions[q]];
      if (v !== this.last[q]) break;
      node = this.lastNodes[q + 1];
    }
    for (; q < w - 1; q++) {
      const v = values[positions[q]];
      let next = node.get(v) as Map<CellValue, unknown> | undefined;
      if (next === undefined) {
        next = new Map<CellValue, unknown>();
        node.set(v, next);
      }
      this.last[q] = v;
      this.lastNodes[q + 1] = next;
      node = next;
    }
    const v = values[positions[w - 1]];
    const leaf = node.get(v) as { n: number; at: number } | undefined;
    if (leaf === undefined) {
      const created = { n: 1, at };
      node.set(v, created);
      this.leaves.push(created);
    } else leaf.n++;
    this.total++;
  }

  /** Rows counted in the class of the tuple at `positions` of `values` (0 if none). */
  countOf(values: readonly CellValue[], positions: readonly number[]): number {
    if (this.width === 0) return this.total;
    let node: Map<CellValue, unknown> | undefined = this.root;
    for (let q = 0; q < this.width - 1 && node !== undefined; q++)
      node = node.get(values[positions[q]]) as Map<CellValue, unknown> | undefined;
    const leaf = node?.get(values[positions[this.width - 1]]) as { n: number } | undefined;
    return leaf?.n ?? 0;
  }

  /** Rows counted. */
  get rows(): number {
    return this.total;
  }

  /** Distinct classes seen. */
  get classes(): number {
    return this.leaves.length;
  }

  /** The size of every class. */
  *sizes(): IterableIterator<number> {
    for (const leaf of this.leaves) yield leaf.n;
  }

  /** The smallest `at` tag of the first row of a class smaller than k; undefined when none is. */
  firstTagBelow(k: number): number | undefined {
    let first: number | undefined;
    for (const leaf of this.leaves)
      if (leaf.n < k && (first === undefined || leaf.at < first)) first = leaf.at;
    return first;
  }
}

/**
 * The risk report of a release with classes of `sizes`, refused (DEID_SUPPRESSION_LIMIT_EXCEEDED)
 * when more than suppressionLimit × rows rows would be withheld: the grant's levels are then too
 * fine for this data, and releasing anyway would break its terms.
 */
export function releaseReport(
  sizes: Iterable<number>,
  settings: { k: number; suppressionLimit: number; levels: Record<string, number> },
): RiskReport {
  const { k, suppressionLimit, levels } = settings;
  const report = riskReport(sizes, k, levels);
  if (report.suppressedRows > Math.floor(suppressionLimit * report.rows + 1e-9)) {
    throw deidError(
      DeidErrorCode.SUPPRESSION_LIMIT_EXCEEDED,
      `k-anonymity at the granted levels would suppress more than ${suppressionLimit * 100}% of the rows.`,
    );
  }
  return report;
}

/**
 * Creates pass 2 from a pipeline with fixed k-anonymity levels and the counter of pass 1. Refuses
 * (DEID_SUPPRESSION_LIMIT_EXCEEDED) as {@link releaseReport} does.
 */
export function createSuppressor(pipeline: ClassifyingPipeline, counter: ClassCounter): Suppressor {
  const settings = pipeline.kAnonymity;
  if (settings === undefined) {
    throw deidError(DeidErrorCode.INVALID_ARGUMENT, 'The pipeline has no k-anonymity settings.');
  }
  const { k } = settings;
  const report = releaseReport(counter.sizes(), settings);
  const positions = pipeline.quasiIdentifierPositions ?? [];
  const qiValues: CellValue[] = new Array<CellValue>(positions.length).fill(null);
  return {
    report,
    applyBatch(columns, length, firstRowIndex, emit) {
      if (pipeline.applyBatch === undefined || pipeline.quasiIdentifierPositions === undefined) {
        throw deidError(DeidErrorCode.INVALID_ARGUMENT, 'The pipeline has no columnar entry point.');
      }
      // No class is smaller than k: every row passing the filter is released, no lookups needed.
      if (report.suppressedRows === 0) return pipeline.applyBatch(columns, length, firstRowIndex, emit);
      let emitted = 0;
      pipeline.applyBatch(columns, length, firstRowIndex, (values) => {
        for (let i = 0; i < positions.length; i++) qiValues[i] = values[positions[i]];
        if (counter.countOf(encodeClassKey(qiValues)) >= k) {
          emit(values);
          emitted++;
        }
      });
      return emitted;
    },
    apply(row, rowIndex) {
      const out = pipeline.apply(row, rowIndex);
      if (out === null) return null;
      return counter.countOf(pipeline.classKeyOf(out)) >= k ? out : null;
    },
  };
}
