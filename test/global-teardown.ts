import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { dropTestDatabase } from '../libs/db/src';

/** Drops this run's database and stops MinIO if this run started it. */
export default async function globalTeardown(): Promise<void> {
  const url = process.env.MAXHUB_TEST_DATABASE_URL;
  if (url && process.env.MAXHUB_KEEP_TEST_DB !== '1') await dropTestDatabase(url);
  if (process.env.MAXHUB_TEST_STARTED_MINIO === '1') {
    execFileSync('bash', [path.resolve(__dirname, '../scripts/minio.sh'), 'stop'], { stdio: 'inherit' });
  }
}
