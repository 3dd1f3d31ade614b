import * as http from 'node:http';
import * as https from 'node:https';
import * as Minio from 'minio';
import { EndpointCredentials } from './credentials';
import { DEFAULT_STORAGE_DEADLINES, deadlineTransport, StorageDeadlines } from './deadlines';
import { StorageError, StorageErrorCode } from './storage.errors';

/** Where a company's objects live: the alliance MinIO, or the company's own endpoint. */
export interface StorageEndpoint extends EndpointCredentials {
  url: string;
  region: string;
}

/** Name of a company's bucket on the alliance MinIO. */
export function companyBucketName(slug: string): string {
  return `company-${slug}`;
}

/**
 * Parses an endpoint URL: http(s), host and optional port, no path, query or embedded
 * credentials. Throws STORAGE_ENDPOINT_INVALID otherwise.
 */
export function parseEndpointUrl(raw: string): { useSSL: boolean; host: string; port: number } {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new StorageError(StorageErrorCode.STORAGE_ENDPOINT_INVALID, 'the endpoint URL is not a valid URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new StorageError(
      StorageErrorCode.STORAGE_ENDPOINT_INVALID,
      'the endpoint URL must start with http:// or https://',
    );
  }
  if (u.username || u.password || (u.pathname && u.pathname !== '/') || u.search || u.hash) {
    throw new StorageError(
      StorageErrorCode.STORAGE_ENDPOINT_INVALID,
      'the endpoint URL must be scheme, host and port only (no path, query or credentials)',
    );
  }
  const useSSL = u.protocol === 'https:';
  return { useSSL, host: u.hostname, port: u.port ? Number(u.port) : useSSL ? 443 : 80 };
}

/** How {@link createClient} names and bounds a client's requests. */
export interface ClientOptions {
  deadlines?: StorageDeadlines;
  /**
   * Who the endpoint is, for error sentences (default: `the storage endpoint <url>`). The URL
   * holds no credentials (parseEndpointUrl refuses them).
   */
  name?: string;
}

/**
 * A MinIO client for an endpoint (path-style addressing, which MinIO expects) whose every
 * request has the connect / first-byte deadline and the stall timeout of `options.deadlines`.
 */
export function createClient(endpoint: StorageEndpoint, options: ClientOptions = {}): Minio.Client {
  const { useSSL, host, port } = parseEndpointUrl(endpoint.url);
  return new Minio.Client({
    endPoint: host,
    port,
    useSSL,
    accessKey: endpoint.accessKey,
    secretKey: endpoint.secretKey,
    region: endpoint.region,
    pathStyle: true,
    transport: deadlineTransport(
      useSSL ? https : http,
      options.deadlines ?? DEFAULT_STORAGE_DEADLINES,
      options.name ?? `the storage endpoint ${new URL(endpoint.url).origin}`,
    ),
  });
}

/** Maps a MinIO/network failure to a StorageError without leaking hosts or keys. */
export function toStorageError(err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const code = (err as { code?: string } | null)?.code;
  if (code === 'AccessDenied' || code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch') {
    return new StorageError(
      StorageErrorCode.STORAGE_ACCESS_DENIED,
      'the storage endpoint refused the credentials',
      {
        cause: err,
      },
    );
  }
  if (code === 'NoSuchBucket') {
    return new StorageError(
      StorageErrorCode.STORAGE_BUCKET_MISSING,
      'the bucket does not exist on the endpoint',
      {
        cause: err,
      },
    );
  }
  return new StorageError(StorageErrorCode.STORAGE_UNREACHABLE, 'the storage endpoint could not be reached', {
    cause: err,
  });
}

/** Runs a storage call with a deadline, mapping failures (and the deadline) to StorageError. */
export async function withStorage<T>(fn: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new StorageError(
                StorageErrorCode.STORAGE_UNREACHABLE,
                'the storage endpoint did not answer in time',
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
  } catch (err) {
    throw toStorageError(err);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Creates the bucket when missing. Returns true when this call created it. */
export async function ensureBucket(client: Minio.Client, bucket: string, region: string): Promise<boolean> {
  return withStorage(async () => {
    if (await client.bucketExists(bucket)) return false;
    await client.makeBucket(bucket, region);
    return true;
  });
}

/** Checks that the endpoint answers, accepts the credentials and holds the bucket. */
export async function checkBucket(client: Minio.Client, bucket: string): Promise<void> {
  const exists = await withStorage(() => client.bucketExists(bucket));
  if (!exists) {
    throw new StorageError(
      StorageErrorCode.STORAGE_BUCKET_MISSING,
      'the bucket does not exist on the endpoint',
    );
  }
}

/** Removes an empty bucket (compensation when registration fails after creating it). */
export async function removeBucket(client: Minio.Client, bucket: string): Promise<void> {
  await withStorage(() => client.removeBucket(bucket));
}
