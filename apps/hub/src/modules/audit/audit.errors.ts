/** Reason codes of the audit log's queries. */
export enum AuditErrorCode {
  /** `first` is not a page size from 1 to 1000. */
  AUDIT_PAGE_SIZE_INVALID = 'AUDIT_PAGE_SIZE_INVALID',
  /** `after` is not a cursor this hub issued. */
  AUDIT_CURSOR_INVALID = 'AUDIT_CURSOR_INVALID',
  /** A member must name a company or working group of theirs (only the operator reads the whole log). */
  AUDIT_SCOPE_REQUIRED = 'AUDIT_SCOPE_REQUIRED',
}

declare module '@maxhub/core' {
  interface HubErrorCodes {
    audit: AuditErrorCode;
  }
}
