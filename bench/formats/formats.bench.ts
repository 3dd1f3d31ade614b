/**
 * Benchmark of @maxhub/formats on synthetic weld-line data: raw read, raw CSV parse (udsv and
 * ours), full validateObject (declared types and whole-file inference), typed rows, JSON lines,
 * Parquet, and chunked-view encoding. Returns JSON-lines-ready records; bounded in time by the
 * row counts (CSV default 2,000,000 rows; JSONL and Parquet a quarter of that).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { inferSchema as udsvInferSchema, initParser } from 'udsv';
import {
  ChunkedViewWriter,
  readCsv,
  readChunk,
  readRows,
  type RandomAccessSource,
  type Row,
  validateObject,
} from '@maxhub/formats';
import { columnsOf, generate, generateRows } from '../../libs/synthetic/src/index';

type BenchRecord = Record<string, unknown>;

/** Samples RSS every 25 ms while `fn` runs (timers fire between awaited chunks). */
async function measure<T>(fn: () => Promise<T>): Promise<{ result: T; seconds: number; peakRssMiB: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 25);
  const t0 = process.hrtime.bigint();
  try {
    const result = await fn();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, seconds, peakRssMiB: Math.round(peak / 1048576) };
  } finally {
    clearInterval(timer);
  }
}

function fileSource(path: string, size: number): RandomAccessSource & { close(): Promise<void> } {
  const handle = open(path, 'r');
  return {
    size,
    read: async (start, end) => {
      const h = await handle;
      const buf = Buffer.allocUnsafe(end - start);
      let off = 0;
      while (off < buf.length) {
        const { bytesRead } = await h.read(buf, off, buf.length - off, start + off);
        if (bytesRead === 0) break;
        off += bytesRead;
      }
      return buf.buffer.slice(buf.byteOffset, buf.byteOffset + off);
    },
    close: async () => (await handle).close(),
  };
}

const rate = (n: number, s: number): number => Math.round(n / s);
const mb = (bytes: number, s: number): number => Math.round((bytes / 1048576 / s) * 10) / 10;

