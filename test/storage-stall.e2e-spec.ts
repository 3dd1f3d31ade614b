import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sealCredentials } from '@maxhub/storage';
import { generate } from '@maxhub/synthetic';
import { uniq } from '@maxhub/testing';
import { newBusinessRegistrationNumber, TestContext } from './support/test-context';
import { materializeViews, newActiveGrant, newQueryFixture } from './support/views';
import { ValidateDatasetProcessor } from '../apps/worker/src/jobs/validate-dataset.processor';

/**
 * A company's own endpoint that accepts connections and answers, then stops sending in the
 * middle of a dataset object: an HTTP proxy in front of the real MinIO (the Host header is kept,
 * so signatures and presigned URLs stay valid) that, once told to, passes on the headers and the
 * first bytes of each GET of an object under datasets/ and then nothing, never closing.
 */
async function stallingEndpoint(target: URL) {
  let stallAfter: number | null = null;
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        const limit = req.method === 'GET' && req.url?.includes('/datasets/') ? stallAfter : null;
        if (limit === null) {
          up.pipe(res);
          return;
        }
        let sent = 0;
        up.on('data', (chunk: Buffer) => {
          const part = chunk.subarray(0, Math.max(0, limit - sent));
          sent += part.length;
          if (part.length > 0) res.write(part);
        });
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** From now on, GETs of dataset objects stop after `bytes` bytes (null: pass everything). */
    stallDatasetReadsAfter(bytes: number | null) {
      stallAfter = bytes;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function collect(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(parts);
}

const OVERRIDES = {
  // Short deadlines (the defaults are 30 s and 60 s); the assertions are on codes, not times.
  STORAGE_FIRST_BYTE_TIMEOUT_MS: '2000',
  STORAGE_STALL_TIMEOUT_MS: '1000',
  JOBS_RETRY_LIMIT: '1',
};

let endpoint: Awaited<ReturnType<typeof stallingEndpoint>>;
beforeAll(async () => {
  endpoint = await stallingEndpoint(new URL(process.env.MINIO_ENDPOINT ?? 'http://127.0.0.1:9000'));
});
afterAll(async () => endpoint?.close());
afterEach(() => endpoint.stallDatasetReadsAfter(null));

describe('validation on a company endpoint that stalls mid-object (e2e, a stalling proxy before the real MinIO)', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await TestContext.create(OVERRIDES);
  }, 60_000);
  afterAll(async () => ctx?.close());
  afterEach(() => jest.restoreAllMocks());

  it('fails the validation read with STORAGE_STALLED instead of hanging, then rejects the version', async () => {
    const attempts = jest.spyOn(ValidateDatasetProcessor.prototype, 'process');
    const admin = await ctx.newUser({ admin: true });
    const bucket = uniq('stall-own');
    await ctx.minio().makeBucket(bucket, 'us-east-1');
    const slug = uniq('stallco');
    await ctx.gqlOk(
      `mutation($input: RegisterCompanyInput!) { registerCompany(input: $input) { id } }`,
      {
        input: {
          slug,
          name: 'Stalling Endpoint Co',
          businessRegistrationNumber: newBusinessRegistrationNumber(),
          endpoint: {
            url: endpoint.url,
            bucket,
            accessKey: ctx.config.minio.accessKey,
            secretKey: ctx.config.minio.secretKey,
          },
        },
      },
      admin.token,
    );
    const publisher = await ctx.newCompanyMember(admin.token, slug, 'PUBLISHER');
    // ~3 MiB of CSV; the first 512 KiB hold the rows publishDataset samples, then nothing comes.
    const bytes = await collect(generate({ kind: 'weld-line', rows: 20_000, seed: 'stall', format: 'CSV' }));
    endpoint.stallDatasetReadsAfter(512 * 1024);
    const r = await ctx.publishBytes({ token: publisher.token, companySlug: slug, bytes, format: 'CSV' });
    expect(r.errors).toBeUndefined();
    const versionId = r.data!.publishDataset.version.id as string;

    await ctx.startWorker();
    const version = await ctx.waitForVersion(versionId, 30_000);
    expect(version.status).toBe('REJECTED');
    expect(version.rejection?.code).toBe('DATASET_VALIDATION_FAILED');
    // The first attempt on this version failed on the stall, with the code and a sentence naming
    // the endpoint. The run's database is shared by every test file, so the worker may also take
    // jobs other files left queued: only the calls for this version count.
    const ours = attempts.mock.calls.flatMap(([job], i) =>
      job.data.versionId === versionId ? [attempts.mock.results[i].value as Promise<void>] : [],
    );
    expect(ours.length).toBeGreaterThanOrEqual(2);
    const first = ours[0];
    const err = await first.then(
      () => null,
      (e: unknown) => e as { code?: string; message: string },
    );
    expect(err?.code).toBe('STORAGE_STALLED');
    expect(err?.message).toContain(`the storage endpoint of company ${slug} (${endpoint.url})`);
    expect(err?.message).not.toContain(ctx.config.minio.secretKey);
  }, 60_000);
});

// A context of its own without a worker: views are materialized here, in the test, only.
describe('materialization on a company endpoint that stalls mid-object (e2e, a stalling proxy before the real MinIO)', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await TestContext.create(OVERRIDES);
  }, 60_000);
  afterAll(async () => ctx?.close());

  it('fails the materialization read with STORAGE_STALLED instead of hanging, and the view stays PENDING', async () => {
    const f = await newQueryFixture(ctx, 2_000);
    // The company moves its bucket behind its own endpoint (the same MinIO, through the proxy).
    await ctx.dataSource.query(
      `UPDATE companies SET endpoint_url = $2, endpoint_region = 'us-east-1', endpoint_credentials = $3
        WHERE id = $1`,
      [
        f.company.id,
        endpoint.url,
        sealCredentials(ctx.config.secrets.credentialsKey, f.company.id, {
          accessKey: ctx.config.minio.accessKey,
          secretKey: ctx.config.minio.secretKey,
        }),
      ],
    );
    endpoint.stallDatasetReadsAfter(16 * 1024);
    const grant = await newActiveGrant(ctx, f);

    await expect(materializeViews(ctx)).rejects.toMatchObject({
      code: 'VIEW_STORAGE_FAILED',
      cause: {
        code: 'STORAGE_STALLED',
        message: expect.stringContaining(`the storage endpoint of company ${f.company.slug}`),
      },
    });
    const views: Array<{ status: string; error_code: string }> = await ctx.dataSource.query(
      'SELECT status, error_code FROM grant_views WHERE grant_id = $1',
      [grant.grantId],
    );
    expect(views).toEqual([{ status: 'PENDING', error_code: 'VIEW_STORAGE_FAILED' }]);

    // Once the endpoint sends again, the retried materialization completes.
    endpoint.stallDatasetReadsAfter(null);
    await materializeViews(ctx);
    const after: Array<{ status: string }> = await ctx.dataSource.query(
      'SELECT status FROM grant_views WHERE grant_id = $1',
      [grant.grantId],
    );
    expect(after).toEqual([{ status: 'READY' }]);
  }, 120_000);
});
