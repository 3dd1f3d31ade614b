/** Reason codes of slice and export queries (the library's SLICE_* codes pass through as they are). */
export enum QueriesErrorCode {
  /** `grantId` or `datasetId` is not a UUID: refused before anything is looked up or logged. */
  SLICE_ID_INVALID = 'SLICE_ID_INVALID',
  /** No such grant among the caller's working groups (or it does not exist). */
  SLICE_GRANT_NOT_FOUND = 'SLICE_GRANT_NOT_FOUND',
  /** The caller is in the grantee working group but not as an ANALYST. */
  SLICE_ANALYST_REQUIRED = 'SLICE_ANALYST_REQUIRED',
  /** The grant does not cover this dataset. */
  SLICE_DATASET_NOT_GRANTED = 'SLICE_DATASET_NOT_GRANTED',
  /** The grant's queries for today (UTC) are used up. */
  SLICE_DAILY_QUERY_LIMIT_REACHED = 'SLICE_DAILY_QUERY_LIMIT_REACHED',
  /** The audit entry could not be written, so nothing was served. */
  SLICE_AUDIT_UNAVAILABLE = 'SLICE_AUDIT_UNAVAILABLE',
  /** The export path is not one this hub issued, has expired, or was issued to someone else. */
  EXPORT_NOT_FOUND = 'EXPORT_NOT_FOUND',
  /** The export stopped because the grant stopped being open. */
  EXPORT_STOPPED = 'EXPORT_STOPPED',
  /** The grant document does not allow whole-view exports. */
  EXPORT_NOT_ALLOWED = 'EXPORT_NOT_ALLOWED',
  /** The view holds more rows than the grant allows in one export (a v1 grant: its rows per query). */
  EXPORT_TOO_MANY_ROWS = 'EXPORT_TOO_MANY_ROWS',
  /** The grant's exports for today (UTC) are used up. */
  EXPORT_DAILY_LIMIT_REACHED = 'EXPORT_DAILY_LIMIT_REACHED',
}

declare module '@maxhub/core' {
  interface HubErrorCodes {
    queries: QueriesErrorCode;
  }
}
