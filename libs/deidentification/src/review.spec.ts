import fc from 'fast-check';
import type { CellValue, Row } from '@maxhub/formats';
import { DeidErrorCode, DeidentificationError } from './errors';
import { buildFrequencyTable, type FrequencyTable } from './frequency-table';
import { compileLevels, findTableHierarchyProblem } from './hierarchy';
import { encodeClassKey } from './k-anonymity';
import { reviewRisk, type EvaluatedReviewNode, type ReviewQuasiIdentifier } from './review';
import type { RiskReview } from './review-report';
import type { RiskMetric } from './spec';

function codeOf(fn: () => unknown): DeidErrorCode | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof DeidentificationError) return e.code;
    throw e;
  }
  return undefined;
}

const qis: ReviewQuasiIdentifier[] = [
  {
    name: 'age',
    type: 'integer',
    hierarchy: [
      { method: 'interval', width: 5 },
      { method: 'interval', width: 10 },
    ],
  },
  {
    name: 'code',
    type: 'string',
    hierarchy: {
      method: 'table',
      rows: [
        ['AA', 'A', '*'],
        ['AB', 'A', '*'],
        ['BA', 'B', '*'],
        ['BB', 'B', '*'],
        ['CA', 'C', '*'],
      ],
    },
  },
  { name: 'sex', type: 'string', hierarchy: [] },
];
const rowArb = fc.record({
  age: fc.integer({ min: 20, max: 45 }),
  code: fc.constantFrom('AA', 'AB', 'BA', 'BB', 'CA'),
  sex: fc.constantFrom('F', 'M'),
  dx: fc.constantFrom('flu', 'flu', 'flu', 'cold', 'cold', 'hep', 'none'),
  grade: fc.constantFrom(1, 2, 2, 3, 4),
});

/** Thresholds t with their exact fractions, so the brute force can compare in integers. */
const T = [
  [0.1, 1n, 10n],
  [0.15, 3n, 20n],
  [0.25, 1n, 4n],
  [0.4, 2n, 5n],
] as const;
const modelsArb = fc.record({
  k: fc.integer({ min: 1, max: 4 }),
  distinct: fc.option(fc.constantFrom(2, 3), { nil: undefined }),
  entropy: fc.option(fc.constantFrom(1.5, 2, 2.5), { nil: undefined }),
  equal: fc.option(fc.constantFrom(...T), { nil: undefined }),
  ordered: fc.option(fc.constantFrom(...T), { nil: undefined }),
});
type ModelChoice = typeof modelsArb extends fc.Arbitrary<infer M> ? M : never;

function modelsOf(m: ModelChoice) {
  return {
    k: m.k,
    lDiversity: [
      ...(m.distinct === undefined ? [] : [{ column: 'dx', variant: 'distinct', l: m.distinct }]),
      ...(m.entropy === undefined ? [] : [{ column: 'dx', variant: 'entropy', l: m.entropy }]),
    ],
    tCloseness: [
      ...(m.equal === undefined ? [] : [{ column: 'dx', measure: 'equal', t: m.equal[0] }]),
      ...(m.ordered === undefined ? [] : [{ column: 'grade', measure: 'ordered', t: m.ordered[0] }]),
    ],
  };
}

interface Truth {
  levels: number[];
  valid: boolean;
  suppressed: number;
  dmStar: number;
  dm: number;
  classes: number;
  smallest: number | null;
}

