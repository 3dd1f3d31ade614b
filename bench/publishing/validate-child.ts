/**
 * Child process of validate.bench.ts: validates one object from MinIO exactly as the worker's
 * processor does (one streaming GET into validateObject, types inferred over the whole object)
 * and prints the result as one JSON line. Its RSS is sampled by the parent.
 */
import { validateObject } from '@maxhub/formats';
import { createClient, objectStream } from '@maxhub/storage';

async function main(): Promise<void> {
  const [endpoint, accessKey, secretKey, bucket, key] = process.argv.slice(2);
  const client = createClient({ url: endpoint, region: 'us-east-1', accessKey, secretKey });
  const started = process.hrtime.bigint();
  const source = await objectStream(client, bucket, key);
  const r = await validateObject({ format: 'CSV', encoding: 'auto', source });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(
    JSON.stringify({ rowCount: r.rowCount, sizeBytes: r.sizeBytes, sha256: r.sha256, seconds }) + '\n',
  );
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
