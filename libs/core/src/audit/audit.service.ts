import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  auditFieldsProblem,
  auditPayload,
  auditPayloadAroundSeq,
  chainHash,
  GENESIS_HASH,
  verifyStoredChain,
  type AuditFields,
} from '@maxhub/audit';
import { AuditEntryEntity, preparedQuery } from '@maxhub/db';
import { DataSource, EntityManager } from 'typeorm';

/** What a caller records; the service adds sequence, time and the chain hashes. */
export interface AuditRecord {
  actorUserId: string | null;
  action: string;
  companyId?: string | null;
  workingGroupId?: string | null;
  subjectType: string;
  subjectId?: string | null;
  /** Ids, counts, hashes, codes only: never data values, tokens or keys. */
  details?: Record<string, string | number | boolean | null>;
}

/** A data access to decide: count it against the grant's day and, when it counts, audit it. */
export interface AccessRecord extends AuditRecord {
  usage: {
    grantId: string;
    /** The UTC day (YYYY-MM-DD) the query counts against. */
    day: string;
    rowsReturned: number;
    /** The grant's queries per day: the access does not count (and is not served) beyond it. */
    queriesPerDay: number;
    /**
     * For a whole-view export under a grant that limits them: its exports per day. The export
     * counts (and is served) only while the day's exports are below it, as well as its queries.
     */
    exportsPerDay?: number;
  };
}

/** What the decision was: `counted` false means the day's queries were used up (nothing audited). */
export interface AccessDecision {
  counted: boolean;
  seq: number | null;
}

interface PendingAccess {
  item: Record<string, unknown>;
  resolve: (d: AccessDecision) => void;
  reject: (err: unknown) => void;
}

/**
 * The hashed fields of an entry but its sequence number (which only the chain's lock decides).
 * Every entry passes here, by either write path: one whose text is too long, whose details
 * exceed 4 KiB of JSON, or which carries a control or bidirectional-formatting character is
 * refused (an Error: callers validate what they log, so this is a bug) before anything is written.
 */
function fieldsOf(record: AuditRecord, occurredAt: Date): Omit<AuditFields, 'seq'> {
  assertAuditable(record);
  return {
    occurredAt: occurredAt.toISOString(),
    actorUserId: record.actorUserId,
    action: record.action,
    companyId: record.companyId ?? null,
    workingGroupId: record.workingGroupId ?? null,
    subjectType: record.subjectType,
    subjectId: record.subjectId ?? null,
    details: record.details ?? {},
  };
}

/** Throws when `record` may not be written to the log (see {@link fieldsOf}). */
function assertAuditable(record: AuditRecord): void {
  const problem = auditFieldsProblem({
    action: record.action,
    subjectType: record.subjectType,
    subjectId: record.subjectId ?? null,
    details: record.details ?? {},
  });
  if (problem !== null) throw new Error(`audit entry refused: ${problem}`);
}

/** Accesses decided in one statement at most (the batch's JSON stays small). */
const MAX_ACCESS_BATCH = 256;

// One lock id for the whole chain: appends are serialized so two transactions can never fork it.
const AUDIT_LOCK_ID = 0x6d617868; // "maxh"

@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);
  private readonly pending: PendingAccess[] = [];
  private flushing = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Decides a data access: counts it against the grant's queries per day and, when it counts,
   * appends its audit entry — in one transaction, which has committed when the promise
   * resolves. Rejects (and so nothing may be served) when that transaction fails.
   *
   * Group commit: accesses arriving while a decision is being written wait and are then decided
   * together by ONE call of `maxhub_record_accesses` (one statement, one commit, the chain's
   * lock taken once). Each still gets its own usage check and its own entry, in arrival order.
   * Under no load a call is decided at once; under load the lock and the commit's WAL flush
   * are shared instead of queued for.
   */
  recordAccess(record: AccessRecord): Promise<AccessDecision> {
    let fields: Omit<AuditFields, 'seq'>;
    try {
      fields = fieldsOf(record, new Date());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const { head, tail } = auditPayloadAroundSeq(fields);
    const item = {
      grantId: record.usage.grantId,
      day: record.usage.day,
      rows: record.usage.rowsReturned,
      limit: record.usage.queriesPerDay,
      ...(record.usage.exportsPerDay === undefined ? {} : { exportLimit: record.usage.exportsPerDay }),
      occurredAt: fields.occurredAt,
      actorUserId: fields.actorUserId,
      action: fields.action,
      companyId: fields.companyId,
      workingGroupId: fields.workingGroupId,
      subjectType: fields.subjectType,
      subjectId: fields.subjectId,
      head,
      tail,
    };
    return new Promise<AccessDecision>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.flushing) void this.flushAccesses();
    });
  }

  private async flushAccesses(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_ACCESS_BATCH);
        try {
          const decided = await this.decideBatch(batch.map((p) => p.item));
          batch.forEach((p, i) => p.resolve(decided[i]));
        } catch (err) {
          if (batch.length === 1) {
            batch[0].reject(err);
            continue;
          }
          // One bad item must not take the others down: decide them one by one.
          this.logger.warn({
            msg: 'an access batch failed; deciding its items one by one',
            size: batch.length,
          });
          for (const p of batch) {
            try {
              p.resolve((await this.decideBatch([p.item]))[0]);
            } catch (one) {
              p.reject(one);
            }
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async decideBatch(items: ReadonlyArray<Record<string, unknown>>): Promise<AccessDecision[]> {
    const rows = await preparedQuery<{ idx: number; counted: boolean; seq: string | null }>(
      this.dataSource,
      'SELECT idx, counted, seq FROM maxhub_record_accesses($1::jsonb)',
      [JSON.stringify(items)],
    );
    if (rows.length !== items.length) throw new Error('the access batch was not decided item by item');
    const out: AccessDecision[] = new Array<AccessDecision>(items.length);
    for (const r of rows) out[r.idx] = { counted: r.counted, seq: r.seq === null ? null : Number(r.seq) };
    return out;
  }

  /**
   * Appends an entry inside the caller's transaction (`manager`), so the entry and the change
   * it records commit or roll back together. If it cannot be written, the caller's change fails.
   */
  async append(manager: EntityManager, record: AuditRecord): Promise<AuditEntryEntity> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('audit entries must be appended inside a transaction');
    }
    assertAuditable(record); // before the chain's lock is taken
    await manager.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_ID]);
    const last: Array<{ seq: string; hash: string }> = await manager.query(
      'SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1',
    );
    const seq = last.length ? Number(last[0].seq) + 1 : 1;
    const prevHash = last.length ? last[0].hash : GENESIS_HASH;
    const occurredAt = new Date();
    const fields = { seq, ...fieldsOf(record, occurredAt) };
    const payload = auditPayload(fields);
    const entry = manager.create(AuditEntryEntity, {
      ...fields,
      seq: String(seq),
      occurredAt,
      payload,
      prevHash,
      hash: chainHash(prevHash, payload),
    });
    await manager.insert(AuditEntryEntity, entry);
    return entry;
  }

  /** Appends in a transaction of its own (for events that change nothing else, e.g. a refusal). */
  async appendStandalone(record: AuditRecord): Promise<AuditEntryEntity> {
    return this.dataSource.transaction((m) => this.append(m, record));
  }

  /** Recomputes the whole chain (streamed) and names the first broken entry. */
  async verify() {
    return verifyStoredChain(this.dataSource);
  }
}
