import { randomBytes } from 'node:crypto';
import { CompanyBucket, createClient, StorageErrorCode } from '@maxhub/storage';
import { ViewErrorCode } from './errors';
import { describeViewStoreContract } from './store.contract';
import { minioStore } from './store';

// The real MinIO the test run uses (test/global-setup.ts starts it when none answers).
const client = createClient({
  url: process.env.MINIO_ENDPOINT ?? 'http://127.0.0.1:9000',
  region: 'us-east-1',
  accessKey: process.env.MINIO_ACCESS_KEY ?? 'maxhub-dev',
  secretKey: process.env.MINIO_SECRET_KEY ?? 'maxhub-dev-secret',
});
const bucket = `views-store-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  await client.makeBucket(bucket, 'us-east-1');
});
afterAll(async () => {
  const keys: string[] = [];
  for await (const o of client.listObjectsV2(bucket, '', true)) keys.push((o as { name: string }).name);
  for (let i = 0; i < keys.length; i += 1000) await client.removeObjects(bucket, keys.slice(i, i + 1000));
  await client.removeBucket(bucket);
});

describeViewStoreContract('minioStore on the real MinIO', () =>
  minioStore(new CompanyBucket(client, bucket, false)),
);

describe('minioStore failures', () => {
  it('turns a storage failure into VIEW_STORAGE_FAILED with the StorageError as its cause', async () => {
    const store = minioStore(new CompanyBucket(client, `${bucket}-missing`, false));
    await expect(store.list('shares/')).rejects.toMatchObject({
      code: ViewErrorCode.VIEW_STORAGE_FAILED,
      cause: { code: StorageErrorCode.STORAGE_BUCKET_MISSING },
    });
    await expect(store.put('shares/x', Buffer.from('x'))).rejects.toMatchObject({
      code: ViewErrorCode.VIEW_STORAGE_FAILED,
    });
  });
});
