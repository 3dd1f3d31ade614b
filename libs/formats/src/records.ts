/**
 * The shape every reader yields: batches of raw records plus their positions. Raw records are
 * what lets the validator and the de-identification materializer both run at > 1 M rows/s:
 * no object per row, no typing the consumer does not need. Typed rows are one call away
 * ({@link toRows} in rows.ts).
 */
import type { ColumnType } from './schema';

/** Cells of one record: strings for CSV (`''` = empty), JSON/Parquet scalars otherwise. */
export type RawRecord = unknown[];

/** A batch of records as read, in file order. */
export interface RecordBatch {
  /** Column names in file order (same array object for every batch of one read). */
  columns: readonly string[];
  /** The records; `records[i][j]` is the cell of column `columns[j]`. */
  records: RawRecord[];
  /** CSV/JSONL: 1-based physical line where each record starts. Absent for Parquet. */
  lines?: number[];
  /** 1-based data row number of `records[0]` (header excluded). */
  firstRow: number;
  /** How cells are encoded: `text` (CSV strings) or `value` (JSON / Parquet scalars). */
  cells: 'text' | 'value';
  /**
   * CSV read with `utf8AsLatin1`: text cells are UTF-8 bytes held one per character; a cell
   * with a character ≥ 0x80 is decoded with latin1ToUtf8 before use.
   */
  latin1?: boolean;
  /** Parquet only: the column types from the file's schema. */
  types?: readonly ColumnType[];
}

/** Default number of records per batch. */
export const DEFAULT_BATCH_SIZE = 8192;
