/**
 * Reason codes of the hub's PKI module. Verification failures of signatures are reported with
 * the @maxhub/pki code itself (PKI_SIGNATURE_INVALID, PKI_CERT_REVOKED, …), so both lists share
 * the PKI_ prefix and never overlap.
 */
export enum HubPkiErrorCode {
  /** The alliance CA is not configured (production needs PKI_ROOT_CERT_FILE, PKI_ISSUING_CERT_FILE, PKI_ISSUING_KEY_FILE). */
  PKI_CA_NOT_CONFIGURED = 'PKI_CA_NOT_CONFIGURED',
  /** The configured CA files cannot be read, do not parse, or do not belong together. */
  PKI_CA_INVALID = 'PKI_CA_INVALID',
  /** No person with that e-mail address. */
  PKI_USER_NOT_FOUND = 'PKI_USER_NOT_FOUND',
  /** The organisation is missing, of the wrong kind, or both a company and a working group were named. */
  PKI_ORG_INVALID = 'PKI_ORG_INVALID',
  /** The person does not hold the role (LEGAL) in that organisation. */
  PKI_ROLE_NOT_HELD = 'PKI_ROLE_NOT_HELD',
  /** validityDays is outside 1..825. */
  PKI_VALIDITY_INVALID = 'PKI_VALIDITY_INVALID',
  /** No such certificate (or not visible to the caller). */
  PKI_CERTIFICATE_NOT_FOUND = 'PKI_CERTIFICATE_NOT_FOUND',
  /** The certificate is already revoked. */
  PKI_ALREADY_REVOKED = 'PKI_ALREADY_REVOKED',
  /** A signature verified under the alliance CA, but its certificate is not one the hub issued and recorded. */
  PKI_CERTIFICATE_UNKNOWN = 'PKI_CERTIFICATE_UNKNOWN',
  /** Give exactly one of id and serialNumber. */
  PKI_CERTIFICATE_SELECTOR_INVALID = 'PKI_CERTIFICATE_SELECTOR_INVALID',
  /** The name in the CSR (`maxhub pki request --name`) is not the person's registered name. */
  PKI_CSR_NAME_MISMATCH = 'PKI_CSR_NAME_MISMATCH',
}

declare module '@maxhub/core' {
  interface HubErrorCodes {
    hubPki: HubPkiErrorCode;
  }
}
