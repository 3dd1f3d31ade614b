/**
 * What an HTTP + GraphQL request costs on this machine in each stack, before any hub code: the
 * same 16 closed-loop analysts (bench/queries/slice-client.ts) ask `{ __typename }` of a bare
 * node:http server, of NestJS + Express + Apollo (the hub's stack) and of NestJS + Fastify +
 * Apollo, each in its own process (stack-server.ts), in turn. Reports p50/p95/p99 ms, req/s and
 * the server's and the analysts' CPU per request (from /proc).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { freePort } from '../../libs/testing/src/process';
import { cpuMsOf, latencySummary, runAnalysts } from '../queries/analysts';

const STACKS = ['bare', 'nest-express', 'nest-fastify'] as const;

/** Options of {@link run}. */
export interface StacksBenchOptions {
  /** Requests per analyst per stack (16 analysts). Default 400. */
  requests?: number;
  /** Measurements of each stack, interleaved (the machine's speed drifts). Default 2. */
  rounds?: number;
}

/**
 * `clients` closed-loop analysts asking `{ __typename }` of one stack (after `warmup` requests
 * each): latencies, req/s, and the server's and the analysts' CPU per request.
 */
export async function measureStack(
  stack: (typeof STACKS)[number],
  requests: number,
  warmup = 50,
  clients = 16,
): Promise<Record<string, unknown>> {
  const port = await freePort();
  const server = spawn(
    process.execPath,
    ['--max-semi-space-size=32', path.join(__dirname, 'stack-server.js'), stack, String(port)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const ask = (n: number) =>
    runAnalysts({
      port,
      token: 'none',
      query: '{ __typename }',
      variables: {},
      clients,
      requests: n,
      expectRows: null,
    });
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout.once('data', () => resolve());
      server.once('exit', (code) => reject(new Error(`the ${stack} server stopped (${code})`)));
    });
    await ask(warmup);
    const pids = new Set([server.pid!]);
    const cpu0 = cpuMsOf(pids);
    const r = await ask(requests);
    const serverMs = cpuMsOf(pids) - cpu0;
    const per = (ms: number) => Math.round((ms / r.latencies.length) * 1000) / 1000;
    return {
      bench: `http-stack.${stack}`,
      clients,
      ...latencySummary(r.latencies, r.wallMs),
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
    for (const stack of STACKS) out.push({ ...(await measureStack(stack, opts.requests ?? 400)), round });
  return out;
}