/** Runs the benchmark; `rows` is the CSV size (JSONL and Parquet use a quarter). */
export async function run(opts: { rows?: number } = {}): Promise<BenchRecord[]> {
  const rows = opts.rows ?? 2_000_000;
  const small = Math.max(1000, Math.floor(rows / 4));
  const dir = await mkdtemp(join(tmpdir(), 'maxhub-formats-bench-'));
  const out: BenchRecord[] = [];
  const rec = (r: BenchRecord): void => {
    out.push({ bench: 'formats', node: process.version, ...r });
  };
  const declaredColumns = columnsOf('weld-line').map(({ name, type }) => ({ name, type }));
  try {
    // ---- CSV -------------------------------------------------------------------------------
    const csv = join(dir, 'weld.csv');
    const gen = await measure(() =>
      pipeline(generate({ kind: 'weld-line', rows, seed: 'bench', format: 'CSV' }), createWriteStream(csv)),
    );
    const size = (await stat(csv)).size;
    rec({
      format: 'CSV',
      stage: 'generate',
      rows,
      bytes: size,
      seconds: gen.seconds,
      rowsPerSec: rate(rows, gen.seconds),
      peakRssMiB: gen.peakRssMiB,
    });

    const raw = await measure(async () => {
      let n = 0;
      for await (const c of createReadStream(csv, { highWaterMark: 1 << 20 })) n += (c as Buffer).length;
      return n;
    });
    rec({
      format: 'CSV',
      stage: 'raw-read',
      bytes: raw.result,
      seconds: raw.seconds,
      mbPerSec: mb(raw.result, raw.seconds),
    });

    const udsv = await measure(async () => {
      let n = 0;
      let parser: ReturnType<typeof initParser> | undefined;
      const onRow = (): void => {
        n++;
      };
      for await (const c of createReadStream(csv, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
        const s = c as string;
        parser ??= initParser(udsvInferSchema(s));
        parser.chunk<string[]>(s, parser.stringArrs, onRow);
      }
      parser?.end();
      return n;
    });
    rec({
      format: 'CSV',
      stage: 'raw-parse-udsv',
      rows: udsv.result,
      seconds: udsv.seconds,
      rowsPerSec: rate(udsv.result, udsv.seconds),
      peakRssMiB: udsv.peakRssMiB,
    });

    const ours = await measure(async () => {
      let n = 0;
      for await (const b of readCsv(createReadStream(csv, { highWaterMark: 1 << 20 }))) n += b.records.length;
      return n;
    });
    rec({
      format: 'CSV',
      stage: 'raw-parse-readCsv',
      rows: ours.result,
      seconds: ours.seconds,
      rowsPerSec: rate(ours.result, ours.seconds),
      mbPerSec: mb(size, ours.seconds),
      peakRssMiB: ours.peakRssMiB,
    });

    const v = await measure(() =>
      validateObject({
        format: 'CSV',
        source: createReadStream(csv, { highWaterMark: 1 << 20 }),
        declaredColumns,
      }),
    );
    rec({
      format: 'CSV',
      stage: 'validate-declared',
      rows: v.result.rowCount,
      seconds: v.seconds,
      rowsPerSec: rate(v.result.rowCount, v.seconds),
      mbPerSec: mb(size, v.seconds),
      peakRssMiB: v.peakRssMiB,
    });

    const vi = await measure(() =>
      validateObject({ format: 'CSV', source: createReadStream(csv, { highWaterMark: 1 << 20 }) }),
    );
    rec({
      format: 'CSV',
      stage: 'validate-inferred',
      rows: vi.result.rowCount,
      seconds: vi.seconds,
      rowsPerSec: rate(vi.result.rowCount, vi.seconds),
      peakRssMiB: vi.peakRssMiB,
    });

    const typed = await measure(async () => {
      let n = 0;
      for await (const b of readRows({
        format: 'CSV',
        source: createReadStream(csv, { highWaterMark: 1 << 20 }),
        columns: declaredColumns,
      }))
        n += b.length;
      return n;
    });
    rec({
      format: 'CSV',
      stage: 'typed-rows',
      rows: typed.result,
      seconds: typed.seconds,
      rowsPerSec: rate(typed.result, typed.seconds),
      peakRssMiB: typed.peakRssMiB,
    });

    const cp = join(dir, 'weld-cp949.csv');
    await pipeline(
      generate({ kind: 'weld-line', rows: small, seed: 'bench', format: 'CSV', encoding: 'cp949' }),
      createWriteStream(cp),
    );
    const vcp = await measure(() =>
      validateObject({
        format: 'CSV',
        encoding: 'cp949',
        source: createReadStream(cp, { highWaterMark: 1 << 20 }),
        declaredColumns,
      }),
    );
    rec({
      format: 'CSV-CP949',
      stage: 'validate-declared',
      rows: vcp.result.rowCount,
      seconds: vcp.seconds,
      rowsPerSec: rate(vcp.result.rowCount, vcp.seconds),
      peakRssMiB: vcp.peakRssMiB,
    });

    // ---- JSONL -----------------------------------------------------------------------------
    const jsonl = join(dir, 'weld.jsonl');
    await pipeline(
      generate({ kind: 'weld-line', rows: small, seed: 'bench', format: 'JSONL' }),
      createWriteStream(jsonl),
    );
    const vj = await measure(() =>
      validateObject({
        format: 'JSONL',
        source: createReadStream(jsonl, { highWaterMark: 1 << 20 }),
        declaredColumns,
      }),
    );
    rec({
      format: 'JSONL',
      stage: 'validate-declared',
      rows: vj.result.rowCount,
      bytes: vj.result.sizeBytes,
      seconds: vj.seconds,
      rowsPerSec: rate(vj.result.rowCount, vj.seconds),
      mbPerSec: mb(vj.result.sizeBytes, vj.seconds),
      peakRssMiB: vj.peakRssMiB,
    });

    // ---- Parquet ---------------------------------------------------------------------------
    const pq = join(dir, 'weld.parquet');
    const pgen = await measure(() =>
      pipeline(
        generate({ kind: 'weld-line', rows: small, seed: 'bench', format: 'PARQUET' }),
        createWriteStream(pq),
      ),
    );
    const psize = (await stat(pq)).size;
    rec({
      format: 'PARQUET',
      stage: 'generate+write',
      rows: small,
      bytes: psize,
      seconds: pgen.seconds,
      rowsPerSec: rate(small, pgen.seconds),
      peakRssMiB: pgen.peakRssMiB,
    });
    const src = fileSource(pq, psize);
    const vp = await measure(() => validateObject({ format: 'PARQUET', source: src, declaredColumns }));
    await src.close();
    rec({
      format: 'PARQUET',
      stage: 'validate-declared',
      rows: vp.result.rowCount,
      bytes: psize,
      seconds: vp.seconds,
      rowsPerSec: rate(vp.result.rowCount, vp.seconds),
      peakRssMiB: vp.peakRssMiB,
    });

    // ---- Chunked view ----------------------------------------------------------------------
    const viewRows: Row[] = [
      ...generateRows({ kind: 'weld-line', rows: Math.min(small, 200_000), seed: 'bench' }),
    ];
    for (const compression of ['none', 'gzip-1', 'gzip-6'] as const) {
      const w = new ChunkedViewWriter(declaredColumns, {
        chunkRows: 10_000,
        compression: compression === 'none' ? 'none' : 'gzip',
        gzipLevel: compression === 'gzip-6' ? 6 : 1,
      });
      const write = await measure(async () => {
        const chunks = [];
        for (let i = 0; i < viewRows.length; i += 4096) chunks.push(...w.push(viewRows.slice(i, i + 4096)));
        chunks.push(...w.finish().chunks);
        return chunks;
      });
      const bytes = write.result.reduce((s, c) => s + c.bytes.length, 0);
      const read = await measure(async () => {
        let n = 0;
        for (const c of write.result) n += readChunk(c.bytes).length;
        return n;
      });
      rec({
        format: 'CHUNKED-VIEW',
        stage: compression,
        rows: viewRows.length,
        bytes,
        bytesPerRow: Math.round((bytes / viewRows.length) * 10) / 10,
        writeRowsPerSec: rate(viewRows.length, write.seconds),
        readRowsPerSec: rate(read.result, read.seconds),
      });
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
