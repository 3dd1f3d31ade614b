/**
 * Materialization benchmark on the generated weld-line dataset (libs/synthetic), side by side in
 * one run on the SAME object in a real MinIO bucket: raw MinIO read, the fastest raw CSV parse
 * (udsv, and our readCsv raw records), and materializeView (one process, one core: typed rows →
 * row filter → pseudonyms, generalization, drop → two-pass k-anonymity → gzip chunks uploaded to
 * MinIO, manifest last), with peak RSS sampled every 25 ms. `rows` defaults to 10,000,000.
 */
import { randomBytes } from 'node:crypto';
import { inferSchema, initParser } from 'udsv';
import { readCsv, readRows } from '@maxhub/formats';
import { createClient, ensureBucket } from '@maxhub/storage';
import { deleteView, materializeView, minioStore, s3RandomAccess } from '@maxhub/views';
import { columnsOf, generate } from '../../libs/synthetic/src/index';

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

/** The grant the benchmark materializes: what a real weld-line grant looks like. */
export const BENCH_GRANT = {
  columns: [
    {
      name: 'timestamp',
      transform: { kind: 'generalize', generalization: { method: 'time', level: 'hour' } },
    },
    { name: 'plant', transform: { kind: 'keep' } },
    { name: 'line', transform: { kind: 'keep' } },
    { name: 'station', transform: { kind: 'keep' } },
    { name: 'operator_id', transform: { kind: 'pseudonymize', bits: 128 } },
    { name: 'shift', transform: { kind: 'keep' } },
    { name: 'weld_current_a', transform: { kind: 'noise', magnitude: 2, digits: 1 } },
    { name: 'temperature_c', transform: { kind: 'keep' } },
    { name: 'defect', transform: { kind: 'keep' } },
  ],
  rowFilter: [{ column: 'plant', op: 'in', values: ['Ulsan-1', 'Asan-2'] }],
  kAnonymity: { k: 5, quasiIdentifiers: ['timestamp', 'plant', 'line', 'shift'], suppressionLimit: 0.05 },
};

export async function run(opts: { rows?: number; endpoint?: string } = {}): Promise<BenchRecord[]> {
  const rows = opts.rows ?? 10_000_000;
  const client = createClient({
    url: opts.endpoint ?? process.env.MINIO_ENDPOINT ?? 'http://127.0.0.1:9000',
    region: 'us-east-1',
    accessKey: process.env.MINIO_ACCESS_KEY ?? 'maxhub-dev',
    secretKey: process.env.MINIO_SECRET_KEY ?? 'maxhub-dev-secret',
  });
  const bucket = `bench-views-${randomBytes(3).toString('hex')}`;
  await ensureBucket(client, bucket, 'us-east-1');
  const key = 'datasets/weld-line.csv';
  const out: BenchRecord[] = [];
  try {
    const up = await measure(() =>
      client.putObject(bucket, key, generate({ kind: 'weld-line', rows, format: 'CSV', seed: 'bench' })),
    );
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

    const ours = await measure(async () => {
      let n = 0;
      for await (const b of readCsv(await client.getObject(bucket, key))) n += b.records.length;
      return n;
    });
    out.push({
      bench: 'views.raw-csv-parse.readCsv',
      rows: ours.result,
      seconds: ours.seconds,
      rowsPerSecond: Math.round(rows / ours.seconds),
    });

    const store = minioStore(client, bucket);
    const columns = columnsOf('weld-line');
    const mat = await measure(() =>
      materializeView({
        store,
        prefix: 'shares/bench/v1/',
        grantId: '00000000-0000-4000-8000-000000000001',
        masterSecret: randomBytes(32),
        datasetColumns: columns,
        granted: BENCH_GRANT,
        openRows: () =>
          readRows({
            format: 'CSV',
            source: s3RandomAccess(client, bucket, key, size),
            encoding: 'utf-8',
            columns,
          }),
      }),
    );
    const s = mat.result.view.summary;
    const fastestParse = Math.max(rows / udsv.seconds, rows / ours.seconds);
    out.push({
      bench: 'views.materialize',
      rows,
      bytes: size,
      seconds: mat.seconds,
      rowsPerSecond: Math.round(rows / mat.seconds),
      ratioToFastestRawParse: Math.round((rows / mat.seconds / fastestParse) * 1000) / 1000,
      passes: 2,
      rowsOut: s.rowsOut,
      rowsFiltered: s.rowsFiltered,
      rowsSuppressed: s.rowsSuppressed,
      chunks: mat.result.chunks.length,
      viewBytes: s.bytes,
      peakRssMiB: mat.peakRssMiB,
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
