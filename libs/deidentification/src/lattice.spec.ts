import fc from 'fast-check';
import type { Row } from '@maxhub/formats';
import { DeidErrorCode, DeidentificationError } from './errors';
import { compileHierarchy } from './generalize';
import { compileLevels } from './hierarchy';
import { ClassCounter, createSuppressor, encodeClassKey } from './k-anonymity';
import { searchLattice, type LatticeQuasiIdentifier } from './lattice';
import { compilePipeline } from './pipeline';
import type { Generalization } from './spec';

/**
 * Published reference: K. LeFevre, D. J. DeWitt, R. Ramakrishnan, "Incognito: Efficient
 * Full-Domain K-Anonymity", SIGMOD 2005. Its running example is the six-row Patients table
 * (Figure 1: Birthdate, Sex, Zipcode, Disease) with the domain generalization hierarchies of
 * Figure 2 (Zipcode Z0 = 5-digit → Z1 = 5371* or 5370* → Z2 = 537**; Sex S0 = Male/Female → S1 =
 * Person) and the two-attribute <Sex, Zipcode> lattice of Figure 3. For k = 2 the paper's
 * example states which nodes of that lattice are 2-anonymous: <S1, Z0>, <S1, Z1>, <S0, Z2> and
 * <S1, Z2>, the minimal ones being <S1, Z0> and <S0, Z2>; <S0, Z0> and <S0, Z1> are not
 * (e.g. <Male, 53715> and <Female, 53715> are unique). The full-domain search must agree, and
 * with DM* as the loss it must choose <S1, Z0> (classes 2+2+2: DM* 12) over <S0, Z2> (3+3: 18).
 */
const patients: Row[] = [
  { birthdate: '1976-01-21', sex: 'Male', zipcode: '53715', disease: 'Flu' },
  { birthdate: '1986-04-13', sex: 'Female', zipcode: '53715', disease: 'Hepatitis' },
  { birthdate: '1976-02-28', sex: 'Male', zipcode: '53703', disease: 'Brochitis' },
  { birthdate: '1976-01-21', sex: 'Male', zipcode: '53703', disease: 'Broken Arm' },
  { birthdate: '1986-04-13', sex: 'Female', zipcode: '53706', disease: 'Sprained Ankle' },
  { birthdate: '1976-02-28', sex: 'Female', zipcode: '53706', disease: 'Hang Nail' },
];
const sexHierarchy: Generalization[] = [
  { method: 'map', map: { Male: 'Person', Female: 'Person' }, otherwise: 'Person' },
];
const zipHierarchy: Generalization[] = [
  { method: 'prefix', keep: 4 },
  { method: 'prefix', keep: 3 },
];

function codeOf(fn: () => unknown): DeidErrorCode | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof DeidentificationError) return e.code;
    throw e;
  }
  return undefined;
}

describe('the Incognito paper’s Patients example (LeFevre et al., SIGMOD 2005, Figures 1–3)', () => {
  it('uses the paper’s generalized values: 5371*, 537** and Person', () => {
    const zip = compileHierarchy(zipHierarchy, 'string');
    expect([zip[1]('53715'), zip[2]('53715')]).toEqual(['5371*', '537**']);
    expect(compileHierarchy(sexHierarchy, 'string')[1]('Female')).toBe('Person');
  });

  it('finds exactly the paper’s 2-anonymous nodes of the <Sex, Zipcode> lattice with fixed levels', () => {
    const anonymous: string[] = [];
    for (let s = 0; s <= 1; s++) {
      for (let z = 0; z <= 2; z++) {
        const p = compilePipeline({
          masterSecret: Buffer.alloc(32, 1),
          grantId: 'incognito',
          columns: [
            { name: 'sex', type: 'string', transform: { kind: 'keep' } },
            { name: 'zipcode', type: 'string', transform: { kind: 'keep' } },
            { name: 'disease', type: 'string', transform: { kind: 'keep' } },
          ],
          kAnonymity: {
            k: 2,
            suppressionLimit: 0,
            levels: { sex: s, zipcode: z },
            hierarchies: { sex: sexHierarchy, zipcode: zipHierarchy },
          },
        });
        const counter = new ClassCounter();
        patients.forEach((r, i) => counter.add(p.classKey(r, i)));
        if (codeOf(() => createSuppressor(p, counter)) === undefined) anonymous.push(`<S${s},Z${z}>`);
      }
    }
    expect(anonymous.sort()).toEqual(['<S0,Z2>', '<S1,Z0>', '<S1,Z1>', '<S1,Z2>']);
  });

  it('chooses <S1, Z0> by DM* in the lattice search, with the risk report of its three classes of two', () => {
    const result = searchLattice({
      rows: patients,
      quasiIdentifiers: [
        { name: 'sex', type: 'string', hierarchy: sexHierarchy },
        { name: 'zipcode', type: 'string', hierarchy: zipHierarchy },
      ],
      k: 2,
      suppressionLimit: 0,
    });
    expect(result.levels).toEqual({ sex: 1, zipcode: 0 });
    expect(result.dmStar).toBe(12);
    expect(result.nodes).toBe(3 * 4); // the paper's 2 × 3 lattice plus our implicit "*" level per attribute
    expect(result.report).toEqual(
      expect.objectContaining({
        rows: 6,
        releasedRows: 6,
        suppressedRows: 0,
        uniqueRows: 0,
        classes: 3,
        classSizeHistogram: [{ size: 2, classes: 3 }],
        highestRisk: 0.5,
        averageRisk: 0.5,
        dmStar: 12,
      }),
    );
  });
});

