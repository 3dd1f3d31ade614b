/**
 * Publishing benchmark on the real MinIO (the issue: "validate a 2 GB CSV with the worker's RSS
 * under 300 MB; record throughput next to the raw MinIO read speed and raw CSV parse speed of the
 * same object on the same machine").
 *
 * 1. Generates a weld-line CSV of about `sizeBytes` (default 2 GiB) to a temp file on disk
 *    (SHA-256 and size computed on the way), then uploads it with its known size (a stream of
 *    unknown length made MinIO's client die with `write EPIPE` at 2 GB). The temp file is deleted
 *    right after the upload, and always on the way out.
 * 2. On that same object, the baselines: raw MinIO read (bytes only), raw CSV parse (udsv's
 *    streaming parser; our readCsv, records only, no typing, in validateObject's batches and in
 *    its default ones), each one streaming GET in a fresh child (raw-child.ts) with the worker's
 *    node flags, so that they and the validation run on the same footing.
 * 3. The worker's validation (validateObject: structure, types inferred over the whole object,
 *    SHA-256) in a child process that does nothing else, started with the worker's node flags.
 *    Its peak RSS is the child's own VmHWM read from /proc at the end (exact); the parent also
 *    samples VmRSS every 25 ms as a cross-check.
 *
 * Progress goes to stderr; records are returned. Needs `npm run build` (the child runs from dist).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DEFAULT_BATCH_SIZE } from '@maxhub/formats';
import { createClient, ensureBucket } from '@maxhub/storage';
import { VALIDATE_BATCH_SIZE } from '../../libs/formats/src/validate';
import { generate } from '../../libs/synthetic/src/index';
import { procStatusKiB } from '../../libs/testing/src/process';

type BenchRecord = Record<string, unknown>;

/** Options of {@link run}. */
export interface PublishingBenchOptions {
  /** Approximate object size; default 2 GiB. */
  sizeBytes?: number;
  endpoint?: string;
  accessKey?: string;
  secretKey?: string;
  /** Keep the bucket and object afterwards. */
  keep?: boolean;
  /** The validation child is killed after this long; default 1200 s. */
  childTimeoutSeconds?: number;
}

/** The limit: 300 MB (decimal) of worker RSS. */
const RSS_TARGET_BYTES = 300e6;

/** The node flags the worker runs with (scripts/start.sh, Dockerfile, docker-compose.yml). */
const WORKER_NODE_FLAGS: readonly string[] = (process.env.WORKER_NODE_OPTIONS ?? '--max-semi-space-size=32')
  .split(' ')
  .filter((f) => f.length > 0);

const MB = 1e6;
const MiB = 1024 ** 2;
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
const load1 = (): number => round(os.loadavg()[0], 2);

function say(msg: string): void {
  process.stderr.write(`[publishing-validate] ${msg}\n`);
}

/** Throttled progress to stderr (every 5 s). */
function progress(
  label: string,
  total: number,
): { tick: (done: number) => void; end: (done: number) => void } {
  const t0 = Date.now();
  let last = t0;
  const line = (done: number): string => {
    const s = (Date.now() - t0) / 1000;
    return `${label}: ${(done / MB).toFixed(0)} / ${(total / MB).toFixed(0)} MB (${((done / total) * 100).toFixed(0)}%), ${(done / MB / Math.max(s, 1e-3)).toFixed(1)} MB/s, ${s.toFixed(0)} s`;
  };
  return {
    tick: (done) => {
      const now = Date.now();
      if (now - last >= 5000) {
        last = now;
        say(line(done));
      }
    },
    end: (done) => say(`${line(done)} done`),
  };
}

/** Bytes of CSV per generated weld-line row, measured on the first 50,000 rows. */
async function bytesPerRow(): Promise<{ header: number; perRow: number }> {
  const sample = 50_000;
  let n = 0;
  let header = 0;
  for await (const c of generate({ kind: 'weld-line', rows: sample, seed: 'bench', format: 'CSV' })) {
    if (header === 0) header = (c as Buffer).length;
    else n += (c as Buffer).length;
  }
  return { header, perRow: n / sample };
}

