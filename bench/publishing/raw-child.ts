/**
 * Child process of validate.bench.ts for the baselines: one streaming GET of the object and ONE
 * of these, then its result as one JSON line. Each baseline runs in a fresh process with the
 * worker's node flags, like the validation child, so they compare on the same footing (a
 * parent's heap, or other GC flags, change the parse speed severalfold).
 *
 *   read            bytes only (raw MinIO read)
 *   udsv            udsv's streaming parser, string arrays, counting rows (no typing)
 *   readCsv:<n>     our readCsv, records only (no typing), batches of n records
 *
 * argv: mode endpoint accessKey secretKey bucket key
 */
import { readFileSync } from 'node:fs';
import { inferSchema, initParser } from 'udsv';
import { readCsv } from '@maxhub/formats';
import { CompanyBucket, createClient } from '@maxhub/storage';

function vmHwmKiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : 0;
}

async function main(): Promise<void> {
  const [mode, endpoint, accessKey, secretKey, bucket, key] = process.argv.slice(2);
  const client = createClient({ url: endpoint, region: 'us-east-1', accessKey, secretKey });
  const started = process.hrtime.bigint();
  const source = await new CompanyBucket(client, bucket, false).stream(key);
  let bytes = 0;
  let rows = 0;
  if (mode === 'read') {
    for await (const c of source) bytes += (c as Buffer).length;
  } else if (mode === 'udsv') {
    let parser: ReturnType<typeof initParser> | undefined;
    const onRow = (): void => {
      rows++;
    };
    source.setEncoding('utf8');
    for await (const c of source) {
      const text = c as string;
      parser ??= initParser(inferSchema(text));
      parser.chunk<string[]>(text, parser.stringArrs, onRow);
    }
    parser?.end();
  } else if (mode.startsWith('readCsv:')) {
    const batchSize = Number(mode.slice('readCsv:'.length));
    for await (const b of readCsv(source, { batchSize })) rows += b.records.length;
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(JSON.stringify({ mode, bytes, rows, seconds, vmHwmKiB: vmHwmKiB() }) + '\n');
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? (err as Error).message}\n`);
  process.exit(1);
});
