import { createHash } from 'node:crypto';
import type { Row } from '@maxhub/formats';
import { DeidErrorCode, DeidentificationError } from './errors';
import { buildFrequencyTable } from './frequency-table';
import { reviewRisk, type RiskReviewOptions } from './review';
import {
  canonicalRiskReview,
  decimalString,
  formatRatio,
  riskReviewSha256,
  type RiskReview,
} from './review-report';

const rows: Row[] = Array.from({ length: 120 }, (_, i) => ({
  age: 20 + ((i * 7) % 40),
  plant: ['Ulsan-1', 'Asan-2', 'Gwangju-3'][i % 3],
  defect: i % 11 === 0 ? 'yes' : 'no',
  grade: 1 + ((i * 5) % 4),
}));
const options: RiskReviewOptions = {
  quasiIdentifiers: [
    {
      name: 'age',
      type: 'integer',
      hierarchy: [
        { method: 'interval', width: 10 },
        { method: 'interval', width: 20 },
      ],
    },
    { name: 'plant', type: 'string', hierarchy: [] },
  ],
  models: {
    k: 3,
    lDiversity: [{ column: 'grade', variant: 'entropy', l: 2 }],
    tCloseness: [{ column: 'defect', measure: 'equal', t: 0.2 }],
  },
  suppressionLimit: 0.05,
};
const review = (data: Row[]): RiskReview =>
  reviewRisk(
    buildFrequencyTable(data, { quasiIdentifiers: ['age', 'plant'], sensitive: ['defect', 'grade'] }),
    options,
  );

/** Every number anywhere in a JSON value. */
function numbers(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.flatMap(numbers);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(numbers);
  return [];
}

describe('the risk review report', () => {
  it('records levels, suppression, classes, risk, ℓ and t achieved and the information loss', () => {
    const r = review(rows);
    expect(r).toMatchObject({
      schema: 'maxhub.risk-review/v1',
      metric: 'DM_STAR',
      models: {
        k: 3,
        lDiversity: [{ column: 'grade', variant: 'entropy', l: '2' }],
        tCloseness: [{ column: 'defect', measure: 'equal', t: '0.2' }],
      },
      suppressionLimit: '0.05',
      maxSuppressedRows: 6,
      rows: 120,
      valid: true,
    });
    expect(r.quasiIdentifiers.map((q) => q.name)).toEqual(['age', 'plant']);
    expect(r.rowsReleased + r.rowsSuppressed).toBe(120);
    expect(r.risk.before).toMatchObject({ rows: 120 });
    expect(r.risk.after.rows).toBe(r.rowsReleased);
    expect(r.risk.after.highest).toEqual({ numerator: 1, denominator: r.smallestClass });
    expect(r.risk.after.rowsAboveThreshold?.numerator).toBe(0);
    expect(Number(r.lDiversity[0].achieved)).toBeGreaterThanOrEqual(2);
    expect(Number(r.tCloseness[0].achieved)).toBeLessThanOrEqual(0.2);
    expect(r.informationLoss.value).toBe(r.informationLoss.dmStar);
    expect(r.informationLoss.normalized).toEqual({
      numerator: r.informationLoss.dmStar - 120,
      denominator: 120 * 120 - 120,
    });
  });

  it('holds no number but a safe integer, and survives canonical JSON unchanged', () => {
    const r = review(rows);
    expect(numbers(r).every((n) => Number.isSafeInteger(n))).toBe(true);
    const text = canonicalRiskReview(r);
    expect(JSON.parse(text)).toEqual(r);
    expect(canonicalRiskReview(JSON.parse(text) as RiskReview)).toBe(text);
  });

  it('has a SHA-256 over its canonical bytes that does not depend on the order of the rows', () => {
    const r = review(rows);
    expect(riskReviewSha256(r)).toBe(
      createHash('sha256').update(canonicalRiskReview(r), 'utf8').digest('hex'),
    );
    expect(riskReviewSha256(review([...rows].reverse()))).toBe(riskReviewSha256(r));
    expect(riskReviewSha256(review(rows.slice(1)))).not.toBe(riskReviewSha256(r));
  });

  it('refuses to canonicalize a report holding a non-integer number or a non-plain value', () => {
    const r = review(rows);
    const codeOf = (x: unknown) => {
      try {
        canonicalRiskReview(x as RiskReview);
      } catch (e) {
        return (e as DeidentificationError).code;
      }
      return undefined;
    };
    expect(codeOf({ ...r, rows: 0.5 })).toBe(DeidErrorCode.INVALID_ARGUMENT);
    expect(codeOf({ ...r, rows: new Date(0) })).toBe(DeidErrorCode.INVALID_ARGUMENT);
  });
});

describe('decimalString and formatRatio', () => {
  it.each([
    [1n, 3n, 'down', '0.333333'],
    [1n, 3n, 'up', '0.333334'],
    [2n, 3n, 'nearest', '0.666667'],
    [1n, 4n, 'up', '0.25'],
    [5n, 1n, 'down', '5'],
    [-1n, 3n, 'down', '-0.333334'],
    [-1n, 3n, 'up', '-0.333333'],
    [1n, 10_000_000n, 'nearest', '0'],
  ] as const)('%d/%d rounded %s is %s', (n, d, rounding, expected) => {
    expect(decimalString(n, d, 6, rounding)).toBe(expected);
  });

  it('renders ARX’s average risk of the Adult extract to its published 16 places', () => {
    expect(formatRatio({ numerator: 19_502, denominator: 30_162 }, 16)).toBe('0.6465751607983555');
  });
});
