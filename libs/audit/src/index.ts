export { GENESIS_HASH, auditPayload, auditPayloadAroundSeq, chainHash, verifyChain } from './chain';
export type { AuditFields, StoredAuditEntry, ChainBreak, ChainVerification } from './chain';
export { readChain, verifyStoredChain } from './reader';
export { auditFieldsProblem, MAX_AUDIT_DETAILS_BYTES, MAX_AUDIT_FIELD_CHARS } from './limits';
export type { AuditableFields } from './limits';