/** Runs the benchmark; returns JSON-lines-ready records. */
export async function run(opts: PublishingBenchOptions = {}): Promise<BenchRecord[]> {
  const sizeBytes = opts.sizeBytes ?? 2 * 1024 ** 3;
  const endpoint = opts.endpoint ?? process.env.MINIO_ENDPOINT ?? 'http://127.0.0.1:9000';
  const accessKey = opts.accessKey ?? process.env.MINIO_ACCESS_KEY ?? 'maxhub-dev';
  const secretKey = opts.secretKey ?? process.env.MINIO_SECRET_KEY ?? 'maxhub-dev-secret';
  const childTimeout = (opts.childTimeoutSeconds ?? 1200) * 1000;
  const childScript = path.join(__dirname, 'validate-child.js');
  const rawScript = path.join(__dirname, 'raw-child.js');
  for (const f of [childScript, rawScript]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\``);
  }

  const client = createClient({ url: endpoint, region: 'us-east-1', accessKey, secretKey });
  const bucket = `bench-publishing-${Date.now().toString(36)}`;
  const key = 'datasets/weld-line.csv';
  const out: BenchRecord[] = [];
  const rec = (r: BenchRecord): void => {
    out.push({ bench: 'publishing', ...r, loadavg1: load1() });
  };
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'maxhub-bench-publishing-'));
  const file = path.join(tmpDir, 'weld-line.csv');
  await ensureBucket(client, bucket, 'us-east-1');

  try {
    // 1a. Generate to disk: a file of known size for the upload.
    const { header, perRow } = await bytesPerRow();
    const rows = Math.max(1000, Math.round((sizeBytes - header) / perRow));
    say(
      `generating ${rows} rows (~${(sizeBytes / MB).toFixed(0)} MB, ${perRow.toFixed(1)} B/row) to ${file}`,
    );
    const hash = createHash('sha256');
    let written = 0;
    const gp = progress('generate', sizeBytes);
    let t = process.hrtime.bigint();
    await pipeline(
      generate({ kind: 'weld-line', rows, seed: 'bench', format: 'CSV' }),
      new Transform({
        transform(chunk: Buffer, _enc, cb) {
          written += chunk.length;
          hash.update(chunk);
          gp.tick(written);
          cb(null, chunk);
        },
      }),
      createWriteStream(file),
    );
    gp.end(written);
    const sha256 = hash.digest('hex');
    let s = Number(process.hrtime.bigint() - t) / 1e9;
    rec({
      case: 'generate to disk',
      rows,
      bytes: written,
      seconds: round(s, 2),
      MBps: round(written / MB / s),
    });

    // 1b. Upload with the known size (multipart by the client).
    const up = progress('upload', written);
    const rs = createReadStream(file, { highWaterMark: 1 * MiB });
    const timer = setInterval(() => up.tick(rs.bytesRead), 1000);
    t = process.hrtime.bigint();
    try {
      await client.putObject(bucket, key, rs, written, { 'Content-Type': 'text/csv' });
    } finally {
      clearInterval(timer);
    }
    s = Number(process.hrtime.bigint() - t) / 1e9;
    up.end(written);
    const size = (await client.statObject(bucket, key)).size;
    if (size !== written) throw new Error(`uploaded ${size} bytes, generated ${written}`);
    rec({
      case: 'upload (putObject, known size)',
      bytes: size,
      seconds: round(s, 2),
      MBps: round(size / MB / s),
    });
    rmSync(tmpDir, { recursive: true, force: true });

    // 2. Baselines on the same object, each in a fresh child with the worker's node flags.
    const conn = [endpoint, accessKey, secretKey, bucket, key];
    const baseline = async (mode: string, label: string): Promise<RawResult> => {
      const c = await runChild<RawResult>(rawScript, [mode, ...conn], label, childTimeout);
      return c.result;
    };
    const raw = await baseline('read', 'minio raw read');
    const rawReadMBps = raw.bytes / MB / raw.seconds;
    rec({
      case: 'minio raw read',
      process: 'child (read only)',
      bytes: raw.bytes,
      seconds: round(raw.seconds, 2),
      MBps: round(rawReadMBps),
    });
    const parseCase = (r: RawResult, name: string): number => {
      const rowsPerSec = r.rows / r.seconds;
      rec({
        case: name,
        process: 'child (parse only)',
        rows: r.rows,
        bytes: size,
        seconds: round(r.seconds, 2),
        rowsPerSec: Math.round(rowsPerSec),
        MBps: round(size / MB / r.seconds),
      });
      return rowsPerSec;
    };
    const udsvRowsPerSec = parseCase(
      await baseline('udsv', 'csv raw parse (udsv)'),
      'csv raw parse (udsv streaming, string arrays, from MinIO)',
    );
    const readCsvRowsPerSec = parseCase(
      await baseline(`readCsv:${VALIDATE_BATCH_SIZE}`, 'csv raw parse (readCsv)'),
      `csv raw parse (readCsv records, batches of ${VALIDATE_BATCH_SIZE} as validateObject, from MinIO)`,
    );
    parseCase(
      await baseline(`readCsv:${DEFAULT_BATCH_SIZE}`, 'csv raw parse (readCsv, default batches)'),
      `csv raw parse (readCsv records, default batches of ${DEFAULT_BATCH_SIZE}, from MinIO)`,
    );

    // 3. The worker's validation, alone in a child process.
    const v = await runChild<ValidateResult>(childScript, conn, 'worker validation', childTimeout);
    const r = v.result;
    const peakBytes = r.vmHwmKiB * 1024;
    rec({
      case: 'worker validation (validateObject, whole object, types inferred, SHA-256)',
      process: 'child (validation only)',
      nodeFlags: WORKER_NODE_FLAGS.join(' '),
      rows: r.rowCount,
      bytes: r.sizeBytes,
      seconds: round(r.seconds, 2),
      rowsPerSec: Math.round(r.rowCount / r.seconds),
      MBps: round(r.sizeBytes / MB / r.seconds),
      ratioToRawRead: round(r.sizeBytes / MB / r.seconds / rawReadMBps, 3),
      ratioToUdsvParse: round(r.rowCount / r.seconds / udsvRowsPerSec, 3),
      ratioToReadCsvParse: round(r.rowCount / r.seconds / readCsvRowsPerSec, 3),
      childWallSeconds: round(v.wallSeconds, 2),
      peakRssMiB: round(peakBytes / MiB),
      peakRssMB: round(peakBytes / MB),
      peakRssSource: 'child VmHWM (/proc/self/status) at the end',
      sampledPeakRssMiB: round(v.sampledPeakKiB / 1024),
      heapUsedMiBAtEnd: round(r.heapUsedBytes / MiB),
      rssTargetMB: RSS_TARGET_BYTES / MB,
      rssOk: peakBytes < RSS_TARGET_BYTES,
      matchesGenerated: r.rowCount === rows && r.sizeBytes === written && r.sha256 === sha256,
    });
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
    if (!opts.keep) {
      await client.removeObject(bucket, key).catch(() => undefined);
      await client
        .removeBucket(bucket)
        .catch((err: unknown) => say(`bucket ${bucket} kept: ${(err as Error).message}`));
    }
  }
  return out;
}