describe('lattice search', () => {
  const qis: LatticeQuasiIdentifier[] = [
    {
      name: 'age',
      type: 'integer',
      hierarchy: [
        { method: 'interval', width: 5 },
        { method: 'interval', width: 10 },
      ],
    },
    { name: 'code', type: 'string', hierarchy: [{ method: 'prefix', keep: 1 }] },
    {
      name: 'day',
      type: 'date',
      hierarchy: [
        { method: 'time', level: 'month' },
        { method: 'time', level: 'year' },
      ],
    },
  ];
  const rowArb = fc.record({
    age: fc.integer({ min: 20, max: 45 }),
    code: fc.constantFrom('AA', 'AB', 'BA', 'BB', 'CA'),
    day: fc.constantFrom('2024-01-05', '2024-01-20', '2024-03-02', '2025-01-05', '2025-07-19'),
  });

  /** An independent brute force: every node, generalize every row, count. */
  function bruteForce(rows: Row[], k: number, limit: number) {
    const levels = qis.map((q) => compileLevels(q.hierarchy, q.type, q.name));
    const heights = levels.map((l) => l.length);
    const nodes: Array<{
      levels: number[];
      dm: number;
      dmStar: number;
      valid: boolean;
      height: number;
      index: number;
    }> = [];
    const total = heights.reduce((a, b) => a * b, 1);
    for (let index = 0; index < total; index++) {
      const lv: number[] = [];
      let rest = index;
      for (const h of heights) {
        lv.push(rest % h);
        rest = Math.floor(rest / h);
      }
      const counts = new Map<string, number>();
      for (const r of rows) {
        const key = encodeClassKey(qis.map((q, i) => levels[i][lv[i]](r[q.name])));
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      let suppressed = 0;
      let squares = 0;
      let allSquares = 0;
      for (const c of counts.values()) {
        allSquares += c * c;
        if (c < k) suppressed += c;
        else squares += c * c;
      }
      nodes.push({
        levels: lv,
        dm: squares + suppressed * rows.length,
        dmStar: allSquares,
        valid: suppressed <= Math.floor(limit * rows.length + 1e-9),
        height: lv.reduce((a, b) => a + b, 0),
        index,
      });
    }
    return nodes;
  }

  /** Lexicographic order of level vectors, first quasi-identifier first (the search's last tie-break). */
  const lexical = (a: number[], b: number[]): number => {
    const q = a.findIndex((l, i) => l !== b[i]);
    return q < 0 ? 0 : a[q] - b[q];
  };

  it.each(['DM_STAR', 'DM'] as const)(
    'returns a valid node of least %s, the same one an exhaustive search picks',
    (metric) => {
      fc.assert(
        fc.property(
          fc.array(rowArb, { minLength: 1, maxLength: 80 }),
          fc.integer({ min: 2, max: 5 }),
          fc.constantFrom(0, 0.04, 0.1, 0.3),
          (rows, k, limit) => {
            const nodes = bruteForce(rows, k, limit);
            const value = (n: (typeof nodes)[number]) => (metric === 'DM' ? n.dm : n.dmStar);
            const valid = nodes
              .filter((n) => n.valid)
              .sort((a, b) => value(a) - value(b) || a.height - b.height || lexical(a.levels, b.levels));
            if (valid.length === 0) {
              expect(
                codeOf(() =>
                  searchLattice({ rows, quasiIdentifiers: qis, k, suppressionLimit: limit, metric }),
                ),
              ).toBe(DeidErrorCode.K_ANONYMITY_UNSATISFIABLE);
              return;
            }
            const result = searchLattice({
              rows,
              quasiIdentifiers: qis,
              k,
              suppressionLimit: limit,
              metric,
              trace: true,
            });
            expect(result.levelVector).toEqual(valid[0].levels);
            expect([result.dmStar, result.dm]).toEqual([valid[0].dmStar, valid[0].dm]);
            expect(result.report.suppressedRows).toBeLessThanOrEqual(Math.floor(limit * rows.length + 1e-9));
            expect([result.report.dmStar, result.report.dm]).toEqual([result.dmStar, result.dm]);
            for (const node of result.trace!) {
              const truth = nodes.find((n) => n.levels.join() === node.levels.join())!;
              expect([node.valid, node.dmStar, node.dm]).toEqual([truth.valid, truth.dmStar, truth.dm]);
            }
          },
        ),
        { numRuns: 100 },
      );
    },
  );

  it('evaluates fewer nodes than the lattice holds, thanks to tagging and pruning', () => {
    const rows: Row[] = Array.from({ length: 400 }, (_, i) => ({
      age: 20 + (i % 26),
      code: ['AA', 'AB', 'BA', 'BB', 'CA'][i % 5],
      day: ['2024-01-05', '2024-03-02', '2025-07-19'][i % 3],
    }));
    const result = searchLattice({ rows, quasiIdentifiers: qis, k: 5, suppressionLimit: 0.04 });
    expect(result.nodesEvaluated).toBeLessThan(result.nodes);
  });

  it('refuses when not even full suppression makes the data k-anonymous', () => {
    expect(
      codeOf(() =>
        searchLattice({
          rows: [{ age: 30, code: 'AA', day: '2024-01-05' }],
          quasiIdentifiers: qis,
          k: 2,
          suppressionLimit: 0,
        }),
      ),
    ).toBe(DeidErrorCode.K_ANONYMITY_UNSATISFIABLE);
  });

  it('refuses lattices larger than allowed and a k below 2', () => {
    expect(
      codeOf(() =>
        searchLattice({ rows: [], quasiIdentifiers: qis, k: 2, suppressionLimit: 0, maxNodes: 10 }),
      ),
    ).toBe(DeidErrorCode.LATTICE_TOO_LARGE);
    expect(codeOf(() => searchLattice({ rows: [], quasiIdentifiers: qis, k: 1, suppressionLimit: 0 }))).toBe(
      DeidErrorCode.INVALID_ARGUMENT,
    );
  });
});