/** Straight from the definitions: generalize every row at every node, group, check each class. */
function bruteForce(rows: Row[], m: ModelChoice, limit: readonly [bigint, bigint]): Truth[] {
  const levels = qis.map((q) => compileLevels(q.hierarchy, q.type, q.name));
  const heights = levels.map((l) => l.length);
  const N = rows.length;
  const countsOf = (values: CellValue[]) => {
    const c = new Map<string, number>();
    for (const v of values) c.set(JSON.stringify(v), (c.get(JSON.stringify(v)) ?? 0) + 1);
    return c;
  };
  const globalDx = countsOf(rows.map((r) => r.dx));
  const grades = [...new Set(rows.map((r) => r.grade as number))].sort((a, b) => a - b);
  const globalGrade = countsOf(rows.map((r) => r.grade));
  const maxSuppressed = Number((limit[0] * BigInt(N)) / limit[1]);
  const passes = (cls: Row[]): boolean => {
    const n = cls.length;
    if (n < m.k) return false;
    const dx = countsOf(cls.map((r) => r.dx));
    if (m.distinct !== undefined && dx.size < m.distinct) return false;
    if (m.entropy !== undefined) {
      let h = 0;
      for (const c of dx.values()) h -= (c / n) * Math.log(c / n);
      if (h < Math.log(m.entropy) - 1e-12) return false;
    }
    if (m.equal !== undefined) {
      let s = 0n;
      for (const [v, g] of globalDx) s += BigInt(Math.abs((dx.get(v) ?? 0) * N - g * n));
      // ½ s / (n N) ≤ a / b
      if (s * m.equal[2] > m.equal[1] * 2n * BigInt(n * N)) return false;
    }
    if (m.ordered !== undefined && grades.length > 1) {
      const gc = countsOf(cls.map((r) => r.grade));
      let cum = 0;
      let s = 0n;
      for (const v of grades.slice(0, -1)) {
        cum += (gc.get(String(v)) ?? 0) * N - globalGrade.get(String(v))! * n;
        s += BigInt(Math.abs(cum));
      }
      if (s * m.ordered[2] > m.ordered[1] * BigInt((grades.length - 1) * n * N)) return false;
    }
    return true;
  };
  const out: Truth[] = [];
  const total = heights.reduce((a, b) => a * b, 1);
  for (let index = 0; index < total; index++) {
    const lv: number[] = [];
    let rest = index;
    for (const h of heights) {
      lv.push(rest % h);
      rest = Math.floor(rest / h);
    }
    const classes = new Map<string, Row[]>();
    for (const r of rows) {
      const key = encodeClassKey(qis.map((q, i) => levels[i][lv[i]](r[q.name])));
      classes.set(key, [...(classes.get(key) ?? []), r]);
    }
    let suppressed = 0;
    let dmStar = 0;
    let kept = 0;
    let released = 0;
    let smallest: number | null = null;
    for (const cls of classes.values()) {
      dmStar += cls.length ** 2;
      if (passes(cls)) {
        kept += cls.length ** 2;
        released++;
        if (smallest === null || cls.length < smallest) smallest = cls.length;
      } else suppressed += cls.length;
    }
    out.push({
      levels: lv,
      valid: suppressed <= maxSuppressed,
      suppressed,
      dmStar,
      dm: kept + N * suppressed,
      classes: released,
      smallest,
    });
  }
  return out;
}

const LIMITS = [
  [0, 0n, 1n],
  [0.1, 1n, 10n],
  [0.25, 1n, 4n],
] as const;

