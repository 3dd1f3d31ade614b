/**
 * What an HTTP + GraphQL request costs on this machine in each stack, before any hub code: the
 * same 16 closed-loop analysts (bench/queries/slice-client.ts) ask `{ __typename }` of a bare
 * node:http server, of NestJS + Express + Apollo (the hub's stack) and of NestJS + Fastify +
 * Apollo, each in its own process (stack-server.ts), in turn. Reports p50/p95/p99 ms, req/s and
 * the server's and the analysts' CPU per request (from /proc).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { freePort, processes } from '../../libs/testing/src/process';

const STACKS = ['bare', 'nest-express', 'nest-fastify'] as const;

/** Options of {@link run}. */
export interface StacksBenchOptions {
  /** Requests per analyst per stack (16 analysts). Default 400. */
  requests?: number;
  /** Measurements of each stack, interleaved (the machine's speed drifts). Default 2. */
  rounds?: number;
}

function pct(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, i)] * 100) / 100;
}

const cpuMs = (pid: number) => processes().find((p) => p.pid === pid)?.cpuMs ?? 0;

async function analysts(port: number, requests: number) {
  const script = path.join(__dirname, '..', 'queries', 'slice-client.js');
  const args = { port, token: 'none', query: '{ __typename }', variables: {}, clients: 16, requests, expectRows: null };
  const child = spawn(process.execPath, [script, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`analysts failed: ${err.trim().split('\n')[0]}`);
  return JSON.parse(out) as { latencies: number[]; wallMs: number; cpuMs: number };
}

async function measure(stack: (typeof STACKS)[number], requests: number): Promise<Record<string, unknown>> {
  const port = await freePort();
  const server = spawn(
    process.execPath,
    ['--max-semi-space-size=32', path.join(__dirname, 'stack-server.js'), stack, String(port)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout.once('data', () => resolve());
      server.once('exit', (code) => reject(new Error(`the ${stack} server stopped (${code})`)));
    });
    await analysts(port, 50); // warm-up
    const cpu0 = cpuMs(server.pid!);
    const r = await analysts(port, requests);
    const serverMs = cpuMs(server.pid!) - cpu0;
    const lat = r.latencies.sort((a, b) => a - b);
    const per = (ms: number) => Math.round((ms / lat.length) * 1000) / 1000;
    return {
      bench: `http-stack.${stack}`,
      clients: 16,
      requests: lat.length,
      p50Ms: pct(lat, 50),
      p95Ms: pct(lat, 95),
      p99Ms: pct(lat, 99),
      reqPerSecond: Math.round(lat.length / (r.wallMs / 1000)),
      serverCpuMsPerRequest: per(serverMs),
      analystsCpuMsPerRequest: per(r.cpuMs),
    };
  } finally {
    server.kill('SIGTERM');
  }
}

/** Runs the comparison; returns JSON-lines-ready records. */
export async function run(opts: StacksBenchOptions = {}): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for (let round = 1; round <= (opts.rounds ?? 2); round++)
    for (const stack of STACKS) out.push({ ...(await measure(stack, opts.requests ?? 400)), round });
  return out;
}
