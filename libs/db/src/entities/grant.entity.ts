import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { CertificateEntity } from './certificate.entity';
import { CompanyEntity } from './company.entity';
import { UserEntity } from './user.entity';
import { WorkingGroupEntity } from './working-group.entity';

/** Lifecycle of a grant version (see the grants module for the transitions). */
export const GRANT_STATES = [
  'DRAFT',
  'AWAITING_SIGNATURES',
  'ACTIVE',
  'SUSPENDED',
  'TERMINATED',
  'EXPIRED',
  'SUPERSEDED',
] as const;
export type GrantState = (typeof GRANT_STATES)[number];

/** The two sides of a grant. */
export const GRANT_PARTIES = ['GRANTOR', 'GRANTEE'] as const;
export type GrantPartyName = (typeof GRANT_PARTIES)[number];

/** An NDA grant between a grantor company and a grantee working group: a history of versions. */
@Entity({ name: 'grants' })
@Index('ix_grants_grantor', ['grantorCompanyId'])
@Index('ix_grants_grantee', ['granteeWorkingGroupId'])
export class GrantEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'grantor_company_id', type: 'uuid' })
  grantorCompanyId!: string;

  @ManyToOne(() => CompanyEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'grantor_company_id', foreignKeyConstraintName: 'fk_grants_grantor_company' })
  grantorCompany?: CompanyEntity;

  @Column({ name: 'grantee_working_group_id', type: 'uuid' })
  granteeWorkingGroupId!: string;

  @ManyToOne(() => WorkingGroupEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'grantee_working_group_id',
    foreignKeyConstraintName: 'fk_grants_grantee_working_group',
  })
  granteeWorkingGroup?: WorkingGroupEntity;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/**
 * One immutable version of a grant. `document` holds the RFC 8785 canonical bytes VERBATIM
 * (bytea, never jsonb: jsonb reorders keys and drops duplicates, and the signatures cover
 * these exact bytes). At most one version per grant is live (ACTIVE or SUSPENDED).
 */
@Entity({ name: 'grant_versions' })
@Unique('uq_grant_versions_grant_version', ['grantId', 'version'])
@Unique('uq_grant_versions_sha256', ['sha256'])
@Check(
  'ck_grant_versions_state',
  `"state" IN ('DRAFT', 'AWAITING_SIGNATURES', 'ACTIVE', 'SUSPENDED', 'TERMINATED', 'EXPIRED', 'SUPERSEDED')`,
)
@Check(
  'ck_grant_versions_review_status',
  `"review_status" IS NULL OR "review_status" IN ('PENDING', 'READY', 'FAILED')`,
)
@Index('uq_grant_versions_live', ['grantId'], { unique: true, where: `"state" IN ('ACTIVE', 'SUSPENDED')` })
@Index('ix_grant_versions_state_until', ['state', 'termUntil'])
export class GrantVersionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'grant_id', type: 'uuid' })
  grantId!: string;

  @ManyToOne(() => GrantEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'grant_id', foreignKeyConstraintName: 'fk_grant_versions_grant' })
  grant?: GrantEntity;

  @Column({ type: 'int' })
  version!: number;

  /** The canonical document bytes, exactly as signed. */
  @Column({ type: 'bytea' })
  document!: Buffer;

  /** SHA-256 (hex) of `document`. */
  @Column({ type: 'text' })
  sha256!: string;

  /** SHA-256 of the version this one supersedes (amendments only). */
  @Column({ name: 'supersedes_sha256', type: 'text', nullable: true })
  supersedesSha256!: string | null;

  @Column({ type: 'text' })
  state!: GrantState;

  @Column({ name: 'term_from', type: 'timestamptz' })
  termFrom!: Date;

  @Column({ name: 'term_until', type: 'timestamptz' })
  termUntil!: Date;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true })
  activatedAt!: Date | null;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  /** Why the version left ACTIVE/SUSPENDED for good, or why it is suspended: a code, never prose from users. */
  @Column({ name: 'state_reason', type: 'text', nullable: true })
  stateReason!: string | null;

  /**
   * The risk review of k-anonymity hierarchies: PENDING while the worker runs it (the document
   * is then the unreviewed draft, and cannot be signed), READY once its figures and levels are in
   * `document`, FAILED (never signable) with the code and sentence why. NULL: nothing to review.
   */
  @Column({ name: 'review_status', type: 'text', nullable: true })
  reviewStatus!: GrantReviewStatus | null;

  /** Per reviewed dataset id, its full canonical risk-review report (the document prints each one's SHA-256). */
  @Column({ name: 'review_reports', type: 'jsonb', nullable: true })
  reviewReports!: Record<string, string> | null;

  /** Why the review failed: a code (DEID_…, GRANT_…) and a sentence that names no data value. */
  @Column({ name: 'review_error_code', type: 'text', nullable: true })
  reviewErrorCode!: string | null;

  @Column({ name: 'review_error_message', type: 'text', nullable: true })
  reviewErrorMessage!: string | null;
}

