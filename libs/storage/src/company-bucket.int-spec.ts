import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CompanyBucket } from './company-bucket';
import { CompanyStorage, type CompanyStorageRow } from './company-storage';
import { sealCredentials } from './credentials';
import { StorageErrorCode } from './storage.errors';

const CREDENTIALS_KEY = randomBytes(32);
const SECRET = 'own-endpoint-secret-value';
const ACCESS = 'OWNENDPOINTACCESS';
/** Short deadlines, so that a test of a stall takes about a second. */
const DEADLINES = { firstByteMs: 500, stallMs: 500 };
const alliance = {
  url: process.env.MINIO_ENDPOINT ?? 'http://127.0.0.1:9000',
  region: 'us-east-1',
  accessKey: process.env.MINIO_ACCESS_KEY ?? 'maxhub-dev',
  secretKey: process.env.MINIO_SECRET_KEY ?? 'maxhub-dev-secret',
};

/** A company row whose own endpoint is `url`, its credentials sealed as the hub seals them. */
function companyRow(url: string): CompanyStorageRow {
  const id = `company-${randomBytes(4).toString('hex')}`;
  return {
    id,
    slug: 'acme',
    bucket: 'acme-data',
    endpointUrl: url,
    endpointRegion: 'ap-northeast-2',
    endpointCredentials: sealCredentials(CREDENTIALS_KEY, id, { accessKey: ACCESS, secretKey: SECRET }),
  };
}

function storage(rows: CompanyStorageRow[] = []): CompanyStorage {
  return new CompanyStorage({
    alliance,
    credentialsKey: CREDENTIALS_KEY,
    deadlines: DEADLINES,
    // What bucketOf reads: the companies table's columns, by id.
    db: {
      query: (_sql, params) =>
        Promise.resolve(
          rows
            .filter((r) => r.id === params?.[0])
            .map((r) => ({
              id: r.id,
              slug: r.slug,
              bucket: r.bucket,
              endpoint_url: r.endpointUrl,
              endpoint_region: r.endpointRegion,
              endpoint_credentials: r.endpointCredentials,
            })),
        ),
    },
  });
}

/** A company endpoint on loopback that behaves as `handle` says (S3 requests, unsigned checks). */
async function fakeEndpoint(handle: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const server = http.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const OBJECT_SIZE = 4 * 1024 * 1024;
const objectHeaders = (length: number) => ({
  'content-length': String(length),
  'content-type': 'text/csv',
  etag: '"0123456789abcdef0123456789abcdef"',
  'last-modified': new Date(0).toUTCString(),
});

/** Answers HEAD, and GET with headers and `sent` bytes of the object, then goes quiet. */
function stallsAfter(sent: number) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    req.resume();
    const range = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
    const length = range ? Number(range[2]) - Number(range[1]) + 1 : OBJECT_SIZE;
    res.writeHead(range ? 206 : 200, objectHeaders(length));
    if (req.method === 'HEAD') return res.end();
    if (sent > 0) res.write(Buffer.alloc(Math.min(sent, length), 0x61));
    else res.flushHeaders();
  };
}

async function codeOf(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected a failure');
}

