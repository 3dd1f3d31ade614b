/**
 * Reason codes of NDA grants. Signature verification failures surface with the @maxhub/pki
 * code itself (PKI_SIGNATURE_INVALID, PKI_DIGEST_MISMATCH, PKI_UNTRUSTED_CHAIN, PKI_CERT_REVOKED,
 * PKI_CERT_EXPIRED, PKI_KEY_USAGE, …); @maxhub/contracts codes surface with CONTRACT_ replaced
 * by GRANT_ (listed here too).
 */
export enum GrantErrorCode {
  /** A grant or dataset id in the request is not a UUID: refused before anything is looked up or logged. */
  GRANT_ID_INVALID = 'GRANT_ID_INVALID',
  /** No such grant (or not visible to the caller). */
  GRANT_NOT_FOUND = 'GRANT_NOT_FOUND',
  /** No such version of the grant. */
  GRANT_VERSION_NOT_FOUND = 'GRANT_VERSION_NOT_FOUND',
  /** The version's risk review is still running: its document is not final, so it cannot be signed yet. */
  GRANT_REVIEW_PENDING = 'GRANT_REVIEW_PENDING',
  /** The version's risk review failed (GrantVersion.riskReview says why): the version can never be signed. */
  GRANT_REVIEW_FAILED = 'GRANT_REVIEW_FAILED',
  /** Drafting, signing or terminating needs the LEGAL role in the grantor company or the grantee working group (or the operator). */
  GRANT_LEGAL_ROLE_REQUIRED = 'GRANT_LEGAL_ROLE_REQUIRED',
  /** A granted dataset (or its version) does not exist among the grantor company's datasets. */
  GRANT_DATASET_NOT_FOUND = 'GRANT_DATASET_NOT_FOUND',
  /** The pinned dataset version is not PUBLISHED. */
  GRANT_DATASET_NOT_PUBLISHED = 'GRANT_DATASET_NOT_PUBLISHED',
  /** An upload (draft input, signature, termination document) exceeds the hub's size limit. */
  GRANT_UPLOAD_TOO_LARGE = 'GRANT_UPLOAD_TOO_LARGE',
  /** The signature is neither PEM nor base64 DER. */
  GRANT_SIGNATURE_MALFORMED = 'GRANT_SIGNATURE_MALFORMED',
  /** An amendment needs a live (ACTIVE or SUSPENDED) version to supersede, with the same parties. */
  GRANT_AMENDS_NOT_LIVE = 'GRANT_AMENDS_NOT_LIVE',
  /** Another amendment of the same grant became active first; this one can no longer supersede. */
  GRANT_AMENDMENT_CONFLICT = 'GRANT_AMENDMENT_CONFLICT',
  /** The version can no longer be signed (superseded, terminated or expired). */
  GRANT_VERSION_NOT_SIGNABLE = 'GRANT_VERSION_NOT_SIGNABLE',
  /** The signature is valid but covers another version of this grant (a replay). */
  GRANT_VERSION_MISMATCH = 'GRANT_VERSION_MISMATCH',
  /** The signer's certificate names neither the grantor company nor the grantee working group (as LEGAL). */
  GRANT_SIGNER_NOT_A_PARTY = 'GRANT_SIGNER_NOT_A_PARTY',
  /** The certificate names the party, but its holder no longer has the LEGAL role there. */
  GRANT_SIGNER_NO_LONGER_LEGAL = 'GRANT_SIGNER_NO_LONGER_LEGAL',
  /** The party claimed by the caller (or by the termination document) is not the one the certificate names. */
  GRANT_SIGNER_PARTY_MISMATCH = 'GRANT_SIGNER_PARTY_MISMATCH',
  /** The same person already signed for the other party: the two signers must be different people. */
  GRANT_SAME_SIGNER = 'GRANT_SAME_SIGNER',
  /** The party already has a valid signature on this version. */
  GRANT_ALREADY_SIGNED = 'GRANT_ALREADY_SIGNED',
  /** The termination document names another grant or another version than the live one. */
  GRANT_TERMINATION_MISMATCH = 'GRANT_TERMINATION_MISMATCH',
  /** The grant has no ACTIVE version (draft, awaiting signatures, or not yet in its term). */
  GRANT_NOT_ACTIVE = 'GRANT_NOT_ACTIVE',
  /** A signer's certificate is revoked or expired: closed until that party signs again. */
  GRANT_SUSPENDED = 'GRANT_SUSPENDED',
  /** The grant's term has ended. */
  GRANT_EXPIRED = 'GRANT_EXPIRED',
  /** The grant was terminated by a signed termination document (also: a version pending when it was, which can no longer be signed). */
  GRANT_TERMINATED = 'GRANT_TERMINATED',
  /** A required signature no longer verifies (details.pkiCode says why), or a party's signature is missing. */
  GRANT_SIGNATURE_INVALID = 'GRANT_SIGNATURE_INVALID',
  /** The stored document bytes no longer match their recorded SHA-256 or canonical form. */
  GRANT_DOCUMENT_TAMPERED = 'GRANT_DOCUMENT_TAMPERED',
  /** The dataset is not part of the grant. */
  GRANT_DATASET_NOT_GRANTED = 'GRANT_DATASET_NOT_GRANTED',
  /** The gate could not read what it checks (storage or database failure): SERVICE_UNAVAILABLE, not a verdict. */
  GRANT_CHECK_UNAVAILABLE = 'GRANT_CHECK_UNAVAILABLE',
  /** (contracts) The document does not match the grant or termination model. */
  GRANT_MALFORMED = 'GRANT_MALFORMED',
  /** (contracts) The document exceeds the size limit. */
  GRANT_TOO_LARGE = 'GRANT_TOO_LARGE',
  /** (contracts) The document nests deeper than the limit. */
  GRANT_TOO_DEEP = 'GRANT_TOO_DEEP',
  /** (contracts) The bytes are not RFC 8785 canonical. */
  GRANT_NOT_CANONICAL = 'GRANT_NOT_CANONICAL',
  /** (contracts) A granted column is not in the dataset's schema. */
  GRANT_UNKNOWN_COLUMN = 'GRANT_UNKNOWN_COLUMN',
  /** (contracts) A DIRECT_IDENTIFIER column would be released raw. */
  GRANT_RAW_DIRECT_IDENTIFIER = 'GRANT_RAW_DIRECT_IDENTIFIER',
  /** (contracts) A transform does not fit its column's type. */
  GRANT_TRANSFORM_TYPE_MISMATCH = 'GRANT_TRANSFORM_TYPE_MISMATCH',
  /** (contracts) A k-anonymity quasi-identifier is not a released column. */
  GRANT_UNKNOWN_QUASI_IDENTIFIER = 'GRANT_UNKNOWN_QUASI_IDENTIFIER',
  /** (contracts) k-anonymity settings are invalid. */
  GRANT_KANONYMITY_INVALID = 'GRANT_KANONYMITY_INVALID',
  /** (contracts) A row filter names an unknown column. */
  GRANT_FILTER_UNKNOWN_COLUMN = 'GRANT_FILTER_UNKNOWN_COLUMN',
  /** (contracts) A row filter does not fit its column's type. */
  GRANT_FILTER_TYPE_MISMATCH = 'GRANT_FILTER_TYPE_MISMATCH',
  /** (contracts) The term is empty, reversed, or already over. */
  GRANT_TERM_INVALID = 'GRANT_TERM_INVALID',
  /** (contracts) A string of the document (a name, a column label, a filter, the purpose) holds a control, bidi or invisible character. */
  GRANT_TEXT_UNSAFE = 'GRANT_TEXT_UNSAFE',
  /** (contracts) A value map of the document has a key named __proto__, constructor or prototype. */
  GRANT_RESERVED_KEY = 'GRANT_RESERVED_KEY',
  /** (contracts) A granted dataset has no schema. */
  GRANT_DATASET_UNKNOWN = 'GRANT_DATASET_UNKNOWN',
  /** A column's class in the document differs from its published class. */
  GRANT_COLUMN_CLASS_MISMATCH = 'GRANT_COLUMN_CLASS_MISMATCH',
  /** A column published without a class would be released unchanged. */
  GRANT_UNCLASSIFIED_RAW = 'GRANT_UNCLASSIFIED_RAW',
  /** The document does not say (or wrongly says) that the publisher overrode a personal-data detection. */
  GRANT_PERSONAL_DATA_OVERRIDE = 'GRANT_PERSONAL_DATA_OVERRIDE',
  /** A released quasi-identifier is neither counted by k-anonymity nor excluded with a reason. */
  GRANT_QUASI_IDENTIFIER_UNCOUNTED = 'GRANT_QUASI_IDENTIFIER_UNCOUNTED',
  /** A quasi-identifier exclusion is invalid (not a released QI, twice, or also counted). */
  GRANT_EXCLUSION_INVALID = 'GRANT_EXCLUSION_INVALID',
}

declare module '@maxhub/core' {
  interface HubErrorCodes {
    grants: GrantErrorCode;
  }
}
