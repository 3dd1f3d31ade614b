/** Reason codes the kernel gives itself: the access checks every module shares, and the database. */
export enum CoreErrorCode {
  /** The caller lacks the role this operation needs on the resource. */
  AUTH_ROLE_REQUIRED = 'AUTH_ROLE_REQUIRED',
  /** No company with that slug or id (or not visible to the caller). */
  ALLIANCE_COMPANY_NOT_FOUND = 'ALLIANCE_COMPANY_NOT_FOUND',
  /** No working group with that slug or id (or not visible to the caller). */
  ALLIANCE_WORKING_GROUP_NOT_FOUND = 'ALLIANCE_WORKING_GROUP_NOT_FOUND',
  /** PostgreSQL could not be reached: the request is refused as SERVICE_UNAVAILABLE, never guessed at. */
  DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE',
}
