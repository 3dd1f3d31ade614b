/** Reason codes of the alliance directory. */
export enum AllianceErrorCode {
  /** The slug is not 3–40 lower-case letters, digits or dashes. */
  ALLIANCE_SLUG_INVALID = 'ALLIANCE_SLUG_INVALID',
  /** Another company or working group already uses the slug. */
  ALLIANCE_SLUG_TAKEN = 'ALLIANCE_SLUG_TAKEN',
  /** The business registration number is not 10 digits with a valid check digit. */
  ALLIANCE_BRN_INVALID = 'ALLIANCE_BRN_INVALID',
  /** Another company is registered with the same business registration number. */
  ALLIANCE_BRN_TAKEN = 'ALLIANCE_BRN_TAKEN',
  /** A name is empty or too long. */
  ALLIANCE_NAME_INVALID = 'ALLIANCE_NAME_INVALID',
  /** A word of a name mixes Latin letters with Cyrillic (or Latin-looking Greek) ones. */
  ALLIANCE_NAME_MIXED_SCRIPT = 'ALLIANCE_NAME_MIXED_SCRIPT',
  /** The company bucket already exists on the alliance MinIO (not created by this registration). */
  ALLIANCE_BUCKET_EXISTS = 'ALLIANCE_BUCKET_EXISTS',
  /** The bucket name of an own endpoint is not a valid S3 bucket name. */
  ALLIANCE_BUCKET_INVALID = 'ALLIANCE_BUCKET_INVALID',
  /** The company's storage endpoint could not be used (unreachable, refused, bucket missing). */
  ALLIANCE_STORAGE_UNAVAILABLE = 'ALLIANCE_STORAGE_UNAVAILABLE',
  /** The e-mail address is not valid. */
  ALLIANCE_EMAIL_INVALID = 'ALLIANCE_EMAIL_INVALID',
  /** The person already holds that role there. */
  ALLIANCE_MEMBER_EXISTS = 'ALLIANCE_MEMBER_EXISTS',
  /** The person does not hold that role there. */
  ALLIANCE_MEMBER_NOT_FOUND = 'ALLIANCE_MEMBER_NOT_FOUND',
}

declare module '@maxhub/core' {
  interface HubErrorCodes {
    alliance: AllianceErrorCode;
  }
}
