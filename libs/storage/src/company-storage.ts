import * as Minio from 'minio';
import { CompanyBucket } from './company-bucket';
import { openCredentials } from './credentials';
import { DEFAULT_STORAGE_DEADLINES, StorageDeadlines } from './deadlines';
import { companyBucketName, createClient, StorageEndpoint } from './endpoint';

/** The storage-relevant part of a company row. */
export interface CompanyStorageRow {
  id: string;
  slug: string;
  bucket: string;
  endpointUrl: string | null;
  endpointRegion: string | null;
  endpointCredentials: Buffer | null;
}

/** Runs SQL: a TypeORM DataSource or EntityManager (storage needs no entity of its own). */
export interface SqlRunner {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** What {@link CompanyStorage} is made of. */
export interface CompanyStorageOptions {
  /** The alliance MinIO: companies without an endpoint of their own keep their bucket there. */
  alliance: StorageEndpoint;
  /** Opens companies' sealed endpoint credentials. */
  credentialsKey: Buffer;
  /** Where company rows are read from ({@link CompanyStorage.bucketOf}). */
  db: SqlRunner;
  /** Deadlines of every storage request; default {@link DEFAULT_STORAGE_DEADLINES}. */
  deadlines?: StorageDeadlines;
}

/**
 * Resolves where each company's objects live: the alliance MinIO, or the company's own
 * endpoint with its sealed credentials opened under the hub's credentials key. The one place
 * where a company becomes a client: every client it makes has the configured deadlines.
 */
export class CompanyStorage {
  readonly alliance: Minio.Client;
  readonly deadlines: StorageDeadlines;
  private readonly allianceEndpoint: StorageEndpoint;
  private readonly credentialsKey: Buffer;
  private readonly db: SqlRunner;

  constructor(options: CompanyStorageOptions) {
    this.allianceEndpoint = options.alliance;
    this.credentialsKey = options.credentialsKey;
    this.db = options.db;
    this.deadlines = options.deadlines ?? DEFAULT_STORAGE_DEADLINES;
    this.alliance = createClient(options.alliance, {
      deadlines: this.deadlines,
      name: `the alliance storage (${new URL(options.alliance.url).origin})`,
    });
  }

  /** The alliance MinIO's region. */
  get region(): string {
    return this.allianceEndpoint.region;
  }

  /** Bucket name a new company gets on the alliance MinIO. */
  bucketNameFor(slug: string): string {
    return companyBucketName(slug);
  }

  /**
   * The bucket of the company `companyId`, read from the database with its sealed endpoint
   * credentials. Throws STORAGE_CREDENTIALS_UNREADABLE when they do not open.
   */
  async bucketOf(companyId: string): Promise<CompanyBucket> {
    const rows = (await this.db.query(
      `SELECT id, slug, bucket, endpoint_url, endpoint_region, endpoint_credentials
         FROM companies WHERE id = $1`,
      [companyId],
    )) as Array<{
      id: string;
      slug: string;
      bucket: string;
      endpoint_url: string | null;
      endpoint_region: string | null;
      endpoint_credentials: Buffer | null;
    }>;
    const row = rows[0];
    // Callers hold the id of an existing company (foreign keys): a miss is a bug, not a 404.
    if (!row) throw new Error('no company with this id');
    return this.forCompany({
      id: row.id,
      slug: row.slug,
      bucket: row.bucket,
      endpointUrl: row.endpoint_url,
      endpointRegion: row.endpoint_region,
      endpointCredentials: row.endpoint_credentials,
    });
  }

  /** The bucket of a company row loaded with its endpointCredentials. */
  forCompany(row: CompanyStorageRow): CompanyBucket {
    if (!row.endpointUrl) return new CompanyBucket(this.alliance, row.bucket, false);
    if (!row.endpointCredentials) throw new Error('company endpoint credentials were not loaded');
    const creds = openCredentials(this.credentialsKey, row.id, row.endpointCredentials);
    const client = createClient(
      {
        url: row.endpointUrl,
        region: row.endpointRegion ?? 'us-east-1',
        accessKey: creds.accessKey,
        secretKey: creds.secretKey,
      },
      {
        deadlines: this.deadlines,
        name: `the storage endpoint of company ${row.slug} (${new URL(row.endpointUrl).origin})`,
      },
    );
    return new CompanyBucket(client, row.bucket, true);
  }
}
