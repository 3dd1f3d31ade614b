/** Authentication and authorization reason codes. */
export enum AuthErrorCode {
  /** No bearer token was sent. */
  AUTH_TOKEN_MISSING = 'AUTH_TOKEN_MISSING',
  /** The token is unknown, malformed, revoked or expired. */
  AUTH_TOKEN_INVALID = 'AUTH_TOKEN_INVALID',
  /** The operation is for members: the caller holds no role in any company or working group. */
  AUTH_MEMBERSHIP_REQUIRED = 'AUTH_MEMBERSHIP_REQUIRED',
  /** `ttlDays` is not a whole number from 1 to the hub's maximum token lifetime (TOKEN_MAX_TTL_DAYS). */
  AUTH_TOKEN_TTL_INVALID = 'AUTH_TOKEN_TTL_INVALID',
  /** The person already holds TOKEN_MAX_LIVE_PER_PERSON tokens that are neither revoked nor expired. */
  AUTH_TOO_MANY_TOKENS = 'AUTH_TOO_MANY_TOKENS',
  /** The token making the request was issued TOKEN_MAX_TTL_DAYS or more ago and may no longer mint tokens. */
  AUTH_TOKEN_TOO_OLD_TO_MINT = 'AUTH_TOKEN_TOO_OLD_TO_MINT',
  /** A token name is empty or longer than 100 characters. */
  AUTH_TOKEN_NAME_INVALID = 'AUTH_TOKEN_NAME_INVALID',
  /** No such token among the caller's (the operator sees all). */
  AUTH_TOKEN_NOT_FOUND = 'AUTH_TOKEN_NOT_FOUND',
  /** No user with that e-mail address. */
  AUTH_USER_NOT_FOUND = 'AUTH_USER_NOT_FOUND',
  /** The operation needs the alliance operator role. */
  AUTH_ADMIN_REQUIRED = 'AUTH_ADMIN_REQUIRED',
  /** The operation declares no permission: denied by default. */
  AUTH_NO_PERMISSION_DECLARED = 'AUTH_NO_PERMISSION_DECLARED',
  /** `admin bootstrap` ran on a hub that already has an operator. */
  ADMIN_ALREADY_BOOTSTRAPPED = 'ADMIN_ALREADY_BOOTSTRAPPED',
}

declare module '@maxhub/core' {
  interface HubErrorCodes {
    auth: AuthErrorCode;
  }
}
