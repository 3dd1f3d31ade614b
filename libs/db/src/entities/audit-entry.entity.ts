import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One entry of the append-only, hash-chained audit log. `payload` holds the entry's canonical
 * JSON (RFC 8785) and is what the hash covers; the other columns are indexed copies of payload
 * fields for querying, checked against it by the verifier. The database refuses UPDATE, DELETE
 * and TRUNCATE on this table.
 */
@Entity({ name: 'audit_entries' })
@Index('ix_audit_entries_company_seq', ['companyId', 'seq'])
@Index('ix_audit_entries_working_group_seq', ['workingGroupId', 'seq'])
export class AuditEntryEntity {
  @PrimaryColumn({ type: 'bigint' })
  seq!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'actor_user_id', type: 'uuid', nullable: true })
  actorUserId!: string | null;

  @Column({ type: 'text' })
  action!: string;

  @Column({ name: 'company_id', type: 'uuid', nullable: true })
  companyId!: string | null;

  @Column({ name: 'working_group_id', type: 'uuid', nullable: true })
  workingGroupId!: string | null;

  @Column({ name: 'subject_type', type: 'text' })
  subjectType!: string;

  @Column({ name: 'subject_id', type: 'text', nullable: true })
  subjectId!: string | null;

  @Column({ type: 'text' })
  payload!: string;

  @Column({ name: 'prev_hash', type: 'text' })
  prevHash!: string;

  @Column({ type: 'text' })
  hash!: string;
}
