import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  Unique,
} from 'typeorm';
import { CompanyEntity } from './company.entity';

/** Lifecycle of an upload ticket. */
export const UPLOAD_TICKET_STATUSES = ['ISSUED', 'UPLOADED', 'ABORTED', 'PUBLISHED'] as const;
export type UploadTicketStatus = (typeof UPLOAD_TICKET_STATUSES)[number];

/**
 * Permission to upload exactly one object (one key in the company's bucket), by presigned
 * single PUT or, for large files, by a multipart upload whose parts are presigned one by one.
 * A ticket is consumed by the one dataset version registered from it.
 */
@Entity({ name: 'upload_tickets' })
@Index('ix_upload_tickets_company', ['companyId'])
@Unique('uq_upload_tickets_object_key', ['objectKey'])
@Unique('uq_upload_tickets_version_id', ['versionId'])
export class UploadTicketEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'company_id', type: 'uuid' })
  companyId!: string;

  @ManyToOne(() => CompanyEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'company_id', foreignKeyConstraintName: 'fk_upload_tickets_company' })
  company?: CompanyEntity;

  /** The dataset a new version is meant for, when the publisher named one. */
  @Column({ name: 'dataset_id', type: 'uuid', nullable: true })
  datasetId!: string | null;

  /** The one key the ticket allows: datasets/<dataset or uuid>/<uuid>/<file>. */
  @Column({ name: 'object_key', type: 'text' })
  objectKey!: string;

  @Column({ name: 'file_name', type: 'text' })
  fileName!: string;

  /** Declared size; the uploaded object must have exactly this many bytes. */
  @Column({ name: 'size_bytes', type: 'bigint' })
  sizeBytes!: string;

  /** CSV, JSONL or PARQUET, as declared when asking for the ticket. */
  @Column({ type: 'text' })
  format!: string;

  @Column({ type: 'text' })
  status!: UploadTicketStatus;

  /** S3 multipart upload id; null for a single PUT. */
  @Column({ name: 'multipart_upload_id', type: 'text', nullable: true })
  multipartUploadId!: string | null;

  @Column({ name: 'part_size', type: 'bigint', nullable: true })
  partSize!: string | null;

  @Column({ name: 'part_count', type: 'int', nullable: true })
  partCount!: number | null;

  /** The version registered from this ticket (at most one). */
  @Column({ name: 'version_id', type: 'uuid', nullable: true })
  versionId!: string | null;

  @Column({ name: 'created_by', type: 'uuid' })
  createdBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** When the last presigned URL handed out for this ticket expires. */
  @Column({ name: 'urls_expire_at', type: 'timestamptz' })
  urlsExpireAt!: Date;
}
