/**
 * Reason codes of a grant version's risk review (grant_versions.review_error_code), besides the
 * engine's own (DEID_HIERARCHY_INCOMPLETE, DEID_PRIVACY_MODELS_UNSATISFIABLE, …) and the
 * contract's (CONTRACT_…).
 */
export enum GrantReviewErrorCode {
  /** A pinned dataset version is no longer published (or is not the grantor's). */
  GRANT_REVIEW_SOURCE_UNAVAILABLE = 'GRANT_REVIEW_SOURCE_UNAVAILABLE',
  /** A pinned dataset object is no longer the one validation read (size or ETag changed). */
  GRANT_REVIEW_SOURCE_CHANGED = 'GRANT_REVIEW_SOURCE_CHANGED',
  /** A pinned dataset object could not be parsed as its published schema. */
  GRANT_REVIEW_SOURCE_UNREADABLE = 'GRANT_REVIEW_SOURCE_UNREADABLE',
}
