export { GENESIS_HASH, auditPayload, auditPayloadAroundSeq, chainHash, verifyChain } from './chain';
export type { AuditFields, StoredAuditEntry, ChainBreak, ChainVerification } from './chain';
export { readChain, verifyStoredChain } from './reader';
