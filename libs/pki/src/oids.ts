/**
 * Object identifiers of the alliance certificate profile.
 *
 * The alliance has no registered OID arc, so its private OIDs live under `2.25` (ITU-T X.667:
 * a UUID written as one decimal integer; no registration needed, collision-free by construction).
 */

/**
 * Extended key usage "M.AX alliance grant signing": present only in certificates the alliance CA
 * issued for signing grant documents. Derived from UUID 5f44577e-c9e4-4ced-98ab-273fdecfd68c.
 */
export const ALLIANCE_GRANT_SIGNING_EKU = '2.25.126631510400813856040929632172190455436';

/** id-kp-emailProtection: lets `openssl cms -verify -purpose smimesign` accept member certificates. */
export const EKU_EMAIL_PROTECTION = '1.3.6.1.5.5.7.3.4';

/**
 * Where the alliance identity sits in a member certificate's subject:
 * CN = person's display name, UID = person id, O = organisation slug, OU = organisation kind
 * (`company` | `working-group`), title = role (`LEGAL`), description = organisation display name.
 */
export const SUBJECT_ATTRIBUTE_OIDS = {
  commonName: '2.5.4.3',
  countryName: '2.5.4.6',
  organizationName: '2.5.4.10',
  organizationalUnitName: '2.5.4.11',
  title: '2.5.4.12',
  description: '2.5.4.13',
  uid: '0.9.2342.19200300.100.1.1',
  emailAddress: '1.2.840.113549.1.9.1',
} as const;

/** Certificate and CRL signature algorithms accepted anywhere in a path. */
export const ALLOWED_SIGNATURE_ALGORITHMS: ReadonlySet<string> = new Set([
  '1.2.840.113549.1.1.11', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12', // sha384WithRSAEncryption
  '1.2.840.113549.1.1.13', // sha512WithRSAEncryption
  '1.2.840.10045.4.3.2', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3', // ecdsa-with-SHA384
  '1.2.840.10045.4.3.4', // ecdsa-with-SHA512
]);

/** CMS digest algorithms accepted, with node:crypto's name for each. */
export const ALLOWED_DIGEST_ALGORITHMS: ReadonlyMap<string, string> = new Map([
  ['2.16.840.1.101.3.4.2.1', 'sha256'],
  ['2.16.840.1.101.3.4.2.2', 'sha384'],
  ['2.16.840.1.101.3.4.2.3', 'sha512'],
]);

/** rsaEncryption: the SignerInfo signature algorithm most CMS producers (node-forge, OpenSSL) write. */
export const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';

export const OID_CMS_DATA = '1.2.840.113549.1.7.1';
export const OID_CMS_SIGNED_DATA = '1.2.840.113549.1.7.2';
export const OID_ATTR_CONTENT_TYPE = '1.2.840.113549.1.9.3';
export const OID_ATTR_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
export const OID_ATTR_SIGNING_TIME = '1.2.840.113549.1.9.5';

export const OID_EXT_SUBJECT_KEY_IDENTIFIER = '2.5.29.14';
export const OID_EXT_KEY_USAGE = '2.5.29.15';
export const OID_EXT_SUBJECT_ALT_NAME = '2.5.29.17';
export const OID_EXT_BASIC_CONSTRAINTS = '2.5.29.19';
export const OID_EXT_CRL_NUMBER = '2.5.29.20';
export const OID_EXT_CRL_REASON = '2.5.29.21';
export const OID_EXT_CERTIFICATE_POLICIES = '2.5.29.32';
export const OID_EXT_AUTHORITY_KEY_IDENTIFIER = '2.5.29.35';
export const OID_EXT_EXTENDED_KEY_USAGE = '2.5.29.37';

/**
 * Critical certificate extensions the path validator processes. certificatePolicies is accepted
 * because the alliance runs a single policy domain (equivalent to RFC 5280 with
 * initial-policy-set = anyPolicy and no explicit-policy requirement); policy constraints,
 * policy mappings, inhibitAnyPolicy and name constraints are NOT processed, so a critical one
 * makes the certificate unusable.
 */
export const KNOWN_CRITICAL_CERT_EXTENSIONS: ReadonlySet<string> = new Set([
  OID_EXT_KEY_USAGE,
  OID_EXT_BASIC_CONSTRAINTS,
  OID_EXT_EXTENDED_KEY_USAGE,
  OID_EXT_SUBJECT_ALT_NAME,
  OID_EXT_CERTIFICATE_POLICIES,
]);

/** Critical CRL (and CRL entry) extensions processed: none beyond the always non-critical ones. */
export const KNOWN_CRITICAL_CRL_EXTENSIONS: ReadonlySet<string> = new Set([OID_EXT_CRL_NUMBER]);
