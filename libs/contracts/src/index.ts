/**
 * @maxhub/contracts — the grant document: model, canonical form, validation against dataset
 * schemas, human rendering, terminations and party matching. Pure: no Nest, no I/O.
 */
export { ContractError, ContractErrorCode } from './contract.errors';
export {
  SIGNING_CLOCK_SKEW_SECONDS,
  parseSignedDocument,
  verifyDocumentSignature,
  type DocumentSignatureInput,
  type SignedDocument,
  type VerifiedDocumentSignature,
} from './signature';
export {
  GRANT_SCHEMA,
  GRANT_SCHEMA_V1,
  GRANT_SCHEMA_V2,
  TERMINATION_SCHEMA,
  GrantDocumentSchema,
  TerminationDocumentSchema,
  isDocumentFieldName,
  parseGrantDocument,
  parseTerminationDocument,
  type GrantColumn,
  type GrantDataset,
  GrantRiskReviewSchema,
  type GrantRiskReview,
  type GrantDocument,
  type GrantParty,
  type TerminationDocument,
} from './grant';
export {
  MAX_DOCUMENT_BYTES,
  MAX_DOCUMENT_DEPTH,
  assertCanonical,
  canonicalBytes,
  isCanonical,
  parseCanonicalGrant,
  parseCanonicalTermination,
  sha256Hex,
} from './canonical';
export {
  assertGrantMatchesSchemas,
  validateGrantAgainstSchemas,
  type GrantableColumn,
  type GrantableSchema,
  type GrantProblem,
} from './validate';
export { renderGrantText, describeTransform, describeGeneralization, describePredicate } from './render';
export { DOCUMENT_LANGUAGES, type DocumentLanguage } from './render-words';
export {
  RESERVED_KEYS,
  describeUnsafeText,
  hasMixedScriptWord,
  hasUnsupportedNameScript,
  isReservedKey,
  nameSkeletons,
  namesConfusable,
  normalizeName,
  unsafeTextKind,
  type TextMode,
  type UnsafeTextKind,
} from './text';
export { signerMatchesParty, type SignerOrgIdentity } from './party';
