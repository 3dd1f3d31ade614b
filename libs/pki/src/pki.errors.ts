/**
 * Error codes of the alliance PKI. Every failure of verification maps to exactly one code, so a
 * caller (the hub, the CLI) can deny with a precise, machine-readable reason. Messages never
 * carry key material, data values or file paths.
 */
export enum PkiErrorCode {
  /** Input is not parseable DER/PEM/ASN.1 of the expected kind. */
  PKI_MALFORMED = 'PKI_MALFORMED',
  /** The CMS signature value does not verify with the signer certificate's public key. */
  PKI_SIGNATURE_INVALID = 'PKI_SIGNATURE_INVALID',
  /** The signed message-digest attribute does not equal the digest of the supplied content. */
  PKI_DIGEST_MISMATCH = 'PKI_DIGEST_MISMATCH',
  /** Signed attributes are absent, duplicated, or do not match the profile (content type, digest, signing time). */
  PKI_ATTRIBUTES_INVALID = 'PKI_ATTRIBUTES_INVALID',
  /** The CMS does not carry exactly one SignerInfo. */
  PKI_SIGNER_COUNT = 'PKI_SIGNER_COUNT',
  /** The signer's certificate is neither inside the CMS nor among the supplied intermediates. */
  PKI_SIGNER_CERT_MISSING = 'PKI_SIGNER_CERT_MISSING',
  /** A digest or signature algorithm is not on the allowlist (MD5, SHA-1, DSA, unknown ...). */
  PKI_WEAK_ALGORITHM = 'PKI_WEAK_ALGORITHM',
  /** The CMS encapsulates its content; only detached signatures are accepted. */
  PKI_EMBEDDED_CONTENT = 'PKI_EMBEDDED_CONTENT',
  /** No path from the signer certificate to a supplied trust anchor whose signatures all verify. */
  PKI_UNTRUSTED_CHAIN = 'PKI_UNTRUSTED_CHAIN',
  /** A CA certificate in the path lacks basicConstraints cA=true, or a path length constraint is exceeded. */
  PKI_BASIC_CONSTRAINTS = 'PKI_BASIC_CONSTRAINTS',
  /** A certificate in the path had expired at the validation time. */
  PKI_CERT_EXPIRED = 'PKI_CERT_EXPIRED',
  /** A certificate in the path was not yet valid at the validation time. */
  PKI_CERT_NOT_YET_VALID = 'PKI_CERT_NOT_YET_VALID',
  /** A certificate in the path is listed on its issuer's CRL. */
  PKI_CERT_REVOKED = 'PKI_CERT_REVOKED',
  /** No CRL signed by the issuer was supplied for a certificate in the path. */
  PKI_CRL_MISSING = 'PKI_CRL_MISSING',
  /** The issuer's newest CRL is past its nextUpdate (or older than the allowed age, or has no nextUpdate). */
  PKI_CRL_STALE = 'PKI_CRL_STALE',
  /** A key usage does not permit the operation (leaf: digitalSignature+nonRepudiation; CA: keyCertSign). */
  PKI_KEY_USAGE = 'PKI_KEY_USAGE',
  /** The signer certificate lacks the alliance grant-signing EKU or the alliance identity attributes. */
  PKI_NOT_ALLIANCE_SIGNER = 'PKI_NOT_ALLIANCE_SIGNER',
  /** A certificate or CRL carries a critical extension this verifier does not process. */
  PKI_UNKNOWN_CRITICAL_EXTENSION = 'PKI_UNKNOWN_CRITICAL_EXTENSION',
  /** The signing time is in the future (beyond the allowed clock skew). */
  PKI_SIGNING_TIME_INVALID = 'PKI_SIGNING_TIME_INVALID',
  /** A CSR cannot be parsed, is signed with a weak algorithm, or its self-signature does not verify. */
  PKI_CSR_INVALID = 'PKI_CSR_INVALID',
  /** A public key (in a CSR or any certificate of a path) is not RSA 3072..8192 bits with exponent 65537. */
  PKI_KEY_OUTSIDE_PROFILE = 'PKI_KEY_OUTSIDE_PROFILE',
  /** The CMS carries more certificates or CRLs than the profile allows (8 and 4). */
  PKI_TOO_MANY_CERTIFICATES = 'PKI_TOO_MANY_CERTIFICATES',
  /** Path building gave up after its budget of candidate paths or signature checks, without a trusted path. */
  PKI_PATH_BUDGET_EXCEEDED = 'PKI_PATH_BUDGET_EXCEEDED',
  /** Subject fields handed to the CA are out of the profile (empty, too long, bad slug, unknown kind/role). */
  PKI_INVALID_SUBJECT = 'PKI_INVALID_SUBJECT',
  /** A PKCS#12 file cannot be opened with the passphrase, or lacks exactly one key and its certificate. */
  PKI_PKCS12_INVALID = 'PKI_PKCS12_INVALID',
}

/** A failure of the PKI library; `code` is stable, `message` is safe to show and log. */
export class PkiError extends Error {
  constructor(
    readonly code: PkiErrorCode,
    message: string,
    opts?: { cause?: unknown },
  ) {
    super(message, opts);
    this.name = 'PkiError';
  }
}
