/**
 * @maxhub/pki — the alliance PKI: CA, CSR, certificates, CRLs, detached CMS sign/verify.
 * Pure: no Nest, no database, no network, no environment.
 */
export { PkiError, PkiErrorCode } from './pki.errors';
export { ALLIANCE_GRANT_SIGNING_EKU, EKU_EMAIL_PROTECTION, SUBJECT_ATTRIBUTE_OIDS } from './oids';
export { toPem, fromPem, splitPem, cmsToDer, type PemLabel } from './pem';
export {
  createKeyAndCsr,
  describeCsr,
  exportPkcs12,
  importPkcs12,
  RSA_KEY_BITS,
  type CsrDescription,
  type KeyAndCsrRequest,
  type OrgKind,
  type SignerRole,
} from './keys';
export {
  createDevAlliancePki,
  issueCertificate,
  createCrl,
  CRL_REASONS,
  DEV_MARKER,
  type CreateCrlParams,
  type CrlReason,
  type DevAlliancePki,
  type IssueCertificateParams,
  type MemberSubject,
  type RevokedEntry,
} from './ca';
export {
  describeCertificate,
  type AllianceIdentity,
  type CertificateDescription,
  type KeyUsageName,
  type SignerIdentity,
} from './certificate';
export {
  MAX_CMS_CERTIFICATES,
  MAX_CMS_CRLS,
  signDetached,
  verifyDetached,
  type VerifiedSignature,
  type VerifyDetachedParams,
} from './cms';
export {
  ALLIANCE_KEY_PROFILE,
  RSA_PUBLIC_EXPONENT,
  checkPublicKeyInfo,
  checkSpkiDer,
  type KeyProfile,
  type RsaKeyFacts,
} from './key-profile';
export {
  MAX_PATH_CANDIDATES,
  MAX_PATH_SIGNATURE_CHECKS,
  validateCertificatePath,
  type PathValidationInput,
  type ValidatedPath,
} from './path-validation';
export { DEV_CA_DIR, DEV_CA_FILES } from './dev-ca-files';
