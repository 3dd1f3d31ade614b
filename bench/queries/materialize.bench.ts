/**
 * Materialization benchmark on the generated weld-line dataset (libs/synthetic), side by side in
 * one run on the SAME object in a real MinIO bucket: raw MinIO read, the fastest raw CSV parse
 * (udsv, and our readCsv raw records), and materializeView (one process, one core: typed rows →
 * row filter → pseudonyms, generalization, drop → single-pass k-anonymity → gzip chunks uploaded
 * to MinIO, manifest last), with peak RSS sampled every 25 ms. `rows` defaults to 10,000,000;
 * `readCsv: false` skips our slow raw readCsv baseline (the 5 GB suite, where it alone would take
 * minutes).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { pipeline } from 'node:stream/promises';
import * as path from 'node:path';
import { inferSchema, initParser } from 'udsv';
import { readCsv } from '@maxhub/formats';
import { CompanyBucket, createClient, ensureBucket } from '@maxhub/storage';
import { deleteView, minioStore } from '@maxhub/views';
import { generate } from '../../libs/synthetic/src/index';
import { procStatusKiB } from '../../libs/testing/src/process';

type BenchRecord = Record<string, unknown>;

async function measure<T>(fn: () => Promise<T>): Promise<{ result: T; seconds: number; peakRssMiB: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 25);
  const t0 = process.hrtime.bigint();
  try {
    const result = await fn();
    return {
      result,
      seconds: Number(process.hrtime.bigint() - t0) / 1e9,
      peakRssMiB: Math.round(Math.max(peak, process.memoryUsage.rss()) / 1048576),
    };
  } finally {
    clearInterval(timer);
  }
}

export { BENCH_GRANT } from './grant';

/** Options of {@link materializeInChild}. */
export interface ChildMaterializeArgs {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  key: string;
  size: number;
  prefix: string;
  uploadConcurrency?: number;
  gzipLevel?: number;
  /** The raw object's rows (the worker passes the published version's row count). */
  expectedRows?: number;
}

/**
 * Materializes in a fresh child process (dist/bench/queries/materialize-child.js, the worker's
 * code path and node flags) that does nothing else, sampling its RSS from /proc every 25 ms.
 */
export async function materializeInChild(
  args: ChildMaterializeArgs,
  nodeFlags: readonly string[] = WORKER_NODE_FLAGS,
): Promise<{ result: Record<string, number>; seconds: number; peakRssMiB: number }> {
  const script = path.join(__dirname, 'materialize-child.js');
  if (!existsSync(script)) throw new Error('run `npm run build` first (the child runs from dist)');
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [...nodeFlags, script, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, procStatusKiB(child.pid!, 'VmRSS') / 1024)), 25);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(timer);
  if (code !== 0) throw new Error(`materialize child failed: ${stderr.trim().split('\n')[0]}`);
  return {
    result: JSON.parse(stdout.trim()) as Record<string, number>,
    seconds: Number(process.hrtime.bigint() - t0) / 1e9,
    peakRssMiB: Math.round(peak),
  };
}

/** The node flags the worker runs with (scripts/start.sh, Dockerfile, docker-compose.yml). */
export const WORKER_NODE_FLAGS: readonly string[] = (
  process.env.WORKER_NODE_OPTIONS ?? '--max-semi-space-size=32'
)
  .split(' ')
  .filter((f) => f.length > 0);

