import type { Row } from '@maxhub/formats';
import { buildFrequencyTable } from './frequency-table';
import { decimalRational, entropyBits, entropyEll } from './privacy-models';
import { reviewRisk } from './review';

const hist = (...counts: number[]) => ({
  values: Int32Array.from(counts.map((_, i) => i)),
  counts: Int32Array.from(counts),
  from: 0,
  to: counts.length,
});

describe('decimalRational', () => {
  it.each([
    [0.2, 2n, 10n],
    [0.04, 4n, 100n],
    [1, 1n, 1n],
    [1e-7, 1n, 10_000_000n],
    [0.3333333333333333, 3333333333333333n, 10_000_000_000_000_000n],
  ])('reads %d as the decimal it is written as', (x, numerator, denominator) => {
    expect(decimalRational(x)).toEqual({ numerator, denominator });
  });
});

describe('entropy ℓ-diversity', () => {
  it('gives a uniform histogram exactly the entropy of its distinct count', () => {
    for (const [f, d] of [
      [2, 5],
      [3, 5],
      [100, 5],
      [7, 3],
    ]) {
      const h = hist(...Array.from({ length: d }, () => f));
      expect(entropyBits(h, f * d)).toBe(Math.log(d) / Math.LN2);
      expect(entropyEll(h, f * d)).toBe(d);
    }
  });

  it('gives a skewed histogram exp(entropy) in nats', () => {
    const h = hist(2, 1, 1);
    const nats = -(0.5 * Math.log(0.5) + 2 * 0.25 * Math.log(0.25));
    expect(entropyEll(h, 4)).toBeCloseTo(Math.exp(nats), 12);
  });
});

describe('t-closeness', () => {
  // Occupation over 3 rows a, b, c: the class {b, c} is at EMD ½(1/3 + 1/6 + 1/6) = 1/3 exactly,
  // the class {a} at 2/3. As doubles 1/3 and 0.3333333333333333 are the same number.
  const rows: Row[] = [
    { g: 'x', occupation: 'a' },
    { g: 'y', occupation: 'b' },
    { g: 'y', occupation: 'c' },
  ];
  const table = buildFrequencyTable(rows, { quasiIdentifiers: ['g'], sensitive: ['occupation'] });
  const review = (t: number) =>
    reviewRisk(table, {
      quasiIdentifiers: [{ name: 'g', type: 'string', hierarchy: [] }],
      models: { tCloseness: [{ column: 'occupation', measure: 'equal', t }] },
      suppressionLimit: 1,
      levels: { g: 0 },
    });

  it('compares an EMD with t exactly, t read as the decimal it is written as', () => {
    expect(review(0.3333333333333333).rowsSuppressed).toBe(3);
    expect(review(0.3333333333333334).rowsSuppressed).toBe(1);
    expect(review(0.6666666666666667).rowsSuppressed).toBe(0);
  });

  it('reports the t achieved rounded up, so the release is never closer than it says', () => {
    expect(review(0.34).tCloseness).toEqual([
      { column: 'occupation', measure: 'equal', achieved: '0.333334' },
    ]);
    expect(review(0.7).tCloseness[0].achieved).toBe('0.666667');
    expect(review(0.2).tCloseness[0].achieved).toBeNull();
  });

  it('orders values naturally for the ordered distance (numbers by value, not as text)', () => {
    // Grades 2, 10, 9 in natural order are 2 < 9 < 10; as text "10" < "2" < "9".
    const graded = buildFrequencyTable(
      [
        { g: 'x', grade: 2 },
        { g: 'x', grade: 10 },
        { g: 'y', grade: 9 },
        { g: 'y', grade: 9 },
      ],
      { quasiIdentifiers: ['g'], sensitive: ['grade'] },
    );
    const r = reviewRisk(graded, {
      quasiIdentifiers: [{ name: 'g', type: 'string', hierarchy: [] }],
      models: { tCloseness: [{ column: 'grade', measure: 'ordered', t: 1 }] },
      suppressionLimit: 0,
      levels: { g: 0 },
    });
    // Table 2:¼ 9:½ 10:¼; class x 2:½ 10:½ → cumulative differences ¼, −¼ over 2 steps: EMD ¼.
    // Class y 9:1 → −¼, ¼: EMD ¼.
    expect(r.tCloseness[0].achieved).toBe('0.25');
    expect(graded.sensitive[0].values).toEqual([2, 9, 10]);
  });
});
