/**
 * Slice latency benchmark through the real HTTP GraphQL endpoint: an in-process hub (the
 * TestContext of libs/testing, real PostgreSQL and MinIO) on its own throwaway database
 * (maxhub_bench_test_*, migrated, dropped afterwards), a signed ACTIVE grant and a READY view of
 * a weld-line CSV of `rows` rows (the query tests' factories), then 16 concurrent analysts
 * (keep-alive connections from a separate process, slice-client.ts) each sending `requests` slice
 * queries per case back to back: pages of 100 and of
 * 1,000 rows, at the first page and deep in the view (a cursor near its end). Reports
 * p50/p95/p99/max ms and req/s per case, plus the share of the per-request PostgreSQL work.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { migrateDatabase } from '@maxhub/db';
import { encodeCursor } from '@maxhub/views';
import { Client } from 'pg';
import { ViewsService } from '../../apps/hub/src/modules/views/views.service';
import { TestContext } from '../../libs/testing/src/test-context';
import * as views from '../../libs/testing/src/views';

type BenchRecord = Record<string, unknown>;

/** Options of {@link run}. */
export interface SliceBenchOptions {
  /** Rows of the raw CSV (the view holds ~3/4 of them after the row filter). Default 400,000. */
  rows?: number;
  /** Concurrent analysts. Default 16. */
  clients?: number;
  /** Requests per client per case. Default 50. */
  requests?: number;
}

const SLICE = `query($g: ID!, $d: ID!, $f: Int, $a: String) {
  slice(grantId: $g, datasetId: $d, first: $f, after: $a) { rows rowsReturned nextCursor viewRowCount }
}`;

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, i)] * 100) / 100;
}

