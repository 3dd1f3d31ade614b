import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** prev_hash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** What an audit entry says. Never carries data values: ids, counts, hashes and codes only. */
export interface AuditFields {
  seq: number;
  occurredAt: string;
  actorUserId: string | null;
  action: string;
  companyId: string | null;
  workingGroupId: string | null;
  subjectType: string;
  subjectId: string | null;
  details: Record<string, unknown>;
}

/** A stored entry as the verifier reads it back. */
export interface StoredAuditEntry {
  seq: number;
  occurredAt: Date;
  actorUserId: string | null;
  action: string;
  companyId: string | null;
  workingGroupId: string | null;
  subjectType: string;
  subjectId: string | null;
  payload: string;
  prevHash: string;
  hash: string;
}

/** The canonical JSON (RFC 8785) of an entry's fields: exactly the bytes the hash covers. */
export function auditPayload(fields: AuditFields): string {
  const out = canonicalize(fields);
  if (out === undefined) throw new Error('audit fields are not serializable');
  return out;
}

/**
 * The canonical payload of an entry whose sequence number is not known yet, split around it:
 * `head + String(seq) + tail === auditPayload({ ...fields, seq })` for every non-negative integer
 * seq. Lets the database, which assigns seq under the chain's lock, finish the payload without
 * re-implementing RFC 8785 (migration 1764400000000, `maxhub_record_accesses`).
 */
export function auditPayloadAroundSeq(fields: Omit<AuditFields, 'seq'>): { head: string; tail: string } {
  const whole = auditPayload({ ...fields, seq: 0 });
  // "seq" sorts after "occurredAt" and before "subjectId"; only string or null values follow it,
  // so the last `,"seq":0,"subjectId":` is the top-level member (a string cannot hold `,"` unescaped).
  const marker = ',"seq":0,"subjectId":';
  const at = whole.lastIndexOf(marker);
  if (at < 0) throw new Error('audit payload has no top-level seq');
  const start = at + ',"seq":'.length;
  return { head: whole.slice(0, start), tail: whole.slice(start + 1) };
}

/** SHA-256 (hex) chaining an entry to its predecessor: H(prevHash ‖ "\n" ‖ payload). */
export function chainHash(prevHash: string, payload: string): string {
  return createHash('sha256').update(prevHash).update('\n').update(payload, 'utf8').digest('hex');
}

/** Why an entry breaks the chain. */
export type ChainBreak =
  'SEQUENCE_GAP' | 'PREV_HASH_MISMATCH' | 'HASH_MISMATCH' | 'PAYLOAD_MALFORMED' | 'COLUMN_PAYLOAD_MISMATCH';

/** Result of a chain verification. */
export interface ChainVerification {
  ok: boolean;
  entries: number;
  lastHash: string;
  firstBroken?: { seq: number; reason: ChainBreak };
}

/**
 * Recomputes the chain over entries given in sequence order (streamed: any async iterable) and
 * names the first entry that does not match: a gap, a wrong link, a wrong hash, or an indexed
 * column that disagrees with the hashed payload.
 */
export async function verifyChain(
  entries: AsyncIterable<StoredAuditEntry> | Iterable<StoredAuditEntry>,
): Promise<ChainVerification> {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  for await (const e of entries) {
    const broken = (reason: ChainBreak): ChainVerification => ({
      ok: false,
      entries: count,
      lastHash: prev,
      firstBroken: { seq: e.seq, reason },
    });
    if (e.seq !== expectedSeq) return broken('SEQUENCE_GAP');
    if (e.prevHash !== prev) return broken('PREV_HASH_MISMATCH');
    if (chainHash(prev, e.payload) !== e.hash) return broken('HASH_MISMATCH');
    let fields: AuditFields;
    try {
      fields = JSON.parse(e.payload) as AuditFields;
    } catch {
      return broken('PAYLOAD_MALFORMED');
    }
    if (
      fields.seq !== e.seq ||
      fields.occurredAt !== e.occurredAt.toISOString() ||
      fields.actorUserId !== e.actorUserId ||
      fields.action !== e.action ||
      fields.companyId !== e.companyId ||
      fields.workingGroupId !== e.workingGroupId ||
      fields.subjectType !== e.subjectType ||
      fields.subjectId !== e.subjectId
    ) {
      return broken('COLUMN_PAYLOAD_MISMATCH');
    }
    prev = e.hash;
    expectedSeq += 1;
    count += 1;
  }
  return { ok: true, entries: count, lastHash: prev };
}
