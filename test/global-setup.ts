import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { migrateDatabase } from '../libs/db/src';

/**
 * Runs once per test run: makes sure a real MinIO answers on loopback (starting the project's
 * own when none does) and creates a fresh, migrated database for this run.
 */
export default async function globalSetup(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const port = process.env.MINIO_PORT ?? '9000';
  let running = false;
  try {
    execFileSync('bash', [path.join(root, 'scripts/minio.sh'), 'status'], { stdio: 'ignore' });
    running = true;
  } catch {
    running = false;
  }
  if (!running) {
    execFileSync('bash', [path.join(root, 'scripts/minio.sh'), 'start'], { stdio: 'inherit' });
    process.env.MAXHUB_TEST_STARTED_MINIO = '1';
  }
  process.env.MINIO_ENDPOINT ??= `http://127.0.0.1:${port}`;

  const base = process.env.TEST_DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432';
  const url = `${base}/maxhub_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await migrateDatabase(url);
  process.env.MAXHUB_TEST_DATABASE_URL = url;
}