/** Status of a grant version's risk review (see GrantVersionEntity.reviewStatus). */
export type GrantReviewStatus = 'PENDING' | 'READY' | 'FAILED';

/**
 * A verified detached CMS signature over a grant version's document. A party re-signing (after
 * its signer's certificate was revoked or expired) replaces its current signature; the old one
 * stays, with `replaced_at`.
 */
@Entity({ name: 'grant_signatures' })
@Unique('uq_grant_signatures_version_cms', ['grantVersionId', 'cmsSha256'])
@Check('ck_grant_signatures_party', `"party" IN ('GRANTOR', 'GRANTEE')`)
@Index('uq_grant_signatures_current', ['grantVersionId', 'party'], {
  unique: true,
  where: `"replaced_at" IS NULL`,
})
@Index('ix_grant_signatures_certificate', ['certificateId'])
export class GrantSignatureEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'grant_version_id', type: 'uuid' })
  grantVersionId!: string;

  @ManyToOne(() => GrantVersionEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'grant_version_id', foreignKeyConstraintName: 'fk_grant_signatures_grant_version' })
  grantVersion?: GrantVersionEntity;

  @Column({ type: 'text' })
  party!: GrantPartyName;

  @Column({ name: 'certificate_id', type: 'uuid' })
  certificateId!: string;

  @ManyToOne(() => CertificateEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'certificate_id', foreignKeyConstraintName: 'fk_grant_signatures_certificate' })
  certificate?: CertificateEntity;

  @Column({ name: 'signer_user_id', type: 'uuid' })
  signerUserId!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'signer_user_id', foreignKeyConstraintName: 'fk_grant_signatures_signer' })
  signer?: UserEntity;

  /** The detached CMS SignedData, DER. */
  @Column({ name: 'cms_der', type: 'bytea' })
  cmsDer!: Buffer;

  /** SHA-256 (hex) of `cms_der`. */
  @Column({ name: 'cms_sha256', type: 'text' })
  cmsSha256!: string;

  /** The signed signing-time attribute. */
  @Column({ name: 'signing_time', type: 'timestamptz' })
  signingTime!: Date;

  @Column({ name: 'attached_by', type: 'uuid', nullable: true })
  attachedBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'replaced_at', type: 'timestamptz', nullable: true })
  replacedAt!: Date | null;
}

/** A signed termination document (maxhub.grant-termination/v1) that ended a grant version. */
@Entity({ name: 'grant_terminations' })
@Unique('uq_grant_terminations_grant_version', ['grantVersionId'])
@Check('ck_grant_terminations_party', `"party" IN ('GRANTOR', 'GRANTEE')`)
export class GrantTerminationEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'grant_version_id', type: 'uuid' })
  grantVersionId!: string;

  @ManyToOne(() => GrantVersionEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'grant_version_id', foreignKeyConstraintName: 'fk_grant_terminations_grant_version' })
  grantVersion?: GrantVersionEntity;

  /** The canonical termination document bytes, exactly as signed. */
  @Column({ type: 'bytea' })
  document!: Buffer;

  @Column({ type: 'text' })
  sha256!: string;

  @Column({ type: 'text' })
  party!: GrantPartyName;

  @Column({ name: 'certificate_id', type: 'uuid' })
  certificateId!: string;

  @ManyToOne(() => CertificateEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'certificate_id', foreignKeyConstraintName: 'fk_grant_terminations_certificate' })
  certificate?: CertificateEntity;

  @Column({ name: 'cms_der', type: 'bytea' })
  cmsDer!: Buffer;

  @Column({ name: 'signing_time', type: 'timestamptz' })
  signingTime!: Date;

  @Column({ name: 'effective_at', type: 'timestamptz' })
  effectiveAt!: Date;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
