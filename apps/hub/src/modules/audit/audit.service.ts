import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { auditPayload, chainHash, GENESIS_HASH, verifyStoredChain } from '@maxhub/audit';
import { AuditEntryEntity } from '@maxhub/db';
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

// One lock id for the whole chain: appends are serialized so two transactions can never fork it.
const AUDIT_LOCK_ID = 0x6d617868; // "maxh"

@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Appends an entry inside the caller's transaction (`manager`), so the entry and the change
   * it records commit or roll back together. If it cannot be written, the caller's change fails.
   */
  async append(manager: EntityManager, record: AuditRecord): Promise<AuditEntryEntity> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('audit entries must be appended inside a transaction');
    }
    await manager.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_ID]);
    const last: Array<{ seq: string; hash: string }> = await manager.query(
      'SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1',
    );
    const seq = last.length ? Number(last[0].seq) + 1 : 1;
    const prevHash = last.length ? last[0].hash : GENESIS_HASH;
    const occurredAt = new Date();
    const fields = {
      seq,
      occurredAt: occurredAt.toISOString(),
      actorUserId: record.actorUserId,
      action: record.action,
      companyId: record.companyId ?? null,
      workingGroupId: record.workingGroupId ?? null,
      subjectType: record.subjectType,
      subjectId: record.subjectId ?? null,
      details: record.details ?? {},
    };
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
