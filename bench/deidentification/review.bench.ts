/**
 * Benchmarks of the risk review (libs/deidentification/src/review.ts), run by the bench runner
 * after the project build; `run()` returns JSON-lines-ready records.
 * - adult: ARX's UCI Adult extract (the unit tests' vectors, 30,162 rows) with ARX's hierarchies:
 *   frequency-table build, then reviews of the full 12,960-node lattice (nine QIs; k = 5 with 4 %
 *   suppression, k = 100 with none) searched with pruning and exhaustively, and two of ARX's
 *   t-closeness / entropy-ℓ settings (eight QIs, 4,320 nodes).
 * - weld: `rows` weld-line rows from @maxhub/synthetic (10 M in the full run) counted into a
 *   frequency table (timestamp counted by the hour, plant, plant name, line, shift; defect
 *   sensitive), timing only the table's own work (generation excluded), then reviewed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildFrequencyTable,
  FrequencyTableBuilder,
  reviewRisk,
  type Generalization,
  type ReviewQuasiIdentifier,
  type RiskReviewOptions,
} from '@maxhub/deidentification';
import type { Row } from '@maxhub/formats';
import { generateBatches } from '@maxhub/synthetic';

const ADULT = join(process.cwd(), 'libs/deidentification/test-vectors/arx-adult');
const NINE = [
  'sex',
  'age',
  'race',
  'marital-status',
  'education',
  'native-country',
  'workclass',
  'occupation',
  'salary-class',
];

function lines(file: string): string[][] {
  return readFileSync(join(ADULT, file), 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.length > 0)
    .map((l) => l.split(';'));
}

function seconds(t0: bigint): number {
  return Number((Number(process.hrtime.bigint() - t0) / 1e9).toFixed(3));
}

/** CPU seconds (user + system) since `c0`: steadier than wall time on a shared machine. */
function cpuSeconds(c0: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(c0);
  return Number(((c.user + c.system) / 1e6).toFixed(3));
}

function adultQis(columns: string[]): ReviewQuasiIdentifier[] {
  return columns.map((name) => ({
    name,
    type: name === 'age' ? 'integer' : 'string',
    hierarchy: { method: 'table', rows: lines(`adult_hierarchy_${name}.csv`) },
  }));
}

function benchAdult(): Array<Record<string, unknown>> {
  const [header, ...data] = lines('adult.csv');
  const rows: Row[] = data.map((cells) =>
    Object.fromEntries(header.map((h, i) => [h, h === 'age' ? Number(cells[i]) : cells[i]])),
  );
  const out: Array<Record<string, unknown>> = [];
  let t0 = process.hrtime.bigint();
  const nine = buildFrequencyTable(rows, { quasiIdentifiers: NINE });
  out.push({ bench: 'adult-table', rows: rows.length, classes: nine.classes, seconds: seconds(t0) });
  const eight = NINE.filter((c) => c !== 'occupation');
  const withOccupation = buildFrequencyTable(rows, { quasiIdentifiers: eight, sensitive: ['occupation'] });
  const cases: Array<[string, typeof nine, string[], Partial<RiskReviewOptions>]> = [
    ['k=5 4% (pruned)', nine, NINE, { models: { k: 5 }, suppressionLimit: 0.04 }],
    ['k=5 4% (exhaustive)', nine, NINE, { models: { k: 5 }, suppressionLimit: 0.04, exhaustive: true }],
    ['k=100 0% (pruned)', nine, NINE, { models: { k: 100 }, suppressionLimit: 0 }],
    ['k=100 0% (exhaustive)', nine, NINE, { models: { k: 100 }, suppressionLimit: 0, exhaustive: true }],
    [
      'ordered t=0.2 k=5 4% (pruned)',
      withOccupation,
      eight,
      {
        models: { k: 5, tCloseness: [{ column: 'occupation', measure: 'ordered', t: 0.2 }] },
        suppressionLimit: 0.04,
      },
    ],
    [
      'ordered t=0.2 k=5 4% (exhaustive)',
      withOccupation,
      eight,
      {
        models: { k: 5, tCloseness: [{ column: 'occupation', measure: 'ordered', t: 0.2 }] },
        suppressionLimit: 0.04,
        exhaustive: true,
      },
    ],
    [
      'entropy l=5 4% (pruned)',
      withOccupation,
      eight,
      {
        models: { lDiversity: [{ column: 'occupation', variant: 'entropy', l: 5 }] },
        suppressionLimit: 0.04,
      },
    ],
  ];
  for (const [name, table, columns, options] of cases) {
    t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const r = reviewRisk(table, {
      quasiIdentifiers: adultQis(columns),
      models: {},
      suppressionLimit: 0,
      ...options,
    });
    out.push({
      bench: 'adult-review',
      case: name,
      seconds: seconds(t0),
      cpuSeconds: cpuSeconds(c0),
      nodes: r.search.nodes,
      nodesEvaluated: r.search.nodesEvaluated,
      levels: r.levelVector.join(','),
      dmStar: r.informationLoss.dmStar,
      rowsSuppressed: r.rowsSuppressed,
    });
  }
  return out;
}

