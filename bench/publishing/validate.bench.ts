/**
 * Publishing benchmark on the real MinIO: generates a weld-line CSV of about `sizeBytes`
 * (default 2 GiB), uploads it, then measures on the same object: raw MinIO read MB/s, raw CSV
 * parse rows/s (@maxhub/formats readCsv, no typing), and the worker's whole-object validation
 * (child process, as the worker runs it) with its peak RSS sampled from /proc (target < 300 MiB).
 * Needs `npm run build` (the child runs from dist) and MinIO on MINIO-like defaults or `opts`.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readCsv } from '@maxhub/formats';
import { createClient, ensureBucket } from '@maxhub/storage';
import { generate } from '../../libs/synthetic/src/index';

type BenchRecord = Record<string, unknown>;

/** Options of {@link run}. */
export interface PublishingBenchOptions {
  /** Approximate object size; default 2 GiB. */
  sizeBytes?: number;
  endpoint?: string;
  accessKey?: string;
  secretKey?: string;
  /** Keep the object in the bucket afterwards. */
  keep?: boolean;
}

const ROOT = path.resolve(__dirname, '../..').replace(/[/\\]dist$/, '');
/** Measured average row size of weld-line CSV, used to size the object. */
const BYTES_PER_ROW = 128;

function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs the benchmark; returns JSON-lines-ready records. */
export async function run(opts: PublishingBenchOptions = {}): Promise<BenchRecord[]> {
  const sizeBytes = opts.sizeBytes ?? 2 * 1024 ** 3;
  const endpoint = opts.endpoint ?? 'http://127.0.0.1:9000';
  const accessKey = opts.accessKey ?? 'maxhub-dev';
  const secretKey = opts.secretKey ?? 'maxhub-dev-secret';
  const client = createClient({ url: endpoint, region: 'us-east-1', accessKey, secretKey });
  const bucket = 'maxhub-bench';
  const key = `publishing/weld-line-${sizeBytes}.csv`;
  const out: BenchRecord[] = [];
  const rec = (r: BenchRecord) => out.push({ bench: 'publishing', node: process.version, ...r });
  await ensureBucket(client, bucket, 'us-east-1');

  // 1. Generate and upload (streaming; multipart by the client).
  const rows = Math.max(1000, Math.round(sizeBytes / BYTES_PER_ROW));
  let t = Date.now();
  await client.putObject(
    bucket,
    key,
    generate({ kind: 'weld-line', rows, seed: 'bench', format: 'CSV' }),
    undefined,
    {
      'Content-Type': 'text/csv',
    },
  );
  const size = (await client.statObject(bucket, key)).size;
  rec({
    case: 'generate+upload',
    rows,
    bytes: size,
    seconds: (Date.now() - t) / 1000,
    MBps: size / 1e6 / ((Date.now() - t) / 1000),
  });

  try {
    // 2. Raw MinIO read.
    t = Date.now();
    let read = 0;
    for await (const c of await client.getObject(bucket, key)) read += (c as Buffer).length;
    let s = (Date.now() - t) / 1000;
    rec({ case: 'minio raw read', bytes: read, seconds: s, MBps: read / 1e6 / s });

    // 3. Raw CSV parse of the same object (records only, no typing).
    t = Date.now();
    let parsed = 0;
    for await (const b of readCsv(await client.getObject(bucket, key))) parsed += b.records.length;
    s = (Date.now() - t) / 1000;
    rec({
      case: 'csv raw parse (readCsv from MinIO)',
      rows: parsed,
      seconds: s,
      rowsPerSec: parsed / s,
      MBps: size / 1e6 / s,
    });

    // 4. The worker's validation, in a child process with its RSS sampled.
    const child = path.join(ROOT, 'dist/bench/publishing/validate-child.js');
    if (!existsSync(child))
      throw new Error('dist/bench/publishing/validate-child.js is missing: run `npm run build`');
    const p = spawn(process.execPath, [child, endpoint, accessKey, secretKey, bucket, key], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, rssMiB(p.pid!))), 100);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((r) => p.on('close', r));
    clearInterval(timer);
    if (code !== 0) throw new Error(`validation child failed: ${stderr.trim()}`);
    const v = JSON.parse(stdout) as { rowCount: number; sizeBytes: number; seconds: number };
    rec({
      case: 'worker validation (validateObject, whole object, types inferred, SHA-256)',
      rows: v.rowCount,
      bytes: v.sizeBytes,
      seconds: v.seconds,
      rowsPerSec: v.rowCount / v.seconds,
      MBps: v.sizeBytes / 1e6 / v.seconds,
      peakRssMiB: Math.round(peak),
      rssTargetMiB: 300,
      rssOk: peak < 300,
    });
  } finally {
    if (!opts.keep) await client.removeObject(bucket, key);
  }
  return out;
}
