import {
  ADULT_COLUMNS,
  adultChecksumMismatches,
  adultHierarchy,
  adultQuasiIdentifiers,
  adultRows,
  adultTable,
} from './arx-adult.test-fixtures';
import { findTableHierarchyProblem } from './hierarchy';
import { reviewRisk, type EvaluatedReviewNode, type RiskReviewOptions } from './review';
import type { FrequencyTable } from './frequency-table';
import type { RiskReview } from './review-report';

/**
 * Published reference: ARX's own test suite on its UCI Adult extract (test-vectors/arx-adult,
 * README.md): TestRiskMetrics, TestAnonymizationKAnonymity, TestAnonymizationTCloseness,
 * TestAnonymizationOrderedDistanceTCloseness and the entropy ℓ-diversity figures listed there.
 * Every node and figure is asserted exactly.
 */
const NINE = [...ADULT_COLUMNS];
const EIGHT = NINE.filter((c) => c !== 'occupation');

describe('the vendored ARX Adult files', () => {
  it('match their SHA256SUMS', () => {
    expect(adultChecksumMismatches()).toEqual([]);
  });

  it('hold 30,162 rows and hierarchies of the published heights (12,960 nodes over nine columns)', () => {
    expect(adultRows()).toHaveLength(30_162);
    const heights = NINE.map((c) => adultHierarchy(c).rows[0].length);
    expect(heights).toEqual([2, 5, 2, 3, 4, 3, 3, 3, 2]);
    expect(heights.reduce((a, b) => a * b, 1)).toBe(12_960);
  });
});

describe('ARX TestRiskMetrics: the raw data, nine quasi-identifiers', () => {
  it('has average prosecutor risk 0.6465751607983555, highest 1.0 and sample uniqueness 0.5142895033485844', () => {
    const table = adultTable(NINE);
    const review = reviewRisk(table, {
      quasiIdentifiers: adultQuasiIdentifiers(NINE),
      models: { k: 1 },
      suppressionLimit: 0,
      levels: Object.fromEntries(NINE.map((c) => [c, 0])),
    });
    const before = review.risk.before;
    expect(before).toEqual({
      classes: 19_502,
      rows: 30_162,
      highest: { numerator: 1, denominator: 1 },
      average: { numerator: 19_502, denominator: 30_162 },
      rowsAboveThreshold: { numerator: 0, denominator: 30_162 },
      uniqueRows: 15_512,
    });
    expect(before.average!.numerator / before.average!.denominator).toBe(0.6465751607983555);
    expect(before.uniqueRows / before.rows).toBe(0.5142895033485844);
    expect(before.highest!.numerator / before.highest!.denominator).toBe(1.0);
  });
});

interface Published {
  models: RiskReviewOptions['models'];
  limit: number;
  node: number[];
  dmStar: number;
}

function review(
  table: FrequencyTable,
  columns: string[],
  p: Published,
  extra: Partial<RiskReviewOptions> = {},
) {
  return reviewRisk(table, {
    quasiIdentifiers: adultQuasiIdentifiers(columns),
    models: p.models,
    suppressionLimit: p.limit,
    ...extra,
  });
}

function expectPublished(r: RiskReview, p: Published): void {
  expect([r.levelVector, r.informationLoss.dmStar, r.metric]).toEqual([p.node, p.dmStar, 'DM_STAR']);
  expect(r.valid).toBe(true);
  expect(r.rowsSuppressed).toBeLessThanOrEqual(r.maxSuppressedRows);
}

