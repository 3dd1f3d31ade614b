/** Authentication and authorization reason codes. */
export enum AuthErrorCode {
  /** No bearer token was sent. */
  AUTH_TOKEN_MISSING = 'AUTH_TOKEN_MISSING',
  /** The token is unknown, malformed, revoked or expired. */
  AUTH_TOKEN_INVALID = 'AUTH_TOKEN_INVALID',
  /** The operation needs the alliance operator role. */
  AUTH_ADMIN_REQUIRED = 'AUTH_ADMIN_REQUIRED',
  /** The operation declares no permission: denied by default. */
  AUTH_NO_PERMISSION_DECLARED = 'AUTH_NO_PERMISSION_DECLARED',
  /** The caller lacks the role this operation needs on the resource. */
  AUTH_ROLE_REQUIRED = 'AUTH_ROLE_REQUIRED',
}
