import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as Minio from 'minio';
import { uniq } from '@maxhub/testing';
import { newBusinessRegistrationNumber, TestContext } from './support/test-context';

const ROOT = path.resolve(__dirname, '..');
const PORT = '9210';
const env = (dataDir: string) => ({
  ...process.env,
  MINIO_PORT: PORT,
  MINIO_CONSOLE_PORT: '9211',
  MINIO_DATA_DIR: dataDir,
  MINIO_ROOT_USER: 'company-own',
  MINIO_ROOT_PASSWORD: 'company-own-secret',
});

describe('a company with its own S3/MinIO endpoint (e2e, a second real MinIO)', () => {
  let ctx: TestContext;
  let dataDir: string;
  let own: Minio.Client;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'maxhub-own-minio-'));
    execFileSync('bash', [path.join(ROOT, 'scripts/minio.sh'), 'start'], {
      env: env(dataDir),
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    own = new Minio.Client({
      endPoint: '127.0.0.1',
      port: Number(PORT),
      useSSL: false,
      accessKey: 'company-own',
      secretKey: 'company-own-secret',
      pathStyle: true,
    });
    ctx = await TestContext.create();
    await ctx.startWorker();
  }, 60_000);
  afterAll(async () => {
    await ctx?.close();
    execFileSync('bash', [path.join(ROOT, 'scripts/minio.sh'), 'stop'], {
      env: env(dataDir),
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('uploads into the company’s own bucket by presigned URL and publishes there', async () => {
    const bucket = uniq('own-bucket');
    await own.makeBucket(bucket, 'us-east-1');
    const admin = await ctx.newUser({ admin: true });
    const slug = uniq('ownco');
    await ctx.gqlOk(
      `mutation($input: RegisterCompanyInput!) { registerCompany(input: $input) { id } }`,
      {
        input: {
          slug,
          name: 'Own Endpoint Co',
          businessRegistrationNumber: newBusinessRegistrationNumber(),
          endpoint: {
            url: `http://127.0.0.1:${PORT}`,
            bucket,
            accessKey: 'company-own',
            secretKey: 'company-own-secret',
          },
        },
      },
      admin.token,
    );
    const publisher = await ctx.newCompanyMember(admin.token, slug, 'PUBLISHER');
    const { version } = await ctx.newPublishedDataset({
      token: publisher.token,
      companySlug: slug,
      rows: 300,
    });
    expect(version.status).toBe('PUBLISHED');
    expect(Number(version.rowCount)).toBe(300);
    const stat = await own.statObject(bucket, version.objectKey);
    expect(stat.size).toBe(Number(version.sizeBytes));
    // Nothing of it on the alliance MinIO.
    const u = new URL(ctx.config.minio.endpoint);
    const alliance = new Minio.Client({
      endPoint: u.hostname,
      port: Number(u.port),
      useSSL: false,
      accessKey: ctx.config.minio.accessKey,
      secretKey: ctx.config.minio.secretKey,
      pathStyle: true,
    });
    expect(await alliance.bucketExists(bucket)).toBe(false);
  });
});