describe('ARX TestAnonymizationKAnonymity: nine quasi-identifiers, DM* optimum', () => {
  const k5 = { models: { k: 5 }, limit: 0.04, node: [1, 0, 1, 1, 3, 2, 2, 0, 1], dmStar: 1_415_782 };
  let table: FrequencyTable;
  let pruned: RiskReview;
  beforeAll(() => {
    table = adultTable(NINE);
    pruned = review(table, NINE, k5);
  });

  it('k = 5, 4 %: [1,0,1,1,3,2,2,0,1], DM* 1,415,782, 906 rows suppressed, 1,046 kept classes', () => {
    expectPublished(pruned, k5);
    expect([pruned.maxSuppressedRows, pruned.rowsSuppressed, pruned.classes]).toEqual([1_206, 906, 1_046]);
  });

  it('k = 100, 0 %: [0,4,1,1,3,2,2,1,1], DM* 102,352,340, 12 classes, the smallest of 397', () => {
    const p = { models: { k: 100 }, limit: 0, node: [0, 4, 1, 1, 3, 2, 2, 1, 1], dmStar: 102_352_340 };
    const r = review(table, NINE, p);
    expectPublished(r, p);
    expect([r.classes, r.smallestClass, r.rowsSuppressed]).toEqual([12, 397, 0]);
  });

  it('k = 5, 0 %: [1,1,1,2,3,2,2,1,1], DM* 33,627,534', () => {
    const p = { models: { k: 5 }, limit: 0, node: [1, 1, 1, 2, 3, 2, 2, 1, 1], dmStar: 33_627_534 };
    expectPublished(review(table, NINE, p), p);
  });

  it('k = 5, 4 % by DM with the |D| penalty picks a node of 2.86× the DM* optimum (the old search’s choice)', () => {
    const r = review(table, NINE, k5, { metric: 'DM' });
    expect([r.levelVector, r.informationLoss.dmStar, r.informationLoss.dm, r.metric]).toEqual([
      [0, 0, 1, 2, 3, 2, 2, 1, 1],
      4_053_800,
      7_220_555,
      'DM',
    ]);
    expect((r.informationLoss.dmStar / pruned.informationLoss.dmStar).toFixed(2)).toBe('2.86');
    expect(r.informationLoss.dm).toBeLessThan(pruned.informationLoss.dm);
  });

  it('finds the same optimum over all 12,960 nodes without pruning, a unique one, and prunes most nodes', () => {
    const all: EvaluatedReviewNode[] = [];
    const full = review(table, NINE, k5, { exhaustive: true, onNode: (n) => all.push(n) });
    expect(all).toHaveLength(12_960);
    expect(full.search).toEqual({ nodes: 12_960, nodesEvaluated: 12_960, nodesPruned: 0 });
    expect({ ...pruned, search: null }).toEqual({ ...full, search: null });
    expect(pruned.search.nodesEvaluated).toBeLessThan(12_960 / 2);
    const valid = all.filter((n) => n.valid).sort((a, b) => a.dmStar - b.dmStar);
    expect(valid[0].levels).toEqual(k5.node);
    expect(valid[1].dmStar).toBeGreaterThan(valid[0].dmStar);
  });
});

