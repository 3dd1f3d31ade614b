/**
 * Benchmarks of the de-identification engine, run by the bench runner after the project build:
 * `run()` returns JSON-lines-ready records and stays well under 60 s.
 * - pipeline: a weld-line-like row of 10 columns (2 pseudonymized, 1 timestamp generalized to the
 *   hour, 1 noised, 1 dropped, 5 kept) through a compiled pipeline, rows/s on one core; a "cold"
 *   pass (every serial seen for the first time: one HMAC per 20 rows) and a "warm" pass (all
 *   pseudonyms cached).
 * - lattice: an Adult-like table of 30,000 rows with the nine quasi-identifiers and hierarchy
 *   heights of ARX's Adult benchmark (5·2·2·3·4·3·3·3·2 = 12,960 nodes), k = 5, 4 % suppression.
 * Data is synthetic (seeded), so numbers are comparable across runs.
 */
import {
  compilePipeline,
  searchLattice,
  type Generalization,
  type LatticeQuasiIdentifier,
  type PipelineColumn,
} from '@maxhub/deidentification';
import type { Row } from '../../libs/formats/src/schema';

/** A small seeded PRNG (mulberry32): benchmarks must not depend on Math.random. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks from `values` with Zipf-like weights (the first values are the most frequent). */
function skewed<T>(rand: () => number, values: readonly T[]): T {
  return values[Math.min(values.length - 1, Math.floor(values.length * rand() ** 2.2))];
}

const WELD_COLUMNS: PipelineColumn[] = [
  { name: 'serial', type: 'string', transform: { kind: 'pseudonymize' } },
  { name: 'operator', type: 'string', transform: { kind: 'pseudonymize' } },
  { name: 'line', type: 'string', transform: { kind: 'keep' } },
  { name: 'station', type: 'integer', transform: { kind: 'keep' } },
  {
    name: 'welded_at',
    type: 'timestamp',
    transform: { kind: 'generalize', generalization: { method: 'time', level: 'hour' } },
  },
  { name: 'current_a', type: 'decimal', transform: { kind: 'noise', magnitude: 2.5, digits: 1 } },
  { name: 'voltage_v', type: 'decimal', transform: { kind: 'keep' } },
  { name: 'wire_speed', type: 'decimal', transform: { kind: 'keep' } },
  { name: 'recipe', type: 'string', transform: { kind: 'drop' } },
  { name: 'ok', type: 'boolean', transform: { kind: 'keep' } },
];

function weldRows(count: number): Row[] {
  const rand = prng(42);
  const start = Date.UTC(2025, 0, 1);
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) {
    rows.push({
      serial: `SN-${String(Math.floor(i / 20)).padStart(8, '0')}`,
      operator: `OP-${Math.floor(rand() * 300)}`,
      line: `L${1 + Math.floor(rand() * 12)}`,
      station: Math.floor(rand() * 40),
      welded_at: new Date(start + i * 1500).toISOString(),
      current_a: 180 + rand() * 40,
      voltage_v: 22 + rand() * 4,
      wire_speed: 8 + rand() * 2,
      recipe: `R-${Math.floor(rand() * 50)}`,
      ok: rand() > 0.02,
    });
  }
  return rows;
}

function benchPipeline(): Array<Record<string, unknown>> {
  const rows = weldRows(500_000);
  const pipeline = compilePipeline({
    masterSecret: Buffer.alloc(32, 0x5a),
    grantId: 'bench-grant',
    columns: WELD_COLUMNS,
  });
  const results: Array<Record<string, unknown>> = [];
  let sink = 0;
  for (const pass of ['cold', 'warm'] as const) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < rows.length; i++) {
      const out = pipeline.apply(rows[i], i);
      if (out !== null) sink++;
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    results.push({
      bench: 'pipeline',
      pass,
      columns: WELD_COLUMNS.length,
      rows: rows.length,
      distinctSerials: rows.length / 20,
      seconds: Number(seconds.toFixed(3)),
      rowsPerSecond: Math.round(rows.length / seconds),
    });
  }
  if (sink !== 2 * rows.length) throw new Error('pipeline benchmark lost rows');
  return results;
}

const map = (entries: Record<string, string>): Generalization => ({
  method: 'map',
  map: entries,
  otherwise: '*',
});