describe('the risk review’s search', () => {
  it('picks the node an exhaustive brute force picks, for any mix of k, ℓ-diversity and t-closeness', () => {
    fc.assert(
      fc.property(
        fc.array(rowArb, { minLength: 1, maxLength: 60 }),
        modelsArb,
        fc.constantFrom(...LIMITS),
        fc.constantFrom<RiskMetric>('DM_STAR', 'DM'),
        (rows, m, limit, metric) => {
          const truth = bruteForce(rows, m, [limit[1], limit[2]]);
          const table = buildFrequencyTable(rows, {
            quasiIdentifiers: ['age', 'code', 'sex'],
            sensitive: ['dx', 'grade'],
          });
          const options = { quasiIdentifiers: qis, models: modelsOf(m), suppressionLimit: limit[0], metric };
          const value = (t: Truth) => (metric === 'DM' ? t.dm : t.dmStar);
          const steps = (t: Truth) => t.levels.reduce((a, b) => a + b, 0);
          const lexical = (a: number[], b: number[]) => {
            const q = a.findIndex((l, i) => l !== b[i]);
            return q < 0 ? 0 : a[q] - b[q];
          };
          const valid = truth
            .filter((t) => t.valid)
            .sort((a, b) => value(a) - value(b) || steps(a) - steps(b) || lexical(a.levels, b.levels));
          if (valid.length === 0) {
            expect(codeOf(() => reviewRisk(table, options))).toBe(DeidErrorCode.PRIVACY_MODELS_UNSATISFIABLE);
            return;
          }
          const seen: EvaluatedReviewNode[] = [];
          const review = reviewRisk(table, { ...options, onNode: (n) => seen.push(n) });
          const best = valid[0];
          expect(review.levelVector).toEqual(best.levels);
          expect([review.rowsSuppressed, review.classes, review.smallestClass]).toEqual([
            best.suppressed,
            best.classes,
            best.smallest,
          ]);
          expect([
            review.informationLoss.dmStar,
            review.informationLoss.dm,
            review.informationLoss.value,
          ]).toEqual([best.dmStar, best.dm, value(best)]);
          for (const node of seen) {
            const t = truth.find((x) => x.levels.join() === node.levels.join())!;
            expect([node.valid, node.suppressedRows, node.dmStar, node.dm]).toEqual([
              t.valid,
              t.suppressed,
              t.dmStar,
              t.dm,
            ]);
          }
          const exhaustive = reviewRisk(table, { ...options, exhaustive: true });
          expect(exhaustive.search.nodesEvaluated).toBe(truth.length);
          expect({ ...review, search: null }).toEqual({ ...exhaustive, search: null });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('prunes generalizations of a node whose Σ|E|² already exceeds the best value found', () => {
    const rows: Row[] = Array.from({ length: 400 }, (_, i) => ({
      age: 20 + (i % 26),
      code: ['AA', 'AB', 'BA', 'BB', 'CA'][i % 5],
      sex: i % 3 === 0 ? 'F' : 'M',
    }));
    const table = buildFrequencyTable(rows, { quasiIdentifiers: ['age', 'code', 'sex'] });
    const review = reviewRisk(table, { quasiIdentifiers: qis, models: { k: 5 }, suppressionLimit: 0.04 });
    expect(review.search.nodesEvaluated + review.search.nodesPruned).toBe(24);
    expect(review.search.nodesPruned).toBeGreaterThan(0);
  });
});

function smallReview(extra: Record<string, unknown> = {}): RiskReview {
  const rows: Row[] = [
    { age: 21, code: 'AA', sex: 'F', dx: 'flu' },
    { age: 22, code: 'AB', sex: 'F', dx: 'cold' },
    { age: 23, code: 'AA', sex: 'M', dx: 'flu' },
    { age: 33, code: 'BA', sex: 'M', dx: 'hep' },
    { age: 34, code: 'BB', sex: 'M', dx: 'flu' },
    { age: 36, code: 'CA', sex: 'F', dx: 'cold' },
  ];
  const table = buildFrequencyTable(rows, { quasiIdentifiers: ['age', 'code', 'sex'], sensitive: ['dx'] });
  return reviewRisk(table, {
    quasiIdentifiers: qis,
    models: { k: 2, lDiversity: [{ column: 'dx', variant: 'distinct', l: 2 }] },
    suppressionLimit: 0.2,
    ...extra,
  });
}

describe('the risk review’s fixed-level mode', () => {
  it('reviews the given levels and says when they break the suppression limit', () => {
    const review = smallReview({ levels: { age: 0, code: 0, sex: 0 } });
    expect([review.levelVector, review.valid, review.rowsSuppressed, review.maxSuppressedRows]).toEqual([
      [0, 0, 0],
      false,
      6,
      1,
    ]);
    expect(review.search).toEqual({ nodes: 1, nodesEvaluated: 1, nodesPruned: 0 });
  });

  it('refuses a level outside the hierarchy, naming the quasi-identifier', () => {
    let message = '';
    try {
      smallReview({ levels: { age: 4, code: 0, sex: 0 } });
    } catch (e) {
      message = (e as Error).message;
      expect((e as DeidentificationError).code).toBe(DeidErrorCode.INVALID_SPEC);
    }
    expect(message).toContain('"age"');
  });
});

describe('the risk review’s refusals', () => {
  const table: FrequencyTable = buildFrequencyTable([{ age: 30, code: 'AA', sex: 'F', dx: 'flu' }], {
    quasiIdentifiers: ['age', 'code', 'sex'],
    sensitive: ['dx'],
  });
  const base = { quasiIdentifiers: qis, models: { k: 1 }, suppressionLimit: 0 };

  it.each([
    ['a model that does not parse', { models: { k: 0 } }, DeidErrorCode.INVALID_SPEC],
    ['an unknown model key', { models: { k: 2, delta: 1 } }, DeidErrorCode.INVALID_SPEC],
    [
      'a fractional distinct ℓ',
      { models: { lDiversity: [{ column: 'dx', variant: 'distinct', l: 2.5 }] } },
      DeidErrorCode.INVALID_SPEC,
    ],
    [
      'a model on a column that is not sensitive',
      { models: { tCloseness: [{ column: 'age', measure: 'equal', t: 0.2 }] } },
      DeidErrorCode.UNKNOWN_COLUMN,
    ],
    ['a suppression limit above 1', { suppressionLimit: 1.5 }, DeidErrorCode.INVALID_ARGUMENT],
    ['an unknown metric', { metric: 'LOSS' }, DeidErrorCode.INVALID_ARGUMENT],
    ['a quasi-identifier missing', { quasiIdentifiers: qis.slice(1) }, DeidErrorCode.INVALID_ARGUMENT],
    [
      'a quasi-identifier the table lacks',
      { quasiIdentifiers: [...qis.slice(1), { ...qis[0], name: 'zip' }] },
      DeidErrorCode.UNKNOWN_COLUMN,
    ],
    [
      'level bounds outside the hierarchy',
      { quasiIdentifiers: [{ ...qis[0], maxLevel: 9 }, ...qis.slice(1)] },
      DeidErrorCode.INVALID_SPEC,
    ],
    ['a lattice over maxNodes', { maxNodes: 10 }, DeidErrorCode.LATTICE_TOO_LARGE],
  ] as const)('refuses %s', (_what, extra, code) => {
    expect(codeOf(() => reviewRisk(table, { ...base, ...extra } as never))).toBe(code);
  });

  it('refuses a table over MAX_TABLE_ROWS and a value the value table does not list', () => {
    expect(codeOf(() => reviewRisk({ ...table, rows: 2 ** 26 + 1 }, base))).toBe(
      DeidErrorCode.TABLE_TOO_LARGE,
    );
    const other = buildFrequencyTable([{ age: 30, code: 'ZZ', sex: 'F' }], {
      quasiIdentifiers: ['age', 'code', 'sex'],
    });
    expect(codeOf(() => reviewRisk(other, base))).toBe(DeidErrorCode.HIERARCHY_INCOMPLETE);
  });

  it('refuses a table counted at a level of the same hierarchy over another column type', () => {
    const counted = buildFrequencyTable([{ age: 30, code: 'AA', sex: 'F' }], {
      quasiIdentifiers: [
        { name: 'age', base: { hierarchy: qis[0].hierarchy as never, type: 'decimal', level: 1 } },
        'code',
        'sex',
      ],
    });
    expect(codeOf(() => reviewRisk(counted, base))).toBe(DeidErrorCode.INVALID_SPEC);
    expect(
      codeOf(() =>
        reviewRisk(counted, { ...base, quasiIdentifiers: [{ ...qis[0], type: 'decimal' }, ...qis.slice(1)] }),
      ),
    ).toBeUndefined();
  });

  it('refuses to check hierarchies against a column the table lacks', () => {
    expect(codeOf(() => findTableHierarchyProblem(table, [{ ...qis[0], name: 'zip' }]))).toBe(
      DeidErrorCode.UNKNOWN_COLUMN,
    );
  });

  it('refuses a table counted at a level of another hierarchy', () => {
    const counted = buildFrequencyTable([{ age: 30, code: 'AA', sex: 'F' }], {
      quasiIdentifiers: [
        { name: 'age', base: { hierarchy: [{ method: 'interval', width: 2 }], type: 'integer', level: 1 } },
        'code',
        'sex',
      ],
    });
    expect(codeOf(() => reviewRisk(counted, base))).toBe(DeidErrorCode.INVALID_SPEC);
  });
});
