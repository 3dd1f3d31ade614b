import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A member company of the alliance. Its data lives in its own bucket. */
@Entity({ name: 'companies' })
export class CompanyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text', unique: true })
  slug!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'name_ko', type: 'text', nullable: true })
  nameKo!: string | null;

  /** Korean business registration number, 10 digits without dashes. */
  @Column({ name: 'business_registration_number', type: 'text', unique: true })
  businessRegistrationNumber!: string;

  @Column({ type: 'text' })
  bucket!: string;

  /** Null for the alliance MinIO; the company's own S3/MinIO endpoint otherwise. */
  @Column({ name: 'endpoint_url', type: 'text', nullable: true })
  endpointUrl!: string | null;

  @Column({ name: 'endpoint_region', type: 'text', nullable: true })
  endpointRegion!: string | null;

  /** AES-256-GCM sealed {accessKey, secretKey}; never returned, never logged. */
  @Column({ name: 'endpoint_credentials', type: 'bytea', nullable: true, select: false })
  endpointCredentials!: Buffer | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
