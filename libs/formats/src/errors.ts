/**
 * Errors of the formats library. Every code surfaces to publishers when a dataset version is
 * rejected, so each message names only a position (line or row), a column name and the expected
 * type — never a cell value (invariant 1: no raw value leaves, not even in an error).
 */

/** Machine-readable reasons a dataset object is rejected. */
export const FORMAT_ERROR_CODES = [
  /** The object has no bytes, no header, or (JSONL/Parquet) no columns. */
  'DATASET_EMPTY_FILE',
  /** A record has more or fewer fields (CSV) or other keys (JSONL) than the header. */
  'DATASET_RAGGED_ROW',
  /** A cell is not a value of its column's declared type. */
  'DATASET_TYPE_MISMATCH',
  /** A required (non-nullable) column has an empty cell. */
  'DATASET_NULL_IN_REQUIRED_COLUMN',
  /** Bytes that are not valid in the declared or detected encoding (UTF-8 or CP949/EUC-KR). */
  'DATASET_UNDECODABLE_BYTES',
  /** Two columns share a name. */
  'DATASET_DUPLICATE_COLUMN',
  /** A column name is empty (or only whitespace). */
  'DATASET_EMPTY_COLUMN_NAME',
  /** The first CSV record looks like data (a number, date or timestamp) rather than a header. */
  'DATASET_MISSING_HEADER',
  /** The object is not in the declared format (binary data as CSV, a JSON line that is not an object, no Parquet magic). */
  'DATASET_NOT_DECLARED_FORMAT',
  /** A CSV quoted field is not closed before the end of the file or is followed by stray characters. */
  'DATASET_INVALID_QUOTING',
  /** A single record is larger than the reader's limit (usually an unclosed quote). */
  'DATASET_RECORD_TOO_LARGE',
  /** The object's columns differ from the declared columns (missing, unexpected). */
  'DATASET_SCHEMA_MISMATCH',
  /** A Parquet column has a physical/logical type the hub does not support (nested, binary). */
  'DATASET_UNSUPPORTED_COLUMN_TYPE',
  /** A chunk of a chunked view is corrupt or not a chunk of this library. */
  'DATASET_CORRUPT_CHUNK',
] as const;

/** One of {@link FORMAT_ERROR_CODES}. */
export type FormatErrorCode = (typeof FORMAT_ERROR_CODES)[number];

/** Where a problem was found; all fields optional, none carries a value. */
export interface FormatErrorLocation {
  /** 1-based physical line (CSV, JSONL) where the offending record starts. */
  line?: number;
  /** 1-based data row number (header excluded). */
  row?: number;
  /** Column name. */
  column?: string;
}

/**
 * The one error type of this library. `message` is safe to show to the publisher: it holds a
 * position, a column name, an expected type — never a cell value.
 */
export class FormatError extends Error {
  override readonly name = 'FormatError';
  readonly code: FormatErrorCode;
  readonly line?: number;
  readonly row?: number;
  readonly column?: string;

  constructor(
    code: FormatErrorCode,
    message: string,
    location: FormatErrorLocation = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    if (location.line !== undefined) this.line = location.line;
    if (location.row !== undefined) this.row = location.row;
    if (location.column !== undefined) this.column = location.column;
  }
}

/** Formats "line 12, column 'temp'" style prefixes. */
export function where(loc: FormatErrorLocation): string {
  const parts: string[] = [];
  if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  if (loc.row !== undefined) parts.push(`row ${loc.row}`);
  if (loc.column !== undefined) parts.push(`column ${JSON.stringify(loc.column)}`);
  return parts.join(', ');
}
