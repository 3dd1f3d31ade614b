/** Reason codes of materialized views (as seen by analysts and in grant_views.error_code). */
export enum ViewsErrorCode {
  /** The grant's view of this dataset is not materialized yet (PENDING or MATERIALIZING): retry shortly. */
  VIEW_NOT_READY = 'VIEW_NOT_READY',
  /** Materializing the view failed for good; the row's error code says why (DEID_…, DATASET_…). */
  VIEW_FAILED = 'VIEW_FAILED',
  /** The view was deleted (its grant ended). */
  VIEW_DELETED = 'VIEW_DELETED',
  /** The owner's storage could not be reached while reading the view. */
  VIEW_STORAGE_UNAVAILABLE = 'VIEW_STORAGE_UNAVAILABLE',
  /** The dataset version the grant pins is not published (or was withdrawn). */
  VIEW_DATASET_VERSION_UNAVAILABLE = 'VIEW_DATASET_VERSION_UNAVAILABLE',
  /**
   * The raw object no longer is the one validation checked (replaced through a still-valid
   * upload URL, or removed): the view is not built from bytes nobody validated.
   */
  VIEW_SOURCE_CHANGED = 'VIEW_SOURCE_CHANGED',
}
