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
import { CompanyEntity } from './company.entity';
import { UserEntity } from './user.entity';
import { WorkingGroupEntity } from './working-group.entity';

/** Organisation kinds a member certificate binds (as written in the certificate's OU). */
export const CERTIFICATE_ORG_KINDS = ['company', 'working-group'] as const;
export type CertificateOrgKind = (typeof CERTIFICATE_ORG_KINDS)[number];

/**
 * A member signing certificate the alliance CA issued: bound to one person, one company or
 * working group, and the role LEGAL. The PEM is public; the private key never reaches the hub.
 */
@Entity({ name: 'certificates' })
@Unique('uq_certificates_issuer_serial', ['issuerFingerprint', 'serialNumber'])
@Unique('uq_certificates_fingerprint', ['fingerprintSha256'])
@Check('ck_certificates_org_kind', `"org_kind" IN ('company', 'working-group')`)
@Check('ck_certificates_role', `"role" = 'LEGAL'`)
@Check(
  'ck_certificates_org',
  `("org_kind" = 'company' AND "company_id" IS NOT NULL AND "working_group_id" IS NULL) OR ("org_kind" = 'working-group' AND "working_group_id" IS NOT NULL AND "company_id" IS NULL)`,
)
@Index('ix_certificates_user', ['userId'])
export class CertificateEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Serial number: lowercase hex of the DER INTEGER content (as @maxhub/pki reports it). */
  @Column({ name: 'serial_number', type: 'text' })
  serialNumber!: string;

  /** SHA-256 (hex) of the issuing CA certificate's DER: which CA issued it. */
  @Column({ name: 'issuer_fingerprint', type: 'text' })
  issuerFingerprint!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_certificates_user' })
  user?: UserEntity;

  @Column({ name: 'org_kind', type: 'text' })
  orgKind!: CertificateOrgKind;

  @Column({ name: 'company_id', type: 'uuid', nullable: true })
  companyId!: string | null;

  @ManyToOne(() => CompanyEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'company_id', foreignKeyConstraintName: 'fk_certificates_company' })
  company?: CompanyEntity | null;

  @Column({ name: 'working_group_id', type: 'uuid', nullable: true })
  workingGroupId!: string | null;

  @ManyToOne(() => WorkingGroupEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'working_group_id', foreignKeyConstraintName: 'fk_certificates_working_group' })
  workingGroup?: WorkingGroupEntity | null;

  @Column({ type: 'text' })
  role!: 'LEGAL';

  @Column({ name: 'certificate_pem', type: 'text' })
  certificatePem!: string;

  /** SHA-256 (hex) of the certificate's DER. */
  @Column({ name: 'fingerprint_sha256', type: 'text' })
  fingerprintSha256!: string;

  @Column({ name: 'not_before', type: 'timestamptz' })
  notBefore!: Date;

  @Column({ name: 'not_after', type: 'timestamptz' })
  notAfter!: Date;

  @Column({ name: 'issued_by', type: 'uuid', nullable: true })
  issuedBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  /** RFC 5280 CRLReason name (keyCompromise, affiliationChanged, …) when revoked. */
  @Column({ name: 'revocation_reason', type: 'text', nullable: true })
  revocationReason!: string | null;
}

/** A CRL the hub's issuing CA published; the newest one per issuer is served at GET /pki/crl. */
@Entity({ name: 'crls' })
@Unique('uq_crls_issuer_number', ['issuerFingerprint', 'crlNumber'])
export class CrlEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** SHA-256 (hex) of the issuing CA certificate that signed this CRL. */
  @Column({ name: 'issuer_fingerprint', type: 'text' })
  issuerFingerprint!: string;

  /** The CRL number extension (monotonic per issuer). */
  @Column({ name: 'crl_number', type: 'bigint' })
  crlNumber!: string;

  @Column({ name: 'crl_pem', type: 'text' })
  crlPem!: string;

  @Column({ name: 'this_update', type: 'timestamptz' })
  thisUpdate!: Date;

  @Column({ name: 'next_update', type: 'timestamptz' })
  nextUpdate!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