/** Runs the benchmark; returns JSON-lines-ready records. */
export async function run(opts: SliceBenchOptions = {}): Promise<BenchRecord[]> {
  const rows = opts.rows ?? 400_000;
  const clients = opts.clients ?? 16;
  const requests = opts.requests ?? 50;
  const base = process.env.TEST_DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432';
  const dbName = `maxhub_bench_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const url = `${base}/${dbName}`;
  await migrateDatabase(url);
  const previousUrl = process.env.MAXHUB_TEST_DATABASE_URL;
  process.env.MAXHUB_TEST_DATABASE_URL = url;
  const out: BenchRecord[] = [];
  let ctx: TestContext | undefined;
  let server: http.Server | undefined;
  try {
    ctx = await TestContext.create({ LOG_LEVEL: 'warn', DATABASE_POOL_SIZE: String(Math.max(5, clients)) });
    const f = await views.newQueryFixture(ctx, 600);
    // Replace the fixture's small object by `rows` rows of the same weld log.
    const { csv } = views.weldCsv(rows);
    const key: Array<{ object_key: string }> = await ctx.dataSource.query(
      'SELECT object_key FROM dataset_versions WHERE id = $1',
      [f.dataset.versionId],
    );
    const store = await ctx.app.get(ViewsService).storeFor(f.company.id);
    await store.put(key[0].object_key, csv);
    await ctx.dataSource.query('UPDATE dataset_versions SET size_bytes = $2, row_count = $3 WHERE id = $1', [
      f.dataset.versionId,
      csv.length,
      rows,
    ]);
    const grant = await views.newActiveGrant(ctx, f, { rowsPerQuery: 1000, queriesPerDay: 1_000_000 });
    const t0 = performance.now();
    await views.materializeViews(ctx);
    out.push({
      bench: 'slice.setup',
      rows,
      csvBytes: csv.length,
      materializeSeconds: (performance.now() - t0) / 1000,
    });

    server = ctx.app.getHttpServer() as http.Server;
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const agents = Array.from({ length: clients }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
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
    const ask = async (agent: http.Agent, first: number, after?: string) => {
      const r = await post(
        agent,
        JSON.stringify({
          query: SLICE,
          variables: { g: grant.grantId, d: f.dataset.datasetId, f: first, a: after },
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
    const probe100 = await ask(agents[0], 100);
    const probe1000 = await ask(agents[0], 1000);
    const viewRows = probe100.viewRowCount;
    const deepAt = Math.max(0, viewRows - 2000);
    out.push({ bench: 'slice.view', viewRows, deepOffset: deepAt });

    const cases: Array<{ name: string; first: number; after?: string }> = [
      { name: 'first-page-100', first: 100 },
      { name: 'deep-100', first: 100, after: encodeCursor(deepAt, queryOf(probe100.nextCursor)) },
      { name: 'first-page-1000', first: 1000 },
      { name: 'deep-1000', first: 1000, after: encodeCursor(deepAt, queryOf(probe1000.nextCursor)) },
    ];
    // The floors: the same HTTP + GraphQL path answering `__typename` (no resolver, no
    // database), then `me` (authentication and two small queries, no grant, no audit) — to tell
    // the framework's cost from the slice's own.
    for (const floor of [
      { name: 'floor-typename', query: '{ __typename }' },
      { name: 'floor-me', query: '{ me { person { id } } }' },
    ]) {
      const cpu = process.cpuUsage();
      const { latencies: lat, wallMs, cpuMs, postgresCpuMs: pgMs } = await analysts({
        port,
        token: f.analyst.token,
        query: floor.query,
        variables: {},
        clients,
        requests,
        expectRows: null,
      });
      const used = process.cpuUsage(cpu);
      lat.sort((x, y) => x - y);
      out.push({
        bench: `slice.${floor.name}`,
        clients,
        requests: lat.length,
        p50Ms: pct(lat, 50),
        p99Ms: pct(lat, 99),
        reqPerSecond: Math.round(lat.length / (wallMs / 1000)),
        hubCpuMsPerRequest: Math.round(((used.user + used.system) / 1000 / lat.length) * 100) / 100,
        postgresCpuMsPerRequest: Math.round((pgMs / lat.length) * 100) / 100,
        analystsCpuMsPerRequest: Math.round((cpuMs / lat.length) * 100) / 100,
      });
    }
    for (const c of cases) {
      const cpu = process.cpuUsage();
      const { latencies: lat, wallMs, cpuMs, postgresCpuMs: pgMs } = await analysts({
        port,
        token: f.analyst.token,
        query: SLICE,
        variables: { g: grant.grantId, d: f.dataset.datasetId, f: c.first, a: c.after },
        clients,
        requests,
        expectRows: Math.min(c.first, viewRows),
      });
      const used = process.cpuUsage(cpu);
      lat.sort((x, y) => x - y);
      out.push({
        bench: `slice.${c.name}`,
        clients,
        requests: lat.length,
        pageRows: c.first,
        p50Ms: pct(lat, 50),
        p95Ms: pct(lat, 95),
        p99Ms: pct(lat, 99),
        maxMs: pct(lat, 100),
        reqPerSecond: Math.round(lat.length / (wallMs / 1000)),
        hubCpuMsPerRequest: Math.round(((used.user + used.system) / 1000 / lat.length) * 100) / 100,
        postgresCpuMsPerRequest: Math.round((pgMs / lat.length) * 100) / 100,
        analystsCpuMsPerRequest: Math.round((cpuMs / lat.length) * 100) / 100,
        loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
        target: c.first === 100 ? 'p99 <= 20 ms' : 'p99 <= 60 ms',
        met: pct(lat, 99) <= (c.first === 100 ? 20 : 60),
      });
    }
    out.push(await auditLockShare(url));
    for (const a of agents) a.destroy();
  } finally {
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
 * Runs the analysts in a child process (dist/bench/queries/slice-client.js), so their HTTP work
 * does not share the hub's event loop; returns every request's latency in ms.
 */
async function analysts(
  args: Record<string, unknown>,
): Promise<{ latencies: number[]; wallMs: number; cpuMs: number; postgresCpuMs: number }> {
  const pg0 = postgresCpuMs();
  const script = path.join(__dirname, 'slice-client.js');
  if (!existsSync(script)) throw new Error('run `npm run build` first (the analysts run from dist)');
  const child = spawn(process.execPath, [script, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`slice analysts failed: ${stderr.trim().split('\n')[0]}`);
  const r = JSON.parse(stdout) as { latencies: number[]; wallMs: number; cpuMs: number };
  return { ...r, postgresCpuMs: postgresCpuMs() - pg0 };
}

/** CPU time (user + system, ms) of every PostgreSQL process so far, from /proc (0 where unreadable). */
function postgresCpuMs(): number {
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const f = stat.slice(close + 2).split(' ');
      total += (Number(f[11]) + Number(f[12])) * tick; // utime, stime
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
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
