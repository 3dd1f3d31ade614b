/**
 * Child process of validate.bench.ts: validates one object from MinIO exactly as the worker's
 * processor does (one streaming GET into validateObject, types inferred over the whole object,
 * SHA-256) and nothing else, then prints the result and its own peak RSS (VmHWM from
 * /proc/self/status: the kernel's exact high-water mark of the process) as one JSON line.
 *
 * argv: endpoint accessKey secretKey bucket key
 */
import { readFileSync } from 'node:fs';
import { validateObject } from '@maxhub/formats';
import { CompanyBucket, createClient } from '@maxhub/storage';

function vmHwmKiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : 0;
}

async function main(): Promise<void> {
  const [endpoint, accessKey, secretKey, bucket, key] = process.argv.slice(2);
  const client = createClient({ url: endpoint, region: 'us-east-1', accessKey, secretKey });
  const started = process.hrtime.bigint();
  const source = await new CompanyBucket(client, bucket, false).stream(key);
  try {
    const r = await validateObject({ format: 'CSV', encoding: 'auto', source });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(
      JSON.stringify({
        rowCount: r.rowCount,
        sizeBytes: r.sizeBytes,
        sha256: r.sha256,
        seconds,
        vmHwmKiB: vmHwmKiB(),
        heapUsedBytes: process.memoryUsage().heapUsed,
      }) + '\n',
    );
  } finally {
    source.destroy();
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? (err as Error).message}\n`);
  process.exit(1);
});