describe('CompanyBucket deadlines on a company endpoint that stalls (fake endpoints on loopback)', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });
  async function bucketOn(handle: Parameters<typeof fakeEndpoint>[0]): Promise<CompanyBucket> {
    const ep = await fakeEndpoint(handle);
    closers.push(ep.close);
    const row = companyRow(ep.url);
    return storage([row]).bucketOf(row.id);
  }

  it('fails a streamed read with STORAGE_STALLED naming the endpoint when it stops mid-object', async () => {
    const bucket = await bucketOn(stallsAfter(256 * 1024));
    const read = async () => {
      let n = 0;
      for await (const c of await bucket.stream('datasets/d/v1/data.csv')) n += (c as Buffer).length;
      return n;
    };
    const err = await codeOf(read());
    expect(err.code).toBe(StorageErrorCode.STORAGE_STALLED);
    expect(err.message).toMatch(
      /^the storage endpoint of company acme \(http:\/\/127\.0\.0\.1:\d+\) stopped/,
    );
    expect(err.message).not.toContain(SECRET);
    expect(err.message).not.toContain(ACCESS);
  });

  it('fails a range read with STORAGE_STALLED when the endpoint sends headers and no body', async () => {
    const bucket = await bucketOn(stallsAfter(0));
    const err = await codeOf(bucket.rangeSource('datasets/d/v1/data.parquet', OBJECT_SIZE).read(0, 65_536));
    expect(err.code).toBe(StorageErrorCode.STORAGE_STALLED);
  });

  it('fails with STORAGE_TIMEOUT when the endpoint accepts the connection and never answers', async () => {
    const bucket = await bucketOn((req) => req.resume());
    for (const call of [
      () => bucket.stat('k'),
      () => bucket.stream('k'),
      () => bucket.get('k'),
      () => bucket.list('shares/'),
      () => bucket.put('k', Buffer.from('x')),
      () => bucket.remove(['k']),
    ]) {
      const err = await codeOf(call());
      expect(err.code).toBe(StorageErrorCode.STORAGE_TIMEOUT);
      expect(err.message).toMatch(/^the storage endpoint of company acme .* did not answer within 500 ms$/);
    }
  });

  it('fails an upload with STORAGE_STALLED when the endpoint stops taking its bytes', async () => {
    // The endpoint reads nothing of the body: once the socket buffers are full, nothing moves.
    const bucket = await bucketOn(() => undefined);
    const err = await codeOf(bucket.put('shares/g/v/chunk-0', Buffer.alloc(32 * 1024 * 1024)));
    expect(err.code).toBe(StorageErrorCode.STORAGE_STALLED);
  });

  it('does not count a slow reader’s own time as a stall', async () => {
    // The endpoint sends all of a 2 MiB object at once; the reader spends 3× the stall timeout
    // on each chunk, so the socket sits idle far longer than the timeout while nothing is wrong.
    const body = randomBytes(2 * 1024 * 1024);
    const bucket = await bucketOn((req, res) => {
      req.resume();
      res.writeHead(200, objectHeaders(body.length));
      res.end(body);
    });
    const stream = await bucket.stream('k');
    const parts: Buffer[] = [];
    let slow = 0;
    for await (const c of stream) {
      parts.push(c as Buffer);
      if (slow++ < 3) await sleep(3 * DEADLINES.stallMs);
    }
    expect(Buffer.concat(parts).equals(body)).toBe(true);
  }, 30_000);

  it('reads a company row by id, opening its sealed credentials, and refuses a row sealed for another company', async () => {
    const ep = await fakeEndpoint(stallsAfter(0));
    closers.push(ep.close);
    const row = companyRow(ep.url);
    const bucket = await storage([row]).bucketOf(row.id);
    expect(bucket.external).toBe(true);
    expect(bucket.bucket).toBe('acme-data');
    expect(await bucket.stat('k')).toEqual({ size: OBJECT_SIZE, etag: '0123456789abcdef0123456789abcdef' });
    const stolen = { ...companyRow(ep.url), endpointCredentials: row.endpointCredentials };
    await expect(storage([stolen]).bucketOf(stolen.id)).rejects.toMatchObject({
      code: StorageErrorCode.STORAGE_CREDENTIALS_UNREADABLE,
    });
  });
});

describe('CompanyBucket on the real MinIO', () => {
  const s = storage();
  const name = `storage-bucket-${randomBytes(4).toString('hex')}`;
  const bucket = s.forCompany({
    id: 'c',
    slug: 'c',
    bucket: name,
    endpointUrl: null,
    endpointRegion: null,
    endpointCredentials: null,
  });
  const bytes = randomBytes(100_000);
  beforeAll(async () => {
    await s.alliance.makeBucket(name, 'us-east-1');
    await bucket.put('datasets/d/v1/data.bin', bytes);
  });
  afterAll(async () => {
    await bucket.remove(await bucket.list(''));
    await s.alliance.removeBucket(name);
  });

  it('puts a company without an endpoint of its own on the alliance client', () => {
    expect(bucket.external).toBe(false);
    expect(bucket.client).toBe(s.alliance);
  });

  it('tells size and ETag of an object, and null for a missing one', async () => {
    const stat = await bucket.stat('datasets/d/v1/data.bin');
    expect(stat?.size).toBe(bytes.length);
    expect(stat?.etag).toMatch(/^[0-9a-f]{32}$/);
    expect(await bucket.stat('datasets/d/v1/missing.bin')).toBeNull();
  });

  it('streams a whole object and reads ranges of it, clamped to its size', async () => {
    const parts: Buffer[] = [];
    for await (const c of await bucket.stream('datasets/d/v1/data.bin')) parts.push(c as Buffer);
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);
    const source = bucket.rangeSource('datasets/d/v1/data.bin', bytes.length);
    expect(Buffer.from(await source.read(10, 20)).equals(bytes.subarray(10, 20))).toBe(true);
    expect(Buffer.from(await source.read(99_990, 200_000)).equals(bytes.subarray(99_990))).toBe(true);
    expect((await source.read(500, 500)).byteLength).toBe(0);
  });

  it('fails with STORAGE_BUCKET_MISSING on a bucket that does not exist', async () => {
    const missing = new CompanyBucket(s.alliance, `${name}-missing`, false);
    await expect(missing.stream('k')).rejects.toMatchObject({
      code: StorageErrorCode.STORAGE_BUCKET_MISSING,
    });
  });
});
