/**
 * Slice latency benchmark through the real HTTP GraphQL endpoint, on the dataset: the
 * generated weld-line log (libs/synthetic, seed "bench", `rows` rows; 10 M in full mode, the
 * same rows the materialization suite measures) published by a company, granted to a working
 * group under BENCH_GRANT (signed, ACTIVE) and materialized by the worker code, all made by an
 * in-process hub (the TestContext of test/support, real PostgreSQL and MinIO) on a throwaway
 * database (maxhub_bench_test_*, migrated, dropped afterwards). The queries are then served as
 * deployed — the built hub (`node dist/apps/hub/src/main.js`, NODE_ENV=production) with
 * HUB_PROCESSES = 1, then 2 — to 16 concurrent analysts in a separate process (slice-client.ts:
 * keep-alive connections, requests back to back, no think time; then paced): pages of 100 and
 * 1,000 rows, at the first page and deep in the view (a cursor 2,000 rows before its end), plus
 * three floors (a bare node:http server; through the hub `__typename` and `me`). Reports
 * p50/p95/p99/max ms, req/s and the CPU each request cost the hub, PostgreSQL and the analysts
 * (from /proc). Then one analyst exports the whole view in each format (rows/s, hub CPU and RSS).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { migrateDatabase } from '@maxhub/db';
import { createDevAlliancePki } from '@maxhub/pki';
import { encodeCursor } from '@maxhub/views';
import { Client } from 'pg';
import { TestContext } from '../../test/support/test-context';
import { newDatasetVersion } from '../../test/support/grants';
import { freePort, processes, procStatusKiB } from '../../libs/testing/src/process';
import * as views from '../../test/support/views';
import { columnsOf, generate } from '../../libs/synthetic/src/index';
import { measureStack } from '../http/stacks.bench';
import { cpuMsOf, latencySummary, runAnalysts } from './analysts';
import { BENCH_GRANT } from './grant';

type BenchRecord = Record<string, unknown>;

/** Options of {@link run}. */
export interface SliceBenchOptions {
  /** Rows of the generated weld-line CSV (the grant's row filter keeps about 2/3). Default 400,000. */
  rows?: number;
  /** Concurrent analysts. Default 16. */
  clients?: number;
  /** Requests per client per closed-loop case. Default 50. */
  requests?: number;
  /** Requests per client per paced case (each takes requests / pace seconds). Default `requests`. */
  pacedRequests?: number;
  /** Warm-up requests per client per case before measuring (JIT, caches). Default 10. */
  warmupRequests?: number;
  /** Hub process counts to measure (HUB_PROCESSES), each in turn. Default [1, 2]. */
  hubProcesses?: number[];
  /** Paced runs: pages per second per analyst. Default [5, 15]. */
  pacesPerSecond?: number[];
  /** Only these cases (e.g. ["first-page-100"]; the floors always run), for profiling one. Default all. */
  cases?: string[];
  /** Whole-view exports to measure, with the first hub process count. Default CSV, JSONL, PARQUET. */
  exportFormats?: Array<'CSV' | 'JSONL' | 'PARQUET'>;
}

const SLICE = `query($g: ID!, $d: ID!, $f: Int, $a: String) {
  slice(grantId: $g, datasetId: $d, first: $f, after: $a) { rows rowsReturned nextCursor viewRowCount }
}`;