describe('ARX t-closeness and entropy ℓ-diversity: eight quasi-identifiers, occupation sensitive', () => {
  let table: FrequencyTable;
  beforeAll(() => (table = adultTable(EIGHT, ['occupation'])));
  const ordered = (t: number, k: number) => ({
    k,
    tCloseness: [{ column: 'occupation', measure: 'ordered', t }],
  });
  const equal = (t: number, k: number) => ({
    k,
    tCloseness: [{ column: 'occupation', measure: 'equal', t }],
  });

  it.each([
    ['ordered t = 0.2, k = 5, 4 %', ordered(0.2, 5), 0.04, [0, 0, 1, 1, 2, 2, 2, 0], 2_712_340],
    ['ordered t = 0.2, k = 100, 4 %', ordered(0.2, 100), 0.04, [1, 0, 1, 2, 3, 2, 2, 1], 19_937_246],
    ['ordered t = 0.1, k = 5, 0 %', ordered(0.1, 5), 0, [1, 1, 1, 2, 3, 2, 2, 1], 97_868_020],
    ['ordered t = 0.2, k = 100, 0 %', ordered(0.2, 100), 0, [1, 4, 1, 1, 1, 2, 2, 1], 162_312_130],
    ['ordered t = 0.05, k = 5, 4 %', ordered(0.05, 5), 0.04, [1, 4, 1, 0, 3, 2, 2, 0], 201_413_138],
    ['equal t = 0.2, k = 5, 0 %', equal(0.2, 5), 0, [1, 4, 1, 1, 3, 2, 2, 1], 456_853_172],
  ])('%s: the published optimum node and DM*', (_name, models, limit, node, dmStar) => {
    const p = { models, limit, node, dmStar };
    const r = review(table, EIGHT, p);
    expectPublished(r, p);
    expect(Number(r.tCloseness[0].achieved)).toBeLessThanOrEqual(models.tCloseness[0].t);
  });

  it('equal t = 0.2, k = 5, 4 %: [1,4,1,0,3,2,2,1], DM* 311,880,088, 848 rows suppressed (2.81 %)', () => {
    const p = { models: equal(0.2, 5), limit: 0.04, node: [1, 4, 1, 0, 3, 2, 2, 1], dmStar: 311_880_088 };
    const r = review(table, EIGHT, p);
    expectPublished(r, p);
    expect([r.rowsSuppressed, ((100 * r.rowsSuppressed) / r.rows).toFixed(2)]).toEqual([848, '2.81']);
    expect(Number(r.tCloseness[0].achieved)).toBeLessThanOrEqual(0.2);
  });

  const entropy = { lDiversity: [{ column: 'occupation', variant: 'entropy', l: 5 }] };
  it('entropy ℓ = 5, 4 %: [1,0,1,1,2,2,2,1] suppresses 753 rows (2.50 %)', () => {
    const r = review(table, EIGHT, { models: entropy, limit: 0.04, node: [], dmStar: 0 });
    expect([r.levelVector, r.rowsSuppressed, ((100 * r.rowsSuppressed) / r.rows).toFixed(2)]).toEqual([
      [1, 0, 1, 1, 2, 2, 2, 1],
      753,
      '2.50',
    ]);
    expect(Number(r.lDiversity[0].achieved)).toBeGreaterThanOrEqual(5);
  });

  it('entropy ℓ = 5, 0 %: [1,1,1,1,3,2,2,1] suppresses none', () => {
    const r = review(table, EIGHT, { models: entropy, limit: 0, node: [], dmStar: 0 });
    expect([r.levelVector, r.rowsSuppressed]).toEqual([[1, 1, 1, 1, 3, 2, 2, 1], 0]);
  });
});

describe('ARX’s hierarchies against the extract', () => {
  let table: FrequencyTable;
  beforeAll(() => (table = adultTable(NINE)));

  it('cover every value of the data (age aside, see below)', () => {
    const others = adultQuasiIdentifiers(NINE.filter((c) => c !== 'age'));
    expect(findTableHierarchyProblem(table, others)).toBeUndefined();
  });

  it('label age 20 as 15-19 (5 as 0-4, 100 as 95-99): the age labels are one off, which the check reports first', () => {
    expect(findTableHierarchyProblem(table, adultQuasiIdentifiers(NINE))).toEqual({
      column: 'age',
      reason: 'LABEL_OUTSIDE_RANGE',
      value: 20,
      level: 1,
      label: '15-19',
    });
    const ages = adultHierarchy('age').rows;
    expect([ages[4], ages[99]]).toEqual([
      ['5', '0-4', '0-9', '0-19', '*'],
      ['100', '95-99', '90-99', '80-99', '*'],
    ]);
  });

  it('reports the first value of the data a hierarchy lacks, with its column', () => {
    const workclass = adultHierarchy('workclass');
    const lacking = { ...workclass, rows: workclass.rows.filter((r) => r[0] !== 'Private') };
    expect(
      findTableHierarchyProblem(table, [{ name: 'workclass', type: 'string', hierarchy: lacking }]),
    ).toEqual({ column: 'workclass', reason: 'UNCOVERED', value: 'Private', level: 1 });
    expect(() =>
      reviewRisk(table, {
        quasiIdentifiers: adultQuasiIdentifiers(NINE).map((q) =>
          q.name === 'workclass' ? { ...q, hierarchy: lacking } : q,
        ),
        models: { k: 5 },
        suppressionLimit: 0.04,
      }),
    ).toThrow(expect.objectContaining({ code: 'DEID_HIERARCHY_INCOMPLETE' }));
  });
});