/** Runs the benchmark on `rows` generated rows (default 10,000,000); returns JSON-lines-ready records. */
export async function run(
  opts: { rows?: number; endpoint?: string; readCsv?: boolean } = {},
): Promise<BenchRecord[]> {
  const rows = opts.rows ?? 10_000_000;
  const endpoint = opts.endpoint ?? process.env.MINIO_ENDPOINT ?? 'http://127.0.0.1:9000';
  const accessKey = process.env.MINIO_ACCESS_KEY ?? 'maxhub-dev';
  const secretKey = process.env.MINIO_SECRET_KEY ?? 'maxhub-dev-secret';
  const client = createClient({ url: endpoint, region: 'us-east-1', accessKey, secretKey });
  const bucket = `bench-views-${randomBytes(3).toString('hex')}`;
  await ensureBucket(client, bucket, 'us-east-1');
  const key = 'datasets/weld-line.csv';
  const out: BenchRecord[] = [];
  try {
    // Generated to disk first, then uploaded with its size known: a multi-GB stream of unknown
    // length to putObject has failed here with EPIPE.
    const tmp = await mkdtemp(path.join(tmpdir(), 'maxhub-bench-'));
    const file = path.join(tmp, 'weld-line.csv');
    const up = await measure(async () => {
      await pipeline(
        generate({ kind: 'weld-line', rows, format: 'CSV', seed: 'bench' }),
        createWriteStream(file),
      );
      await client.fPutObject(bucket, key, file);
      await rm(tmp, { recursive: true, force: true });
    });
    const size = (await client.statObject(bucket, key)).size;
    out.push({ bench: 'views.generate-upload', rows, bytes: size, seconds: up.seconds });

    const raw = await measure(async () => {
      let n = 0;
      for await (const c of await client.getObject(bucket, key)) n += (c as Buffer).length;
      return n;
    });
    out.push({
      bench: 'views.raw-minio-read',
      rows,
      bytes: raw.result,
      seconds: raw.seconds,
      rowsPerSecond: Math.round(rows / raw.seconds),
      mibPerSecond: Math.round(size / 1048576 / raw.seconds),
    });

    const udsv = await measure(async () => {
      // udsv's streaming parser (it carries partial lines itself), counting rows: no typing.
      let parser: ReturnType<typeof initParser> | undefined;
      let n = 0;
      const onRow = (): void => {
        n++;
      };
      const stream = await client.getObject(bucket, key);
      stream.setEncoding('utf8');
      for await (const c of stream) {
        const text = c as string;
        parser ??= initParser(inferSchema(text));
        parser.chunk<string[]>(text, parser.stringArrs, onRow);
      }
      parser?.end();
      return n;
    });
    out.push({
      bench: 'views.raw-csv-parse.udsv',
      rows: udsv.result,
      seconds: udsv.seconds,
      rowsPerSecond: Math.round(rows / udsv.seconds),
    });

    let oursRowsPerSecond = 0;
    if (opts.readCsv !== false) {
      const ours = await measure(async () => {
        let n = 0;
        for await (const b of readCsv(await client.getObject(bucket, key))) n += b.records.length;
        return n;
      });
      oursRowsPerSecond = rows / ours.seconds;
      out.push({
        bench: 'views.raw-csv-parse.readCsv',
        rows: ours.result,
        seconds: ours.seconds,
        rowsPerSecond: Math.round(oursRowsPerSecond),
      });
    }

    const store = minioStore(new CompanyBucket(client, bucket, false));
    const mat = await materializeInChild({
      endpoint,
      accessKey,
      secretKey,
      bucket,
      key,
      size,
      prefix: 'shares/bench/v1/',
      expectedRows: rows,
    });
    const s = mat.result;
    const fastestParse = Math.max(rows / udsv.seconds, oursRowsPerSecond);
    out.push({
      bench: 'views.materialize',
      rows,
      bytes: size,
      seconds: s.seconds,
      rowsPerSecond: Math.round(rows / s.seconds),
      ratioToFastestRawParse: Math.round((rows / s.seconds / fastestParse) * 1000) / 1000,
      passes:
        '1 read of the raw object; rows ordered per grant (spooled in the bucket), small classes left out as chunks are written',
      cpuSeconds: s.cpuSeconds,
      rowsOut: s.rowsOut,
      rowsFiltered: s.rowsFiltered,
      rowsSuppressed: s.rowsSuppressed,
      chunks: s.chunks,
      viewBytes: s.viewBytes,
      peakRssMiB: mat.peakRssMiB,
      process: 'child (materialization only)',
      nodeFlags: WORKER_NODE_FLAGS.join(' '),
    });
    await deleteView(store, 'shares/bench/v1/');
  } finally {
    const keys: string[] = [];
    for await (const o of client.listObjectsV2(bucket, '', true)) keys.push((o as { name: string }).name);
    await client.removeObjects(bucket, keys);
    await client.removeBucket(bucket);
  }
  return out;
}
