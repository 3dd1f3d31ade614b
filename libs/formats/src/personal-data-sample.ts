/**
 * The sample personal-data detection looks at: a uniform sample of rows over a whole read
 * (reservoir sampling, Algorithm R), so a column whose personal data starts late in the file is
 * seen in proportion. The generator is seeded with a constant: the same object always gives
 * the same sample, and so the same verdict.
 */
import { latin1ToUtf8 } from './encoding';
import { detectPersonalData, type DetectPersonalDataOptions, type PersonalDataMatch } from './personal-data';
import type { RecordBatch } from './records';
import type { ColumnType } from './schema';

/** Rows kept by default: a share is then known to about ±2 points. */
export const PERSONAL_DATA_SAMPLE_ROWS = 2048;

/** A kept cell: text, null (empty), or LONG (non-null, longer than any personal value). */
type Kept = string | null;
/** Stands for a non-null cell that cannot be personal data of a detected kind. */
const LONG = '\u0000'.repeat(81);
const MAX_KEPT_LENGTH = 80;

/** Column types whose values can be personal data (an RRN or a card number may be an integer). */
const CANDIDATE_TYPES: ReadonlySet<ColumnType> = new Set(['string', 'integer']);

function keepRow(rec: readonly unknown[], latin1: boolean): Kept[] {
  const row = new Array<Kept>(rec.length);
  for (let j = 0; j < rec.length; j++) row[j] = keep(rec[j], latin1);
  return row;
}

function keep(cell: unknown, latin1: boolean): Kept {
  if (cell === null || cell === undefined || cell === '') return null;
  if (typeof cell === 'string') {
    if (cell.length > MAX_KEPT_LENGTH) return LONG;
    // A copy that does not point into the decoded chunk the cell was sliced from (V8 slices
    // share their parent: 200 kept 30-character cells held 350 MB of 1 MiB chunks alive in a
    // measurement). The concatenation is flattened into a string of its own before the slice,
    // at a quarter of the cost of a Buffer round trip.
    const text = latin1 ? latin1ToUtf8(cell) : cell;
    return (text + ' ').slice(0, -1);
  }
  if (typeof cell === 'number' || typeof cell === 'bigint') return String(cell);
  return LONG;
}

/**
 * Keeps a uniform sample of rows of a read, then tells which columns look like personal data.
 * Once full, it jumps from one replaced row to the next (Li's Algorithm L), so a batch costs
 * only its replacements, not a random number per row: the validator's pace is kept.
 */
export class PersonalDataSample {
  private readonly rows: Kept[][] = [];
  private columns: readonly string[] = [];
  /** Rows observed so far. */
  private seen = 0;
  /** 1-based number of the next row that replaces a kept one (Algorithm L). */
  private next = 0;
  private w = 1;
  private state = 0x2545f491;

  constructor(private readonly capacity = PERSONAL_DATA_SAMPLE_ROWS) {}

  /** Rows kept so far. */
  get size(): number {
    return this.rows.length;
  }

  /** Observes one batch (any format). */
  observe(batch: RecordBatch): void {
    this.columns = batch.columns;
    const recs = batch.records;
    const latin1 = batch.latin1 === true;
    const base = this.seen;
    this.seen += recs.length;
    for (let i = 0; i < recs.length && this.rows.length < this.capacity; i++) {
      this.rows.push(keepRow(recs[i], latin1));
      if (this.rows.length === this.capacity) {
        this.w = Math.exp(Math.log(this.random()) / this.capacity);
        this.skip(base + i + 1);
      }
    }
    if (this.rows.length < this.capacity) return;
    while (this.next <= this.seen) {
      const slot = Math.floor(this.random() * this.capacity);
      this.rows[slot] = keepRow(recs[this.next - base - 1], latin1);
      this.w *= Math.exp(Math.log(this.random()) / this.capacity);
      this.skip(this.next);
    }
  }

  /** Sets the next replaced row after row `after`. */
  private skip(after: number): void {
    this.next = after + Math.floor(Math.log(this.random()) / Math.log(1 - this.w)) + 1;
  }

  /**
   * The columns (by name) whose sampled values look like personal data. Only `string` and
   * `integer` columns are looked at: a decimal, boolean, date or timestamp never is.
   */
  detect(
    types: ReadonlyArray<{ name: string; type: ColumnType }>,
    options?: DetectPersonalDataOptions,
  ): Record<string, PersonalDataMatch> {
    const out: Record<string, PersonalDataMatch> = {};
    const index = new Map(this.columns.map((c, j) => [c, j]));
    for (const { name, type } of types) {
      const j = index.get(name);
      if (j === undefined || !CANDIDATE_TYPES.has(type)) continue;
      const match = detectPersonalData(
        this.rows.map((r) => r[j] ?? null),
        options,
      );
      if (match) out[name] = match;
    }
    return out;
  }

  /** mulberry32 in (0, 1): fast, and good enough to pick reservoir slots. */
  private random(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297;
  }
}
