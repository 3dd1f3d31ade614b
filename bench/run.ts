/**
 * `npm run bench`: runs every benchmark in this process, one after another (so they do not
 * compete for the two cores), and prints one JSON line per measurement, also appended to
 * .run/bench.jsonl. `--quick` shrinks the data sizes for a smoke run; `--only NAME` runs one
 * suite. Timed tests are never used for speed targets: this is where they are measured.
 */
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

interface Suite {
  name: string;
  load: () => Promise<{ run: (opts?: Record<string, unknown>) => Promise<Array<Record<string, unknown>>> }>;
  quick: Record<string, unknown>;
  full: Record<string, unknown>;
}

const VALIDATE_BENCH = './publishing/validate.bench.js';

const SUITES: Suite[] = [
  {
    name: 'deidentification',
    load: () => import('./deidentification/engine.bench.js'),
    quick: {},
    full: {},
  },
  {
    // The risk review: ARX's Adult extract (full 12,960-node lattice) and a weld-line frequency
    // table of 10 M rows (table build timed without the generator, then the review).
    name: 'deidentification-review',
    load: () => import('./deidentification/review.bench.js'),
    quick: { rows: 1_000_000 },
    full: { rows: 10_000_000 },
  },
  {
    name: 'formats',
    load: () => import('./formats/formats.bench.js'),
    quick: { rows: 200_000 },
    full: { rows: 2_000_000 },
  },
  {
    // (a) materialization vs raw MinIO read and raw parse on one object; (c) its RSS, measured
    // in a child process that only materializes. Full: the 10 M rows (~1.2 GB).
    name: 'queries-materialize',
    load: () => import('./queries/materialize.bench.js'),
    quick: { rows: 300_000 },
    full: { rows: 10_000_000 },
  },
  {
    // (c) at 5 GB: the same materialization on 42 M rows (~5.0 GB); readCsv's baseline skipped.
    // Generating and uploading the object alone takes ~8 minutes here.
    name: 'queries-materialize-5g',
    load: () => import('./queries/materialize.bench.js'),
    quick: { rows: 1_000_000, readCsv: false },
    full: { rows: 42_000_000, readCsv: false },
  },
  {
    // The HTTP + GraphQL stack alone (bare node:http, NestJS + Express, NestJS + Fastify).
    name: 'http-stacks',
    load: () => import('./http/stacks.bench.js'),
    quick: { requests: 100, rounds: 1 },
    full: { requests: 400, rounds: 2 },
  },
  {
    // (b) slice latency, 16 concurrent analysts through HTTP GraphQL.
    name: 'queries-slice',
    load: () => import('./queries/slice.bench.js'),
    quick: { rows: 100_000, requests: 20 },
    // 6,400 requests per closed-loop case (16 × 400) after 800 of warm-up; paced cases 1,600.
    full: { rows: 10_000_000, requests: 400, pacedRequests: 100, warmupRequests: 50 },
  },
  ...(existsSync(path.join(__dirname, 'publishing', 'validate.bench.js'))
    ? [
        {
          // Publishing: validate a 2 GB CSV, worker RSS < 300 MB (child process).
          name: 'publishing-validate',
          // A computed specifier: the suite is optional, so its absence must not break the build.
          load: () => import(VALIDATE_BENCH) as Promise<Awaited<ReturnType<Suite['load']>>>,
          quick: { sizeBytes: 64 * 1024 ** 2 },
          full: { sizeBytes: 2 * 1024 ** 3 },
        },
      ]
    : []),
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
  mkdirSync('.run', { recursive: true });
  const context = {
    at: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100),
    mode: quick ? 'quick' : 'full',
  };
  const emit = (rec: Record<string, unknown>) => {
    const line = JSON.stringify(rec);
    process.stdout.write(line + '\n');
    appendFileSync('.run/bench.jsonl', line + '\n');
  };
  emit({ bench: 'context', ...context });
  for (const suite of SUITES) {
    if (only && suite.name !== only) continue;
    const t0 = Date.now();
    try {
      const mod = await suite.load();
      for (const rec of await mod.run(quick ? suite.quick : suite.full)) emit({ suite: suite.name, ...rec });
    } catch (err) {
      emit({ suite: suite.name, error: (err as Error).message });
      process.exitCode = 1;
    }
    emit({ suite: suite.name, bench: 'suite-seconds', seconds: (Date.now() - t0) / 1000 });
  }
}

void main();