interface RawResult {
  mode: string;
  bytes: number;
  rows: number;
  seconds: number;
  vmHwmKiB: number;
}

interface ValidateResult {
  rowCount: number;
  sizeBytes: number;
  sha256: string;
  seconds: number;
  vmHwmKiB: number;
  heapUsedBytes: number;
}

/** Runs one child (worker node flags), samples its RSS, prints progress, kills it at `timeoutMs`. */
async function runChild<T>(
  script: string,
  args: string[],
  label: string,
  timeoutMs: number,
): Promise<{ result: T; wallSeconds: number; sampledPeakKiB: number }> {
  say(`${label}: child node ${WORKER_NODE_FLAGS.join(' ')} ${path.basename(script)} ${args[0]}`);
  const t0 = process.hrtime.bigint();
  const p = spawn(process.execPath, [...WORKER_NODE_FLAGS, script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let sampled = 0;
  const sampler = setInterval(() => (sampled = Math.max(sampled, procStatusKiB(p.pid!, 'VmRSS'))), 25);
  const started = Date.now();
  const reporter = setInterval(
    () =>
      say(
        `${label}: ${((Date.now() - started) / 1000).toFixed(0)} s, child RSS peak so far ${(sampled / 1024).toFixed(0)} MiB`,
      ),
    10_000,
  );
  const killer = setTimeout(() => {
    say(`${label}: child exceeded ${timeoutMs / 1000} s, killing it`);
    p.kill('SIGKILL');
  }, timeoutMs);
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => p.on('close', resolve));
  clearInterval(sampler);
  clearInterval(reporter);
  clearTimeout(killer);
  if (code !== 0) throw new Error(`${label} child failed (${code}): ${stderr.trim()}`);
  const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  say(`${label}: done in ${wallSeconds.toFixed(1)} s`);
  return { result: JSON.parse(stdout.trim()) as T, wallSeconds, sampledPeakKiB: sampled };
}
