import * as Minio from 'minio';
import { openCredentials } from './credentials';
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

/** A company's bucket and the client that reaches it. */
export interface CompanyBucket {
  client: Minio.Client;
  bucket: string;
  external: boolean;
}

/**
 * Resolves where each company's objects live: the alliance MinIO, or the company's own
 * endpoint with its sealed credentials opened under the hub's credentials key.
 */
export class CompanyStorage {
  readonly alliance: Minio.Client;

  constructor(
    private readonly allianceEndpoint: StorageEndpoint,
    private readonly credentialsKey: Buffer,
  ) {
    this.alliance = createClient(allianceEndpoint);
  }

  /** The alliance MinIO's region. */
  get region(): string {
    return this.allianceEndpoint.region;
  }

  /** Bucket name a new company gets on the alliance MinIO. */
  bucketNameFor(slug: string): string {
    return companyBucketName(slug);
  }

  /** The client and bucket for a company (needs the row loaded with endpointCredentials). */
  forCompany(row: CompanyStorageRow): CompanyBucket {
    if (!row.endpointUrl) return { client: this.alliance, bucket: row.bucket, external: false };
    if (!row.endpointCredentials) throw new Error('company endpoint credentials were not loaded');
    const creds = openCredentials(this.credentialsKey, row.id, row.endpointCredentials);
    const client = createClient({
      url: row.endpointUrl,
      region: row.endpointRegion ?? 'us-east-1',
      accessKey: creds.accessKey,
      secretKey: creds.secretKey,
    });
    return { client, bucket: row.bucket, external: true };
  }
}
