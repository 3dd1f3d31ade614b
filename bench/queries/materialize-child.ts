/**
 * Child process of the materialization benchmarks: materializes one raw weld-line object from
 * MinIO exactly as the worker does (the views library's own opening of the raw object: one
 * streaming GET for CSV/JSONL) and prints the view's summary as one JSON line. It does nothing
 * else, so the parent's /proc sampling of its RSS measures the materialization alone.
 *
 * argv[2]: JSON { endpoint, accessKey, secretKey, bucket, key, size, prefix, expectedRows? }.
 */
import { randomBytes } from 'node:crypto';
import { CompanyBucket, createClient } from '@maxhub/storage';
import { datasetColumns, materializeView, minioStore } from '@maxhub/views';
import { columnsOf } from '../../libs/synthetic/src/index';
import { BENCH_GRANT } from './grant';

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2] ?? '{}') as {
    endpoint: string;
    accessKey: string;
    secretKey: string;
    bucket: string;
    key: string;
    size: number;
    prefix: string;
    uploadConcurrency?: number;
    gzipLevel?: number;
    batchSize?: number;
    expectedRows?: number;
  };
  const client = createClient({
    url: a.endpoint,
    region: 'us-east-1',
    accessKey: a.accessKey,
    secretKey: a.secretKey,
  });
  const bucket = new CompanyBucket(client, a.bucket, false);
  const columns = columnsOf('weld-line');
  const started = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const manifest = await materializeView({
    store: minioStore(bucket),
    prefix: a.prefix,
    grantId: '00000000-0000-4000-8000-000000000001',
    masterSecret: randomBytes(32),
    datasetColumns: columns,
    granted: BENCH_GRANT,
    chunkRows: 10_000,
    uploadConcurrency: a.uploadConcurrency,
    gzipLevel: a.gzipLevel,
    // As the worker does: the published version's row count sizes the row shuffler's groups.
    expectedRows: a.expectedRows,
    openColumns: datasetColumns({
      bucket,
      key: a.key,
      size: a.size,
      format: 'CSV',
      encoding: 'utf-8',
      columns,
      batchSize: a.batchSize,
    }),
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const s = manifest.view.summary;
  process.stdout.write(
    JSON.stringify({
      seconds,
      // CPU time of every thread of the child (main, GC helpers, libuv pool): against `seconds`
      // it tells how much of one core the materialization used, and it is steadier than wall
      // time on a shared machine.
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      rowsIn: s.rowsIn,
      rowsOut: s.rowsOut,
      rowsFiltered: s.rowsFiltered,
      rowsSuppressed: s.rowsSuppressed,
      chunks: manifest.chunks.length,
      viewBytes: s.bytes,
    }) + '\n',
  );
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? (err as Error).message}\n`);
  process.exit(1);
});
