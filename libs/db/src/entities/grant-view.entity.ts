import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import { CompanyEntity } from './company.entity';
import { DatasetVersionEntity } from './dataset.entity';
import { GrantEntity, GrantVersionEntity } from './grant.entity';

/** Lifecycle of a materialized view (see the views service for the transitions). */
export const GRANT_VIEW_STATUSES = ['PENDING', 'MATERIALIZING', 'READY', 'FAILED', 'DELETED'] as const;
export type GrantViewStatus = (typeof GRANT_VIEW_STATUSES)[number];

/** What the manifest says, kept beside the row so the hub does not re-read it for metadata. */
export interface GrantViewManifestSummary {
  columns: Array<{ name: string; type: string }>;
  chunkRows: number;
  chunks: number;
  bytes: number;
  quasiIdentifiers: string[];
  k: number | null;
  millis: number;
}

/**
 * The de-identified view of one dataset version under one grant version, stored in the owner's
 * bucket under `prefix`. Served only while READY (and only if the manifest is there).
 */
@Entity({ name: 'grant_views' })
@Unique('uq_grant_views_grant_version_dataset_version', ['grantVersionId', 'datasetVersionId'])
@Check('ck_grant_views_status', `"status" IN ('PENDING', 'MATERIALIZING', 'READY', 'FAILED', 'DELETED')`)
@Index('ix_grant_views_grant', ['grantId'])
@Index('ix_grant_views_status', ['status'])
export class GrantViewEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_grant_views' })
  id!: string;

  @Column({ name: 'grant_id', type: 'uuid' })
  grantId!: string;

  @ManyToOne(() => GrantEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'grant_id', foreignKeyConstraintName: 'fk_grant_views_grant' })
  grant?: GrantEntity;

  @Column({ name: 'grant_version_id', type: 'uuid' })
  grantVersionId!: string;

  @ManyToOne(() => GrantVersionEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'grant_version_id', foreignKeyConstraintName: 'fk_grant_views_grant_version' })
  grantVersionRow?: GrantVersionEntity;

  @Column({ name: 'grant_version', type: 'int' })
  grantVersion!: number;

  @Column({ name: 'dataset_id', type: 'uuid' })
  datasetId!: string;

  @Column({ name: 'dataset_version_id', type: 'uuid' })
  datasetVersionId!: string;

  @ManyToOne(() => DatasetVersionEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'dataset_version_id', foreignKeyConstraintName: 'fk_grant_views_dataset_version' })
  datasetVersion?: DatasetVersionEntity;

  /** The owner (grantor) company: the view lives in its bucket. */
  @Column({ name: 'company_id', type: 'uuid' })
  companyId!: string;

  @ManyToOne(() => CompanyEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'company_id', foreignKeyConstraintName: 'fk_grant_views_company' })
  company?: CompanyEntity;

  @Column({ type: 'text' })
  status!: GrantViewStatus;

  /** Object prefix in the owner's bucket, `shares/<grantId>/<datasetVersionId>/`. */
  @Column({ type: 'text' })
  prefix!: string;

  /** SHA-256 (hex) of the manifest bytes, set when READY. */
  @Column({ name: 'manifest_sha256', type: 'text', nullable: true })
  manifestSha256!: string | null;

  @Column({ name: 'manifest_summary', type: 'jsonb', nullable: true })
  manifestSummary!: GrantViewManifestSummary | null;

  @Column({ name: 'rows_in', type: 'bigint', nullable: true })
  rowsIn!: string | null;

  @Column({ name: 'rows_filtered', type: 'bigint', nullable: true })
  rowsFiltered!: string | null;

  @Column({ name: 'rows_suppressed', type: 'bigint', nullable: true })
  rowsSuppressed!: string | null;

  @Column({ name: 'rows_out', type: 'bigint', nullable: true })
  rowsOut!: string | null;

  /** The k-anonymity risk report (class-size histogram, risks, levels): counts only. */
  @Column({ name: 'risk_report', type: 'jsonb', nullable: true })
  riskReport!: Record<string, unknown> | null;

  /** Why the last attempt failed: a code (DEID_…, VIEW_…, DATASET_…), never a value. */
  @Column({ name: 'error_code', type: 'text', nullable: true })
  errorCode!: string | null;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'ready_at', type: 'timestamptz', nullable: true })
  readyAt!: Date | null;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}

/** Queries served per grant per UTC day (for the grant's queriesPerDay), counted atomically. */
@Entity({ name: 'grant_query_usage' })
export class GrantQueryUsageEntity {
  @PrimaryColumn({ name: 'grant_id', type: 'uuid', primaryKeyConstraintName: 'pk_grant_query_usage' })
  grantId!: string;

  @ManyToOne(() => GrantEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'grant_id', foreignKeyConstraintName: 'fk_grant_query_usage_grant' })
  grant?: GrantEntity;

  @PrimaryColumn({ type: 'date', primaryKeyConstraintName: 'pk_grant_query_usage' })
  day!: string;

  @Column({ type: 'int', default: 0 })
  queries!: number;

  @Column({ name: 'rows_returned', type: 'bigint', default: 0 })
  rowsReturned!: string;

  /** Whole-view exports counted on the day (limited by a v2 grant's `limits.exports.perDay`). */
  @Column({ type: 'int', default: 0 })
  exports!: number;
}
