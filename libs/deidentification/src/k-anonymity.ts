/**
 * k-anonymity with fixed levels, in a streaming-friendly form. Two ways to stream it:
 * - two passes over the object: pass 1 feeds each row's class key (its quasi-identifier tuple
 *   after generalization) to a ClassCounter; pass 2 emits through a Suppressor only the rows
 *   whose class holds at least k rows;
 * - one pass (what the materializer does): released rows are counted in a TupleClassCounter as
 *   they are written; releaseReport then gives the same report and the same refusal, and the
 *   rows of classes smaller than k are dropped from what was written (see @maxhub/views).
 * Memory is proportional to the number of distinct classes, not rows. Suppression removes whole
 * rows (as ARX does), never single cells.
 */
import type { CellValue } from '@maxhub/formats';
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
  /** ARX's DM* (MetricSDDiscernability): Σ |class|² over every class, suppressed ones included. */
  dmStar: number;
  /** Discernibility with the suppression penalty: Σ |class|² over released classes + suppressed rows × rows. */
  dm: number;
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
  let allSquares = 0;
  for (const size of sizes) {
    classes++;
    rows += size;
    allSquares += size * size;
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
    dmStar: allSquares,
    dm: squares + suppressed * rows,
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

/** The class key of value numbers' UTF-16 units (direct calls for short tuples: no apply). */
function keyOf(codes: readonly number[]): string {
  switch (codes.length) {
    case 0:
      return '';
    case 1:
      return String.fromCharCode(codes[0]);
    case 2:
      return String.fromCharCode(codes[0], codes[1]);
    case 3:
      return String.fromCharCode(codes[0], codes[1], codes[2]);
    case 4:
      return String.fromCharCode(codes[0], codes[1], codes[2], codes[3]);
    default:
      return String.fromCharCode(...codes);
  }
}

/**
 * Counts rows per equivalence class like {@link ClassCounter}, in a fraction of its memory and
 * without building an encoded key string per row: each quasi-identifier's values are numbered
 * (a Map per column; Map keys are equal exactly when {@link encodeClassKey} keys are: same type
 * and value, 0 = -0), and a class is the short string of its values' numbers (one UTF-16 unit
 * per number below 2^15, two above). About 70 bytes per class instead of ~300 for a string key
 * of the values: at 5 GB of weld lines there are ~190,000 classes. A row repeating its
 * predecessor's tuple skips every lookup. Each class remembers the `at` tag of its first row.
 */
export class TupleClassCounter {
  private readonly ids: Array<Map<CellValue, number>>;
  /** The predecessor's values and their numbers; starts as values no cell can equal. */
  private readonly lastValues: unknown[];
  private readonly lastIds: number[];
  private lastClass = -1;
  private readonly codes: number[] = [];
  private readonly index = new Map<string, number>();
  private counts = new Int32Array(1024);
  private firstAt = new Float64Array(1024);
  private total = 0;

  /** A counter of tuples of `width` values (0: every row is in one class, as encodeClassKey([]) says). */
  constructor(private readonly width: number) {
    if (!Number.isInteger(width) || width < 0)
      throw deidError(DeidErrorCode.INVALID_ARGUMENT, 'A class width is a whole number.');
    this.ids = Array.from({ length: width }, () => new Map<CellValue, number>());
    this.lastValues = Array.from({ length: width }, () => ({}));
    this.lastIds = new Array<number>(width).fill(0);
  }

  /** The class number of the tuple, creating it when `create`; -1 when absent and not created. */
  private classOf(values: readonly CellValue[], positions: readonly number[], create: boolean): number {
    const w = this.width;
    let same = this.lastClass >= 0;
    const codes = this.codes;
    codes.length = 0;
    for (let q = 0; q < w; q++) {
      const v = values[positions[q]];
      let id: number;
      if (create && v === this.lastValues[q]) id = this.lastIds[q];
      else {
        same = false;
        const ids = this.ids[q];
        const known = ids.get(v);
        if (known === undefined) {
          if (!create) return -1;
          id = ids.size;
          ids.set(v, id);
        } else id = known;
        if (create) {
          this.lastValues[q] = v;
          this.lastIds[q] = id;
        }
      }
      if (id < 0x8000) codes.push(id);
      else codes.push(0x8000 | Math.floor(id / 0x8000), id % 0x8000);
    }
    if (same && create) return this.lastClass;
    const key = keyOf(codes);
    let c = this.index.get(key);
    if (c === undefined) {
      if (!create) return -1;
      c = this.index.size;
      this.index.set(key, c);
      if (c === this.counts.length) {
        const counts = new Int32Array(c * 2);
        counts.set(this.counts);
        this.counts = counts;
        const firstAt = new Float64Array(c * 2);
        firstAt.set(this.firstAt);
        this.firstAt = firstAt;
      }
      this.firstAt[c] = NaN;
    }
    if (create) this.lastClass = c;
    return c;
  }

  /** Counts the tuple `values[positions[0]], values[positions[1]], …`, first seen at tag `at`. */
  add(values: readonly CellValue[], positions: readonly number[], at: number): void {
    const c = this.classOf(values, positions, true);
    if (this.counts[c]++ === 0) this.firstAt[c] = at;
    this.total++;
  }

  /** Rows counted in the class of the tuple at `positions` of `values` (0 if none). */
  countOf(values: readonly CellValue[], positions: readonly number[]): number {
    const c = this.classOf(values, positions, false);
    return c < 0 ? 0 : this.counts[c];
  }

  /** Rows counted. */
  get rows(): number {
    return this.total;
  }

  /** Distinct classes seen. */
  get classes(): number {
    return this.index.size;
  }

  /** The size of every class. */
  *sizes(): IterableIterator<number> {
    for (let c = 0; c < this.index.size; c++) yield this.counts[c];
  }

  /** The smallest `at` tag of the first row of a class smaller than k; undefined when none is. */
  firstTagBelow(k: number): number | undefined {
    let first: number | undefined;
    for (let c = 0; c < this.index.size; c++)
      if (this.counts[c] < k && (first === undefined || this.firstAt[c] < first)) first = this.firstAt[c];
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
