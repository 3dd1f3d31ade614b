/**
 * Errors of the view library. Messages name a rule, a column name or a count — never a cell
 * value, an object key or a bucket (invariant 1: no raw value leaves, not even in an error).
 */

/** Machine-readable reasons a view cannot be written, read or queried. */
export enum ViewErrorCode {
  /** The view has no manifest (not materialized yet, or deleted): it does not exist. */
  VIEW_NOT_FOUND = 'VIEW_NOT_FOUND',
  /** The manifest or a chunk does not parse, or a chunk's SHA-256 differs from the manifest. */
  VIEW_CORRUPT = 'VIEW_CORRUPT',
  /** The grant's k-anonymity names hierarchies without fixed levels: the release is not decided. */
  VIEW_LEVELS_NOT_FIXED = 'VIEW_LEVELS_NOT_FIXED',
  /** The grant's settings for the dataset do not parse. */
  VIEW_GRANT_INVALID = 'VIEW_GRANT_INVALID',
  /** The object store could not be read or written. */
  VIEW_STORAGE_FAILED = 'VIEW_STORAGE_FAILED',
  /** A requested column is not an output column of the view. */
  SLICE_COLUMN_NOT_GRANTED = 'SLICE_COLUMN_NOT_GRANTED',
  /** A `where` predicate names a column that is not an output column of the view. */
  SLICE_FILTER_COLUMN_NOT_GRANTED = 'SLICE_FILTER_COLUMN_NOT_GRANTED',
  /** `where` has more predicates than MAX_WHERE_PREDICATES (refused before any is read). */
  SLICE_FILTER_TOO_LARGE = 'SLICE_FILTER_TOO_LARGE',
  /** A `where` predicate does not parse or does not fit its column's type. */
  SLICE_FILTER_INVALID = 'SLICE_FILTER_INVALID',
  /** `orderBy` names a column that is not an output column of the view, or repeats one. */
  SLICE_ORDER_BY_INVALID = 'SLICE_ORDER_BY_INVALID',
  /** `orderBy` on a column is refused for views larger than the configured row count. */
  SLICE_ORDER_BY_TOO_LARGE = 'SLICE_ORDER_BY_TOO_LARGE',
  /** `first` is below 1 or above the grant's rows per query or the hub's hard cap. */
  SLICE_PAGE_TOO_LARGE = 'SLICE_PAGE_TOO_LARGE',
  /** The cursor was not issued by this hub, or was issued for a different query. */
  SLICE_CURSOR_INVALID = 'SLICE_CURSOR_INVALID',
}

/** The one error type the library throws; `code` is stable, `message` is safe to show. */
export class ViewError extends Error {
  override readonly name = 'ViewError';

  constructor(
    readonly code: ViewErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