function adultLike(count: number): { rows: Row[]; qis: LatticeQuasiIdentifier[] } {
  const rand = prng(7);
  const marital = [
    'Married-civ-spouse',
    'Never-married',
    'Divorced',
    'Separated',
    'Widowed',
    'Married-spouse-absent',
    'Married-AF-spouse',
  ];
  const education = [
    'HS-grad',
    'Some-college',
    'Bachelors',
    'Masters',
    'Assoc-voc',
    '11th',
    'Assoc-acdm',
    '10th',
    '7th-8th',
    'Prof-school',
    '9th',
    '12th',
    'Doctorate',
    '5th-6th',
    '1st-4th',
    'Preschool',
  ];
  const countries = [
    'United-States',
    'Mexico',
    'Philippines',
    'Germany',
    'Canada',
    'India',
    'China',
    'Cuba',
    'England',
    'Korea',
    'Japan',
    'Vietnam',
    'France',
    'Peru',
  ];
  const workclass = [
    'Private',
    'Self-emp-not-inc',
    'Local-gov',
    'State-gov',
    'Self-emp-inc',
    'Federal-gov',
    'Without-pay',
  ];
  const occupation = [
    'Prof-specialty',
    'Craft-repair',
    'Exec-managerial',
    'Adm-clerical',
    'Sales',
    'Other-service',
    'Machine-op-inspct',
    'Transport-moving',
    'Handlers-cleaners',
    'Farming-fishing',
    'Tech-support',
    'Protective-serv',
    'Priv-house-serv',
    'Armed-Forces',
  ];
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) {
    rows.push({
      age: 17 + Math.floor(rand() ** 1.4 * 73),
      sex: rand() < 0.67 ? 'Male' : 'Female',
      race: skewed(rand, ['White', 'Black', 'Asian-Pac-Islander', 'Amer-Indian-Eskimo', 'Other']),
      marital: skewed(rand, marital),
      education: skewed(rand, education),
      country: skewed(rand, countries),
      workclass: skewed(rand, workclass),
      occupation: skewed(rand, occupation),
      salary: rand() < 0.75 ? '<=50K' : '>50K',
    });
  }
  const group = (values: string[], groups: string[]) =>
    Object.fromEntries(values.map((v, i) => [v, groups[i % groups.length]]));
  const qis: LatticeQuasiIdentifier[] = [
    {
      name: 'age',
      type: 'integer',
      hierarchy: [
        { method: 'interval', width: 5 },
        { method: 'interval', width: 10 },
        { method: 'interval', width: 20 },
      ],
    },
    { name: 'sex', type: 'string', hierarchy: [] },
    { name: 'race', type: 'string', hierarchy: [] },
    {
      name: 'marital',
      type: 'string',
      hierarchy: [map(group(marital, ['spouse-present', 'spouse-not-present']))],
    },
    {
      name: 'education',
      type: 'string',
      hierarchy: [
        map(group(education, ['higher', 'secondary', 'primary', 'assoc'])),
        map({ higher: 'post-secondary', assoc: 'post-secondary', secondary: 'school', primary: 'school' }),
      ],
    },
    { name: 'country', type: 'string', hierarchy: [map(group(countries, ['Americas', 'Asia', 'Europe']))] },
    {
      name: 'workclass',
      type: 'string',
      hierarchy: [map(group(workclass, ['private', 'self-employed', 'government']))],
    },
    {
      name: 'occupation',
      type: 'string',
      hierarchy: [map(group(occupation, ['white-collar', 'blue-collar', 'service']))],
    },
    { name: 'salary', type: 'string', hierarchy: [] },
  ];
  return { rows, qis };
}

function benchLattice(): Record<string, unknown> {
  const { rows, qis } = adultLike(30_000);
  const t0 = process.hrtime.bigint();
  const result = searchLattice({ rows, quasiIdentifiers: qis, k: 5, suppressionLimit: 0.04 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    bench: 'lattice',
    qis: qis.length,
    nodes: result.nodes,
    rows: rows.length,
    k: 5,
    suppressionLimit: 0.04,
    seconds: Number(seconds.toFixed(3)),
    nodesEvaluated: result.nodesEvaluated,
    chosenLevels: result.levelVector.join(','),
    dmStar: result.dmStar,
    suppressedRows: result.report.suppressedRows,
  };
}

/** Runs the engine benchmarks; each record is one JSON line. */
export async function run(): Promise<Array<Record<string, unknown>>> {
  return [...benchPipeline(), benchLattice()];
}
