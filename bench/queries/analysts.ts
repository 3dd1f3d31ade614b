/**
 * Running the benchmark analysts (slice-client.ts, from dist, in their own process) and
 * summarizing what they measured: shared by the slice and http-stacks suites.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { processes } from '../../libs/testing/src/process';

/** The `p`-th percentile of sorted values, rounded to 0.01. */
export function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, i)] * 100) / 100;
}

/** Requests, p50/p95/p99/max in ms and req/s of one case's latencies (sorted in place). */
export function latencySummary(
  latencies: number[],
  wallMs: number,
): { requests: number; p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number; reqPerSecond: number } {
  const lat = latencies.sort((x, y) => x - y);
  return {
    requests: lat.length,
    p50Ms: pct(lat, 50),
    p95Ms: pct(lat, 95),
    p99Ms: pct(lat, 99),
    maxMs: pct(lat, 100),
    reqPerSecond: Math.round(lat.length / (wallMs / 1000)),
  };
}

/** CPU time so far (ms) of the given processes. */
export function cpuMsOf(pids: ReadonlySet<number>): number {
  return processes()
    .filter((p) => pids.has(p.pid))
    .reduce((sum, p) => sum + p.cpuMs, 0);
}

/**
 * Runs the analysts with `args` (see slice-client.ts) and returns every request's latency in
 * ms, the wall time and the analysts' own CPU time.
 */
export async function runAnalysts(
  args: Record<string, unknown>,
): Promise<{ latencies: number[]; wallMs: number; cpuMs: number }> {
  const script = path.join(__dirname, 'slice-client.js');
  if (!existsSync(script)) throw new Error('run `npm run build` first (the analysts run from dist)');
  const child = spawn(process.execPath, [script, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`the analysts failed: ${stderr.trim().split('\n')[0]}`);
  return JSON.parse(stdout) as { latencies: number[]; wallMs: number; cpuMs: number };
}