const time = (level: 'hour' | 'day' | 'month' | 'year'): Generalization => ({ method: 'time', level });
const TIMESTAMP = [time('hour'), time('day'), time('month'), time('year')];
const WELD_QIS: ReviewQuasiIdentifier[] = [
  { name: 'timestamp', type: 'timestamp', hierarchy: TIMESTAMP },
  { name: 'plant', type: 'string', hierarchy: [] },
  { name: 'plant_name', type: 'string', hierarchy: [] },
  {
    name: 'line',
    type: 'string',
    hierarchy: {
      method: 'table',
      rows: [
        ['BIW-L1', 'BIW-L1/2', '*'],
        ['BIW-L2', 'BIW-L1/2', '*'],
        ['BIW-L3', 'BIW-L3/4', '*'],
        ['BIW-L4', 'BIW-L3/4', '*'],
      ],
    },
  },
  { name: 'shift', type: 'string', hierarchy: [] },
];

function benchWeld(rows: number): Array<Record<string, unknown>> {
  const builder = new FrequencyTableBuilder({
    quasiIdentifiers: [
      { name: 'timestamp', base: { hierarchy: TIMESTAMP, type: 'timestamp', level: 1 } },
      'plant',
      'plant_name',
      'line',
      'shift',
    ],
    sensitive: ['defect'],
  });
  const t0 = process.hrtime.bigint();
  let counting = 0n;
  let countingCpu = 0;
  for (const batch of generateBatches({ kind: 'weld-line', rows, seed: 'bench-review' }, 8192)) {
    const c0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    for (const row of batch) builder.add(row);
    counting += process.hrtime.bigint() - c0;
    countingCpu += cpuSeconds(cpu0);
  }
  const total = seconds(t0);
  const f0 = process.hrtime.bigint();
  const fc0 = process.cpuUsage();
  const table = builder.finish();
  const finish = seconds(f0);
  const finishCpu = cpuSeconds(fc0);
  const countSeconds = Number((Number(counting) / 1e9).toFixed(3));
  const r0 = process.hrtime.bigint();
  const rc0 = process.cpuUsage();
  const review = reviewRisk(table, {
    quasiIdentifiers: WELD_QIS,
    models: {
      k: 10,
      lDiversity: [{ column: 'defect', variant: 'distinct', l: 2 }],
      tCloseness: [{ column: 'defect', measure: 'equal', t: 0.02 }],
    },
    suppressionLimit: 0.04,
  });
  return [
    {
      bench: 'weld-table',
      rows,
      classes: table.classes,
      countSeconds,
      finishSeconds: finish,
      tableSeconds: Number((countSeconds + finish).toFixed(3)),
      tableCpuSeconds: Number((countingCpu + finishCpu).toFixed(3)),
      rowsPerSecond: Math.round(rows / (countSeconds + finish)),
      withGenerationSeconds: Number((total + finish).toFixed(3)),
      heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    },
    {
      bench: 'weld-review',
      rows,
      classes: table.classes,
      seconds: seconds(r0),
      cpuSeconds: cpuSeconds(rc0),
      nodes: review.search.nodes,
      nodesEvaluated: review.search.nodesEvaluated,
      levels: review.levelVector.join(','),
      rowsSuppressed: review.rowsSuppressed,
      releasedClasses: review.classes,
      tAchieved: review.tCloseness[0].achieved,
    },
  ];
}

/** Runs the review benchmarks; `rows` is the weld-line size (10 M in the full run). */
export async function run(opts: { rows?: number } = {}): Promise<Array<Record<string, unknown>>> {
  return [...benchAdult(), ...benchWeld(opts.rows ?? 10_000_000)];
}