/** Runs the benchmark; returns JSON-lines-ready records. */
export async function run(opts: SliceBenchOptions = {}): Promise<BenchRecord[]> {
  const rows = opts.rows ?? 400_000;
  const clients = opts.clients ?? 16;
  const requests = opts.requests ?? 50;
  const pacedRequests = opts.pacedRequests ?? requests;
  const warmupRequests = opts.warmupRequests ?? 10;
  const exportFormats = opts.exportFormats ?? ['CSV', 'JSONL', 'PARQUET'];
  const processCounts = opts.hubProcesses ?? [1, 2];
  const pacesPerSecond = opts.pacesPerSecond ?? [5, 15];
  const base = process.env.TEST_DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432';
  const dbName = `maxhub_bench_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const url = `${base}/${dbName}`;
  await migrateDatabase(url);
  const previousUrl = process.env.MAXHUB_TEST_DATABASE_URL;
  process.env.MAXHUB_TEST_DATABASE_URL = url;
  const out: BenchRecord[] = [];
  const cleanups: Array<() => void> = [];
  let ctx: TestContext | undefined;
  let server: http.Server | undefined;
  try {
    // One CA, one set of secrets for the fixtures (made in this process) and the hub processes.
    const pkiDir = mkdtempSync(path.join(os.tmpdir(), 'maxhub-bench-ca-'));
    cleanups.push(() => rmSync(pkiDir, { recursive: true, force: true }));
    const ca = createDevAlliancePki();
    const files = { root: 'root-ca.crt', issuing: 'issuing-ca.crt', key: 'issuing-ca.key' };
    writeFileSync(path.join(pkiDir, files.root), ca.rootCertPem);
    writeFileSync(path.join(pkiDir, files.issuing), ca.issuingCertPem);
    writeFileSync(path.join(pkiDir, files.key), ca.issuingKeyPem, { mode: 0o600 });
    const shared = {
      HUB_MASTER_SECRET: randomBytes(32).toString('hex'),
      HUB_CREDENTIALS_KEY: randomBytes(32).toString('hex'),
      PKI_ROOT_CERT_FILE: path.join(pkiDir, files.root),
      PKI_ISSUING_CERT_FILE: path.join(pkiDir, files.issuing),
      PKI_ISSUING_KEY_FILE: path.join(pkiDir, files.key),
    };
    ctx = await TestContext.create({ LOG_LEVEL: 'warn', DATABASE_POOL_SIZE: '5', ...shared });
    const hubEnv: Record<string, string> = {
      ...shared,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_URL: url,
      DATABASE_POOL_SIZE: String(clients),
      MINIO_ENDPOINT: ctx.config.minio.endpoint,
      MINIO_ACCESS_KEY: ctx.config.minio.accessKey,
      MINIO_SECRET_KEY: ctx.config.minio.secretKey,
      // The analysts are 16 clients on one address asking back to back: measured, not limited.
      RATE_LIMIT_GRAPHQL_PER_TOKEN: '0',
      RATE_LIMIT_GRAPHQL_PER_ADDRESS: '0',
      RATE_LIMIT_GRAPHQL_KIB_PER_ADDRESS: '0',
      RATE_LIMIT_EXPORTS_PER_TOKEN: '0',
      RATE_LIMIT_EXPORTS_PER_ADDRESS: '0',
    };
    const f = await views.newQueryFixture(ctx, 600);
    // The dataset: the generated weld-line log (libs/synthetic, seed "bench": the same
    // rows the materialization suite measures), published by the fixture's company and granted
    // under the same terms as there (BENCH_GRANT).
    const dataset = await newDatasetVersion(ctx, f.company.id, columnsOf('weld-line'));
    const key: Array<{ object_key: string }> = await ctx.dataSource.query(
      'SELECT object_key FROM dataset_versions WHERE id = $1',
      [dataset.versionId],
    );
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'maxhub-bench-slice-'));
    cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
    const file = path.join(tmp, 'weld-line.csv');
    const g0 = performance.now();
    await pipeline(
      generate({ kind: 'weld-line', rows, format: 'CSV', seed: 'bench' }),
      createWriteStream(file),
    );
    await ctx.minio().fPutObject(f.company.bucket, key[0].object_key, file);
    const size = statSync(file).size;
    rmSync(file);
    await ctx.dataSource.query('UPDATE dataset_versions SET size_bytes = $2, row_count = $3 WHERE id = $1', [
      dataset.versionId,
      size,
      rows,
    ]);
    out.push({ bench: 'slice.generate-upload', rows, bytes: size, seconds: (performance.now() - g0) / 1000 });
    const grant = await views.newActiveGrant(
      ctx,
      f,
      {
        rowsPerQuery: 1000,
        queriesPerDay: 1_000_000,
        // The benchmark exports whole views of millions of rows, many times.
        exports: { allowed: true, maxRowsPerExport: 100_000_000, perDay: 1000 },
      },
      [{ datasetId: dataset.datasetId, version: dataset.version, ...BENCH_GRANT }],
    );
    const t0 = performance.now();
    await views.materializeViews(ctx);
    out.push({
      bench: 'slice.setup',
      rows,
      csvBytes: size,
      materializeSeconds: (performance.now() - t0) / 1000,
    });

    server = ctx.app.getHttpServer() as http.Server;
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const post = (agent: http.Agent, body: string): Promise<{ status: number; text: string }> =>
      new Promise((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            path: '/graphql',
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              authorization: `Bearer ${f.analyst.token}`,
            },
          },
          (res) => {
            const parts: Buffer[] = [];
            res.on('data', (c: Buffer) => parts.push(c));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const ask = async (through: http.Agent, first: number, after?: string) => {
      const r = await post(
        through,
        JSON.stringify({
          query: SLICE,
          variables: { g: grant.grantId, d: dataset.datasetId, f: first, a: after },
        }),
      );
      const body = JSON.parse(r.text) as {
        data?: { slice: { rowsReturned: number; viewRowCount: number; nextCursor: string | null } };
        errors?: Array<{ message: string; extensions?: { reason?: string } }>;
      };
      if (body.errors?.length)
        throw new Error(`slice failed: ${body.errors[0].extensions?.reason ?? body.errors[0].message}`);
      return body.data!.slice;
    };

    // A deep cursor: offset (view size - 2,000), bound to the query as the hub binds it (the
    // query part of a cursor the hub issued for the same query).
    const queryOf = (cursor: string | null): string =>
      (JSON.parse(Buffer.from(cursor ?? '', 'base64url').toString('utf8')) as { q: string }).q;
    const probe100 = await ask(agent, 100);
    const probe1000 = await ask(agent, 1000);
    const viewRows = probe100.viewRowCount;
    const deepAt = Math.max(0, viewRows - 2000);
    out.push({ bench: 'slice.view', viewRows, deepOffset: deepAt });

    const cases: Array<{ name: string; first: number; after?: string }> = [
      { name: 'first-page-100', first: 100 },
      { name: 'deep-100', first: 100, after: encodeCursor(deepAt, queryOf(probe100.nextCursor)) },
      { name: 'first-page-1000', first: 1000 },
      { name: 'deep-1000', first: 1000, after: encodeCursor(deepAt, queryOf(probe1000.nextCursor)) },
    ].filter((c) => !opts.cases || opts.cases.includes(c.name));

    // The machine's own floor, for scale: the same analysts against a bare node:http server.
    out.push({
      ...(await measureStack('bare', requests, warmupRequests, clients)),
      bench: 'slice.floor-node-http',
    });

    // Served as deployed: `node dist/apps/hub/src/main.js` with HUB_PROCESSES processes, in
    // production mode, on the same database, MinIO and CA as the fixtures.
    for (const processes of processCounts) {
      const hub = await startHub({ ...hubEnv, HUB_PROCESSES: String(processes) });
      try {
        const measure = async (
          name: string,
          query: string,
          variables: Record<string, unknown>,
          expectRows: number | null,
          pacePerSecond?: number,
        ) => {
          const hub0 = cpuMsOf(hub.pids());
          const {
            latencies: lat,
            wallMs,
            cpuMs,
            postgresCpuMs: pgMs,
          } = await analysts({
            port: hub.port,
            token: f.analyst.token,
            query,
            variables,
            clients,
            requests: pacePerSecond ? pacedRequests : requests,
            expectRows,
            pacePerSecond,
          });
          const hubMs = cpuMsOf(hub.pids()) - hub0;
          const perRequest = (ms: number) => Math.round((ms / lat.length) * 100) / 100;
          return {
            bench: `slice.${name}`,
            hubProcesses: processes,
            clients,
            ...latencySummary(lat, wallMs),
            hubCpuMsPerRequest: perRequest(hubMs),
            postgresCpuMsPerRequest: perRequest(pgMs),
            analystsCpuMsPerRequest: perRequest(cpuMs),
            loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
          };
        };
        // The floors: the same HTTP + GraphQL path answering `__typename` (no resolver, no
        // database), then `me` (authentication and two small queries, no grant, no audit) — to
        // tell the framework's cost from the slice's own.
        // Warm-up, not recorded: JIT, and the view's manifest and chunks cached in every process.
        for (const c of cases)
          await analysts({
            port: hub.port,
            token: f.analyst.token,
            query: SLICE,
            variables: { g: grant.grantId, d: dataset.datasetId, f: c.first, a: c.after },
            clients,
            requests: warmupRequests,
            expectRows: Math.min(c.first, viewRows),
          });
        for (const query of ['{ __typename }', '{ me { person { id } } }'])
          await analysts({
            port: hub.port,
            token: f.analyst.token,
            query,
            variables: {},
            clients,
            requests: warmupRequests,
            expectRows: null,
          });
        out.push(await measure('floor-typename', '{ __typename }', {}, null));
        out.push(await measure('floor-me', '{ me { person { id } } }', {}, null));
        for (const c of cases) {
          const r = await measure(
            c.name,
            SLICE,
            { g: grant.grantId, d: dataset.datasetId, f: c.first, a: c.after },
            Math.min(c.first, viewRows),
          );
          const target = c.first === 100 ? 20 : 60;
          out.push({ ...r, pageRows: c.first, target: `p99 <= ${target} ms`, met: r.p99Ms <= target });
        }
        // The same 16 analysts paced (each asks `pace` pages a second): latency at a given load,
        // for capacity planning. The targets are judged on the closed loop above.
        for (const pace of pacesPerSecond)
          for (const c of cases.filter((x) => x.name.startsWith('first-page'))) {
            const r = await measure(
              `${c.name}-paced`,
              SLICE,
              { g: grant.grantId, d: dataset.datasetId, f: c.first, a: c.after },
              Math.min(c.first, viewRows),
              pace,
            );
            out.push({
              ...r,
              pageRows: c.first,
              pacePerAnalystPerSecond: pace,
              offeredPerSecond: pace * clients,
            });
          }
        // One analyst exporting the whole view in each format, through the same hub (once).
        if (exportFormats.length > 0 && processes === processCounts[0])
          for (const format of exportFormats)
            out.push(await exportOnce(hub, f.analyst.token, grant.grantId, dataset.datasetId, format));
      } finally {
        await hub.stop();
      }
    }
    out.push(await auditLockShare(url));
    agent.destroy();
  } finally {
    for (const c of cleanups) c();
    await ctx?.close().catch(() => undefined);
    if (previousUrl === undefined) delete process.env.MAXHUB_TEST_DATABASE_URL;
    else process.env.MAXHUB_TEST_DATABASE_URL = previousUrl;
    const admin = new Client({ connectionString: `${base}/postgres` });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
  }
  return out;
}

/**
 * Runs the analysts (in their own process, so their HTTP work does not share the hub's event
 * loop) and adds the CPU PostgreSQL spent meanwhile.
 */
async function analysts(
  args: Record<string, unknown>,
): Promise<{ latencies: number[]; wallMs: number; cpuMs: number; postgresCpuMs: number }> {
  const pg0 = postgresCpu();
  const r = await runAnalysts(args);
  return { ...r, postgresCpuMs: postgresCpuSince(pg0) };
}

/** CPU time so far of every PostgreSQL process, by pid. */
function postgresCpu(): Map<number, number> {
  return new Map(
    processes()
      .filter((p) => p.name === 'postgres')
      .map((p) => [p.pid, p.cpuMs]),
  );
}

/**
 * CPU PostgreSQL spent since `before` (from {@link postgresCpu}): per process, so a backend that
 * ended meanwhile does not count negative (its last moments are lost; new ones count in full).
 */
function postgresCpuSince(before: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of postgresCpu()) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** CPU time so far of the given processes. */

const EXPORT = `mutation($g: ID!, $d: ID!, $f: ExportFormat!) {
  exportSlice(grantId: $g, datasetId: $d, format: $f) { path rowCount }
}`;

/**
 * One analyst exports the whole view (exportSlice, then GET of its path with the bearer token,
 * bytes counted and dropped as they arrive): rows/s, MB/s, the hub's CPU and its peak RSS while
 * streaming (VmRSS summed over its processes, sampled every 50 ms).
 */
async function exportOnce(
  hub: { port: number; pids: () => Set<number> },
  token: string,
  grantId: string,
  datasetId: string,
  format: 'CSV' | 'JSONL' | 'PARQUET',
): Promise<BenchRecord> {
  const request = (method: string, p: string, body?: string) =>
    new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: hub.port,
          path: p,
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
        },
        resolve,
      );
      req.on('error', reject);
      req.end(body);
    });
  const text = async (res: http.IncomingMessage) => {
    const parts: Buffer[] = [];
    for await (const c of res) parts.push(c as Buffer);
    return Buffer.concat(parts).toString('utf8');
  };
  const r = JSON.parse(
    await text(
      await request(
        'POST',
        '/graphql',
        JSON.stringify({ query: EXPORT, variables: { g: grantId, d: datasetId, f: format } }),
      ),
    ),
  ) as { data?: { exportSlice: { path: string; rowCount: number } }; errors?: Array<{ message: string }> };
  if (!r.data) throw new Error(`exportSlice failed: ${r.errors?.[0]?.message}`);
  const pids = [...hub.pids()];
  const rss = () => pids.reduce((sum, pid) => sum + procStatusKiB(pid, 'VmRSS'), 0) / 1024;
  const rssBefore = rss();
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, rss())), 50);
  const cpu0 = cpuMsOf(hub.pids());
  const t0 = performance.now();
  let bytes = 0;
  try {
    const res = await request('GET', r.data.exportSlice.path);
    if (res.statusCode !== 200)
      throw new Error(`export download failed: HTTP ${res.statusCode} ${await text(res)}`);
    for await (const c of res) bytes += (c as Buffer).length;
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - t0) / 1000;
  const rows = r.data.exportSlice.rowCount;
  return {
    bench: `slice.export-${format.toLowerCase()}`,
    rows,
    bytes,
    seconds: Math.round(seconds * 100) / 100,
    rowsPerSecond: Math.round(rows / seconds),
    mbPerSecond: Math.round((bytes / 1e6 / seconds) * 10) / 10,
    hubCpuSeconds: Math.round(cpuMsOf(hub.pids()) - cpu0) / 1000,
    hubRssBeforeMiB: Math.round(rssBefore),
    hubPeakRssMiB: Math.round(peak),
  };
}

/** Node flags of the hub in scripts/start.sh and the Dockerfile. */
const HUB_NODE_FLAGS = '--max-semi-space-size=32';

/**
 * Starts the built hub (dist/apps/hub/src/main.js) with `env` on a free port, waits until every
 * one of its processes answers, and returns its port, its process ids (the supervisor and its
 * workers) and a stop function (SIGTERM, then wait for exit).
 */
async function startHub(
  env: Record<string, string>,
): Promise<{ port: number; pids: () => Set<number>; stop: () => Promise<void> }> {
  const script = path.join(__dirname, '..', '..', 'apps', 'hub', 'src', 'main.js');
  if (!existsSync(script)) throw new Error('run `npm run build` first (the hub runs from dist)');
  const port = await freePort();
  // The hub's flags as `npm start` and the Docker image run it; BENCH_HUB_NODE_FLAGS replaces
  // them (e.g. "--max-semi-space-size=32 --cpu-prof --cpu-prof-dir=/tmp/hub-prof" to profile).
  const flags = (process.env.BENCH_HUB_NODE_FLAGS ?? HUB_NODE_FLAGS).split(' ').filter((f) => f !== '');
  const child = spawn(process.execPath, [...flags, script], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const pids = () => {
    const all = processes();
    return new Set([child.pid!, ...all.filter((p) => p.ppid === child.pid).map((p) => p.pid)]);
  };
  const wanted = Number(env.HUB_PROCESSES ?? '1');
  const deadline = Date.now() + 60_000;
  // Ready when /health answers and (with workers) all of them exist and listen.
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the hub stopped: ${stderr.trim().split('\n')[0]}`);
    if (Date.now() > deadline) throw new Error('the hub did not answer within 60 s');
    const ok = await new Promise<boolean>((resolve) => {
      http
        .get({ host: '127.0.0.1', port, path: '/health' }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        })
        .on('error', () => resolve(false));
    });
    const workers = pids().size - 1;
    if (ok && (wanted === 1 || workers >= wanted)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (wanted > 1) await new Promise((r) => setTimeout(r, 2000)); // the last worker's listen
  return {
    port,
    pids,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Per-statement time of the audit appends (pg_stat_statements when present), else marked unknown. */
async function auditLockShare(url: string): Promise<BenchRecord> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const n = await c.query(`SELECT count(*)::int AS n FROM audit_entries WHERE action = 'query.slice'`);
    return { bench: 'slice.audit', auditEntries: n.rows[0].n };
  } catch (err) {
    return { bench: 'slice.audit', error: (err as Error).message };
  } finally {
    await c.end();
  }
}
