import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { CompanyEntity } from './company.entity';

/** A dataset a company publishes: a name and a history of immutable versions. */
@Entity({ name: 'datasets' })
@Unique('uq_datasets_company_name', ['companyId', 'name'])
export class DatasetEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'company_id', type: 'uuid' })
  companyId!: string;

  @ManyToOne(() => CompanyEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'company_id', foreignKeyConstraintName: 'fk_datasets_company' })
  company?: CompanyEntity;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  tags!: string[];

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** Lifecycle of a dataset version. */
export const DATASET_VERSION_STATUSES = ['VALIDATING', 'PUBLISHED', 'REJECTED', 'WITHDRAWN'] as const;
export type DatasetVersionStatus = (typeof DATASET_VERSION_STATUSES)[number];

/** Why a version was rejected: a code, where, and a sentence (never a cell value). */
export interface DatasetRejection {
  code: string;
  message: string;
  line?: number;
  row?: number;
  column?: string;
}

/** One column of a version's schema (metadata only). */
export interface DatasetColumnRecord {
  name: string;
  type: string;
  class: string;
  nullable: boolean;
  /** True when the publisher did not classify it and the default class was applied. */
  defaulted?: boolean;
  /**
   * Where the class came from: the publisher (DECLARED), the default (DEFAULT), or personal-data
   * detection (DETECTED: the publisher did not classify a column whose values look like personal
   * data, and it became DIRECT_IDENTIFIER). Absent on versions published before detection.
   */
  classSource?: 'DECLARED' | 'DEFAULT' | 'DETECTED';
  /** What the values look like when they look like personal data: a kind and a share, no value. */
  personalData?: DatasetColumnPersonalData | null;
  /**
   * True when the publisher classified a column detected as personal data as something other
   * than DIRECT_IDENTIFIER: the class stands, and the override is shown wherever the column is.
   */
  classOverridden?: boolean;
}

/** A personal-data detection as recorded on a column (see @maxhub/formats PersonalDataMatch). */
export interface DatasetColumnPersonalData {
  /** RESIDENT_REGISTRATION_NUMBER, PHONE_NUMBER, KOREAN_NAME, … */
  kind: string;
  /** Share of the sampled non-null values that look like personal data (0–1). */
  share: number;
  /** The share at or above which the column was flagged. */
  threshold: number;
  /** Non-null values looked at. */
  sampledValues: number;
}

/**
 * An immutable version of a dataset: one object in the company's bucket, validated in full by
 * the worker. A new upload is a new version.
 */
@Entity({ name: 'dataset_versions' })
@Unique('uq_dataset_versions_dataset_version', ['datasetId', 'version'])
@Index('ix_dataset_versions_status', ['status'])
export class DatasetVersionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'dataset_id', type: 'uuid' })
  datasetId!: string;

  @ManyToOne(() => DatasetEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'dataset_id', foreignKeyConstraintName: 'fk_dataset_versions_dataset' })
  dataset?: DatasetEntity;

  @Column({ type: 'int' })
  version!: number;

  @Column({ type: 'text' })
  status!: DatasetVersionStatus;

  /** CSV, JSONL or PARQUET. */
  @Column({ type: 'text' })
  format!: string;

  /** Declared text encoding (utf-8, cp949, euc-kr, auto); null for Parquet. */
  @Column({ type: 'text', nullable: true })
  encoding!: string | null;

  /** Key of the raw object in the company's bucket (datasets/…). */
  @Column({ name: 'object_key', type: 'text' })
  objectKey!: string;

  @Column({ name: 'size_bytes', type: 'bigint', nullable: true })
  sizeBytes!: string | null;

  /** SHA-256 (hex) of the raw object, computed by the worker over every byte. */
  @Column({ type: 'text', nullable: true })
  sha256!: string | null;

  /**
   * Entity tag of the object as validated. Readers compare it before serving, so an object
   * overwritten after validation (while an upload URL was still valid) is refused, not served.
   */
  @Column({ name: 'object_etag', type: 'text', nullable: true })
  objectEtag!: string | null;

  @Column({ name: 'row_count', type: 'bigint', nullable: true })
  rowCount!: string | null;

  /** The validated schema: columns with type, class and nullability. */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  columns!: DatasetColumnRecord[];

  /** What the publisher declared (classes, types, delimiter…), kept for the record. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  declared!: Record<string, unknown>;

  @Column({ type: 'jsonb', nullable: true })
  rejection!: DatasetRejection | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;

  @Column({ name: 'withdrawn_at', type: 'timestamptz', nullable: true })
  withdrawnAt!: Date | null;

  /** When the publisher deleted the object of this REJECTED version through the hub (it is gone). */
  @Column({ name: 'object_deleted_at', type: 'timestamptz', nullable: true })
  objectDeletedAt!: Date | null;
}
