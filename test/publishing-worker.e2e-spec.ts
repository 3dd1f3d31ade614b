import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { generate } from '@maxhub/synthetic';
import { until } from '@maxhub/testing';
import { TestContext } from './support/test-context';

const ROOT = path.resolve(__dirname, '..');
const WORKER = path.join(ROOT, 'dist/apps/worker/src/main.js');

/** The built worker as its own process, on the test database and MinIO with the test's secrets. */
function startWorker(ctx: TestContext): ChildProcess {
  if (!existsSync(WORKER))
    throw new Error('dist/apps/worker/src/main.js is missing: run `npm run build` first');
  return spawn(process.execPath, [WORKER], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: ctx.config.database.url,
      MINIO_ENDPOINT: ctx.config.minio.endpoint,
      MINIO_ACCESS_KEY: ctx.config.minio.accessKey,
      MINIO_SECRET_KEY: ctx.config.minio.secretKey,
      HUB_MASTER_SECRET: ctx.config.secrets.master.toString('hex'),
      HUB_CREDENTIALS_KEY: ctx.config.secrets.credentialsKey.toString('hex'),
      JOBS_POLLING_INTERVAL_SECONDS: '0.5',
      JOBS_MAINTENANCE_INTERVAL_SECONDS: '1',
      JOBS_RETRY_DELAY_SECONDS: '0',
    },
  });
}

describe('the worker killed mid-validation (e2e, worker as a child process)', () => {
  let ctx: TestContext;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    // The hub enqueues with a short expiry, so a dead worker's job is retried within seconds.
    ctx = await TestContext.create({
      JOBS_EXPIRE_BASE_SECONDS: '6',
      JOBS_MIN_BYTES_PER_SECOND: String(20 * 1024 ** 2),
    });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await ctx?.close();
  });

  it('retries the job after SIGKILL and the version ends PUBLISHED, not stuck in VALIDATING', async () => {
    const admin = await ctx.newUser({ admin: true });
    const company = await ctx.newCompany(admin.token);
    const publisher = await ctx.newCompanyMember(admin.token, company.slug, 'PUBLISHER');
    const chunks: Buffer[] = [];
    for await (const c of generate({
      kind: 'weld-line',
      rows: 700_000,
      seed: 'crash',
      format: 'CSV',
    }) as AsyncIterable<Buffer>)
      chunks.push(c);
    const bytes = Buffer.concat(chunks);
    const first = startWorker(ctx);
    children.push(first);
    const r = await ctx.publishBytes({
      token: publisher.token,
      companySlug: company.slug,
      bytes,
      format: 'CSV',
      partSize: 32 * 1024 ** 2,
    });
    expect(r.errors).toBeUndefined();
    const versionId = r.data!.publishDataset.version.id as string;
    // Wait until the first worker holds the job, then kill it without warning.
    await until(
      'the first worker to start validating',
      async () => {
        const rows: Array<{ state: string }> = await ctx.dataSource.query(
          `SELECT state FROM pgboss.job WHERE name = 'dataset-validate' AND data->>'versionId' = $1`,
          [versionId],
        );
        return rows[0]?.state === 'active' ? true : undefined;
      },
      30_000,
    );
    await new Promise((r) => setTimeout(r, 300));
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    expect(
      (await ctx.dataSource.query(`SELECT status FROM dataset_versions WHERE id = $1`, [versionId]))[0]
        .status,
    ).toBe('VALIDATING');

    const second = startWorker(ctx);
    children.push(second);
    const v = await ctx.waitForVersion(versionId, 90_000);
    expect(v.status).toBe('PUBLISHED');
    expect(Number(v.rowCount)).toBe(700_000);
    const job: Array<{ state: string; retry_count: number }> = await ctx.dataSource.query(
      `SELECT state, retry_count FROM pgboss.job WHERE name = 'dataset-validate' AND data->>'versionId' = $1`,
      [versionId],
    );
    expect(job[0]).toMatchObject({ state: 'completed' });
    expect(job[0].retry_count).toBeGreaterThanOrEqual(1);
    second.kill('SIGTERM');
  }, 150_000);
});
