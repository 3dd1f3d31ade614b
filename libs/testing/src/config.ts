import { randomBytes } from 'node:crypto';
import { type HubConfig, loadConfig } from '@maxhub/config';

/** The configuration a test app runs with: the run's database, the real MinIO, fresh secrets. */
export function testConfig(overrides: Record<string, string> = {}): HubConfig {
  const url = process.env.MAXHUB_TEST_DATABASE_URL;
  if (!url || !/test/.test(new URL(url).pathname)) {
    throw new Error(
      'MAXHUB_TEST_DATABASE_URL is not set to a *test* database: run tests through jest (global setup)',
    );
  }
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: url,
    DATABASE_POOL_SIZE: '5',
    MINIO_ENDPOINT: process.env.MINIO_ENDPOINT ?? 'http://127.0.0.1:9000',
    MINIO_ACCESS_KEY: process.env.MINIO_ACCESS_KEY ?? 'maxhub-dev',
    MINIO_SECRET_KEY: process.env.MINIO_SECRET_KEY ?? 'maxhub-dev-secret',
    HUB_MASTER_SECRET: randomBytes(32).toString('hex'),
    HUB_CREDENTIALS_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'info',
    // Tests wait for jobs: poll and run queue maintenance often.
    JOBS_POLLING_INTERVAL_SECONDS: '0.5',
    JOBS_MAINTENANCE_INTERVAL_SECONDS: '2',
    JOBS_RETRY_DELAY_SECONDS: '1',
    ...overrides,
  });
}

/** Unique suffix so each test file gets its own companies, buckets and people. */
export function uniq(prefix = 't'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
