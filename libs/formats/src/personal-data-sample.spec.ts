import { Readable } from 'node:stream';
import { inferSchema } from './infer';
import { PersonalDataSample } from './personal-data-sample';
import type { RecordBatch } from './records';
import { validateObject } from './validate';

const src = (s: string): Readable => Readable.from([Buffer.from(s)]);
const NAMES = [
  '김민수',
  '이영희',
  '박철수',
  '최지우',
  '정우성',
  '강동원',
  '조인성',
  '윤아름',
  '장서연',
  '임하준',
];

function csv(rows: number, row: (i: number) => string, header = 'station,operator,amps'): string {
  return [header, ...Array.from({ length: rows }, (_, i) => row(i))].join('\n') + '\n';
}

describe('PersonalDataSample', () => {
  it('keeps at most its capacity, uniformly over the read', () => {
    const sample = new PersonalDataSample(100);
    const columns = ['n'];
    for (let b = 0; b < 100; b++) {
      const batch: RecordBatch = {
        columns,
        records: Array.from({ length: 100 }, (_, i) => [String(b * 100 + i)]),
        firstRow: b * 100 + 1,
        cells: 'text',
      };
      sample.observe(batch);
    }
    expect(sample.size).toBe(100);
    const kept = (sample as unknown as { rows: string[][] }).rows.map((r) => Number(r[0]));
    // Uniform over 10,000 rows: about half the kept rows come from the second half.
    expect(kept.filter((n) => n >= 5000).length).toBeGreaterThan(30);
    expect(kept.filter((n) => n < 5000).length).toBeGreaterThan(30);
  });

  it('looks only at string and integer columns', () => {
    const sample = new PersonalDataSample();
    sample.observe({
      columns: ['a', 'b'],
      records: NAMES.map((n) => [n, n]),
      firstRow: 1,
      cells: 'text',
    });
    expect(
      Object.keys(
        sample.detect([
          { name: 'a', type: 'string' },
          { name: 'b', type: 'decimal' },
        ]),
      ),
    ).toEqual(['a']);
  });

  it('decodes UTF-8 held as Latin-1 before looking', () => {
    const sample = new PersonalDataSample();
    sample.observe({
      columns: ['a'],
      records: NAMES.map((n) => [Buffer.from(n, 'utf8').toString('latin1')]),
      firstRow: 1,
      cells: 'text',
      latin1: true,
    });
    expect(sample.detect([{ name: 'a', type: 'string' }]).a?.kind).toBe('KOREAN_NAME');
  });

  it('reads JSON and Parquet scalars: numbers as their digits, other values as not personal', () => {
    const sample = new PersonalDataSample();
    sample.observe({
      columns: ['rrn', 'flag'],
      records: [
        [9001011234568, true],
        [8512312000177, false],
        [BigInt('7707071234567'), true],
      ],
      firstRow: 1,
      cells: 'value',
    });
    const found = sample.detect([
      { name: 'rrn', type: 'integer' },
      { name: 'flag', type: 'string' },
    ]);
    expect(Object.keys(found)).toEqual(['rrn']);
  });
});

describe('validateObject and inferSchema report personal data by column', () => {
  it('validateObject judges a sample over the whole object, so late personal data is seen', async () => {
    const body = csv(
      30_000,
      (i) => `ST-${i % 12},${i < 20_000 ? '' : NAMES[i % NAMES.length]},${(200 + (i % 50)).toFixed(1)}`,
    );
    const whole = await validateObject({ format: 'CSV', source: src(body) });
    expect(whole.personalData).toEqual({
      operator: expect.objectContaining({ kind: 'KOREAN_NAME', share: 1 }),
    });
    // The publish-time sample reads only the first rows: it cannot know yet.
    const first = await inferSchema({ format: 'CSV', source: src(body), sampleRows: 1000 });
    expect(first.personalData).toEqual({});
  });

  it('inferSchema reports what its first rows show', async () => {
    const body = csv(200, (i) => `ST-${i % 12},${NAMES[i % NAMES.length]},${(200 + (i % 50)).toFixed(1)}`);
    const r = await inferSchema({ format: 'CSV', source: src(body), sampleRows: 100 });
    expect(r.personalData.operator).toEqual({
      kind: 'KOREAN_NAME',
      share: 1,
      threshold: 0.8,
      sampledValues: 100,
    });
  });

  it('gives the same verdict for the same object', async () => {
    const body = csv(20_000, (i) => `ST-${i % 12},${i % 3 ? NAMES[i % NAMES.length] : `OP-${i}`},1.5`);
    const a = await validateObject({ format: 'CSV', source: src(body) });
    const b = await validateObject({ format: 'CSV', source: src(body) });
    expect(a.personalData).toEqual(b.personalData);
  });

  it('reports nothing from a declared-columns pass (it only names the first offending line)', async () => {
    const body = csv(50, (i) => `ST-1,${NAMES[i % NAMES.length]},1.5`);
    const r = await validateObject({
      format: 'CSV',
      source: src(body),
      declaredColumns: [
        { name: 'station', type: 'string' },
        { name: 'operator', type: 'string' },
        { name: 'amps', type: 'decimal' },
      ],
    });
    expect(r.personalData).toEqual({});
  });
});
