import fc from 'fast-check';
import type { CellValue, Row } from '../../formats/src/schema';
import { DeidErrorCode, DeidentificationError } from './errors';
import { ClassCounter, createSuppressor, encodeClassKey, TupleClassCounter } from './k-anonymity';
import { compilePipeline, type PipelineColumn, type PipelineOptions } from './pipeline';

const SECRET = Buffer.alloc(32, 3);

const columns: PipelineColumn[] = [
  { name: 'serial', type: 'string', transform: { kind: 'pseudonymize' } },
  { name: 'operator', type: 'string', transform: { kind: 'pseudonymize', bits: 160 } },
  { name: 'line', type: 'string', transform: { kind: 'keep' } },
  {
    name: 'welded_at',
    type: 'timestamp',
    transform: { kind: 'generalize', generalization: { method: 'time', level: 'hour' } },
  },
  {
    name: 'inspected_on',
    type: 'date',
    transform: { kind: 'shiftDate', maxDays: 15, entityColumn: 'operator' },
  },
  { name: 'current', type: 'decimal', transform: { kind: 'noise', magnitude: 2, digits: 2 } },
  { name: 'recipe', type: 'string', transform: { kind: 'drop' } },
  { name: 'ok', type: 'boolean', transform: { kind: 'keep' } },
];

const raw: Row = {
  serial: 'CANARY-SN-1',
  operator: 'CANARY-OP-1',
  line: 'L1',
  welded_at: '2025-02-13T08:15:42Z',
  inspected_on: '2025-02-14',
  current: 121.5,
  recipe: 'CANARY-RECIPE',
  ok: true,
};

const options = (extra: Partial<PipelineOptions> = {}): PipelineOptions => ({
  masterSecret: SECRET,
  grantId: 'grant-1',
  columns,
  ...extra,
});

function codeOf(fn: () => unknown): DeidErrorCode | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof DeidentificationError) return e.code;
    throw e;
  }
  return undefined;
}

describe('compiled pipeline', () => {
  it('describes its output: dropped columns absent, pseudonyms and generalized values as strings', () => {
    expect(compilePipeline(options()).outputSchema).toEqual([
      { name: 'serial', type: 'string' },
      { name: 'operator', type: 'string' },
      { name: 'line', type: 'string' },
      { name: 'welded_at', type: 'string' },
      { name: 'inspected_on', type: 'date' },
      { name: 'current', type: 'decimal' },
      { name: 'ok', type: 'boolean' },
    ]);
  });

  it('applies every transform and lets no planted raw value through', () => {
    const out = compilePipeline(options()).apply(raw, 0)!;
    expect(Object.keys(out)).not.toContain('recipe');
    expect(out.line).toBe('L1');
    expect(out.welded_at).toBe('2025-02-13T08');
    expect(out.serial).toMatch(/^ps_[0-9a-f]{32}$/);
    expect(out.operator).toMatch(/^ps_[0-9a-f]{40}$/);
    expect(Math.abs((out.current as number) - 121.5)).toBeLessThanOrEqual(2.005);
    expect(JSON.stringify(out)).not.toContain('CANARY');
  });

  it('gives the same output for the same row index and grant, and another under another grant', () => {
    const a = compilePipeline(options()).apply(raw, 7);
    expect(compilePipeline(options()).apply(raw, 7)).toEqual(a);
    const other = compilePipeline(options({ grantId: 'grant-2' })).apply(raw, 7)!;
    expect(other.serial).not.toBe(a!.serial);
    expect(other.current).not.toBe(a!.current);
  });

  it('returns null for rows the row filter rejects, evaluated on raw values', () => {
    const p = compilePipeline(options({ rowFilter: [{ column: 'line', op: 'eq', value: 'L2' }] }));
    expect(p.apply(raw, 0)).toBeNull();
    expect(p.apply({ ...raw, line: 'L2' }, 1)).not.toBeNull();
  });

  it('refuses to compile without a master secret or with a short one', () => {
    expect(codeOf(() => compilePipeline(options({ masterSecret: undefined })))).toBe(
      DeidErrorCode.KEY_MISSING,
    );
    expect(codeOf(() => compilePipeline(options({ masterSecret: Buffer.alloc(16, 1) })))).toBe(
      DeidErrorCode.KEY_TOO_SHORT,
    );
  });

  it('refuses invalid transforms, duplicate columns and unknown entity columns', () => {
    const withColumns = (cols: PipelineColumn[]) => codeOf(() => compilePipeline(options({ columns: cols })));
    expect(withColumns([{ name: 'a', type: 'string', transform: { kind: 'encrypt' } }])).toBe(
      DeidErrorCode.INVALID_SPEC,
    );
    expect(withColumns([{ name: 'a', type: 'string', transform: { kind: 'pseudonymize', bits: 64 } }])).toBe(
      DeidErrorCode.INVALID_SPEC,
    );
    expect(
      withColumns([
        { name: 'a', type: 'string', transform: { kind: 'keep' } },
        { name: 'a', type: 'string', transform: { kind: 'drop' } },
      ]),
    ).toBe(DeidErrorCode.DUPLICATE_COLUMN);
    expect(
      withColumns([
        { name: 'd', type: 'date', transform: { kind: 'shiftDate', maxDays: 3, entityColumn: 'nobody' } },
      ]),
    ).toBe(DeidErrorCode.UNKNOWN_COLUMN);
    expect(withColumns([{ name: 'a', type: 'string', transform: { kind: 'noise', magnitude: 1 } }])).toBe(
      DeidErrorCode.TRANSFORM_TYPE,
    );
  });

  it('refuses row filters on unknown columns', () => {
    expect(codeOf(() => compilePipeline(options({ rowFilter: [{ column: 'nope', op: 'isNull' }] })))).toBe(
      DeidErrorCode.UNKNOWN_COLUMN,
    );
  });
});

describe('fixed-level k-anonymity', () => {
  const kColumns: PipelineColumn[] = [
    { name: 'serial', type: 'string', transform: { kind: 'pseudonymize' } },
    { name: 'age', type: 'integer', transform: { kind: 'keep' } },
    { name: 'shift', type: 'string', transform: { kind: 'keep' } },
    { name: 'value', type: 'decimal', transform: { kind: 'keep' } },
  ];
  const hierarchies = {
    age: [
      { method: 'interval' as const, width: 5 },
      { method: 'interval' as const, width: 10 },
    ],
  };

  it('releases a quasi-identifier at its level, as a string', () => {
    const p = compilePipeline({
      masterSecret: SECRET,
      grantId: 'g',
      columns: kColumns,
      kAnonymity: { k: 2, suppressionLimit: 0, levels: { age: 2, shift: 0 }, hierarchies },
    });
    expect(p.apply({ serial: 's', age: 37, shift: 'A', value: 1 }, 0)).toEqual(
      expect.objectContaining({ age: '30-40', shift: 'A' }),
    );
    expect(p.outputSchema.find((c) => c.name === 'age')!.type).toBe('string');
    expect(p.classKey({ serial: 's', age: 37, shift: 'A', value: 1 }, 0)).toBe(
      encodeClassKey(['30-40', 'A']),
    );
  });

  it('refuses a level outside the hierarchy and a hierarchy on a column that is not kept', () => {
    const compile = (levels: Record<string, number>, cols = kColumns) =>
      codeOf(() =>
        compilePipeline({
          masterSecret: SECRET,
          grantId: 'g',
          columns: cols,
          kAnonymity: { k: 2, suppressionLimit: 0, levels, hierarchies },
        }),
      );
    expect(compile({ age: 4 })).toBe(DeidErrorCode.INVALID_SPEC);
    expect(compile({ nope: 0 })).toBe(DeidErrorCode.UNKNOWN_COLUMN);
    const pseudonymizedAge = kColumns.map((c) =>
      c.name === 'age' ? { ...c, transform: { kind: 'pseudonymize' } } : c,
    );
    expect(compile({ age: 1 }, pseudonymizedAge)).toBe(DeidErrorCode.INVALID_SPEC);
  });

  it('refuses to release when suppression would exceed the limit', () => {
    const p = compilePipeline({
      masterSecret: SECRET,
      grantId: 'g',
      columns: kColumns,
      kAnonymity: { k: 3, suppressionLimit: 0.1, levels: { age: 0 }, hierarchies },
    });
    const counter = new ClassCounter();
    [20, 21, 22, 23].forEach((age, i) =>
      counter.add(p.classKey({ serial: 's', age, shift: 'A', value: 1 }, i)),
    );
    expect(codeOf(() => createSuppressor(p, counter))).toBe(DeidErrorCode.SUPPRESSION_LIMIT_EXCEEDED);
  });

  it('leaves every released class with at least k rows, and reports the risk of what it releases', () => {
    const rowArb = fc.record({
      age: fc.integer({ min: 18, max: 70 }),
      shift: fc.constantFrom('A', 'B', 'C'),
      value: fc.double({ noNaN: true, min: 0, max: 1 }),
    });
    fc.assert(
      fc.property(
        fc.array(rowArb, { maxLength: 120 }),
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 1 }),
        (rows, k, ageLevel, shiftLevel) => {
          const p = compilePipeline({
            masterSecret: SECRET,
            grantId: 'g',
            columns: kColumns,
            kAnonymity: {
              k,
              suppressionLimit: 0.5,
              levels: { age: ageLevel, shift: shiftLevel },
              hierarchies,
            },
          });
          const input = rows.map((r, i) => ({ serial: `S${i}`, ...r }));
          const counter = new ClassCounter();
          input.forEach((r, i) => counter.add(p.classKey(r, i)));
          let suppressor;
          try {
            suppressor = createSuppressor(p, counter);
          } catch (e) {
            expect((e as DeidentificationError).code).toBe(DeidErrorCode.SUPPRESSION_LIMIT_EXCEEDED);
            expect(counter.suppressedRows(k)).toBeGreaterThan(0.5 * input.length);
            return;
          }
          const released = input.map((r, i) => suppressor.apply(r, i)).filter((r): r is Row => r !== null);
          const classes = new Map<string, number>();
          for (const r of released)
            classes.set(
              JSON.stringify([r.age, r.shift]),
              (classes.get(JSON.stringify([r.age, r.shift])) ?? 0) + 1,
            );
          for (const size of classes.values()) expect(size).toBeGreaterThanOrEqual(k);
          const report = suppressor.report;
          expect(report.releasedRows).toBe(released.length);
          expect(report.suppressedRows).toBe(input.length - released.length);
          expect(report.releasedClasses).toBe(classes.size);
          if (released.length > 0) {
            expect(report.highestRisk).toBe(1 / Math.min(...classes.values()));
            expect(report.averageRisk).toBeCloseTo(classes.size / released.length, 12);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('columnar entry points (applyBatch, countBatch)', () => {
  const rows: Row[] = Array.from({ length: 60 }, (_, i) => ({
    ...raw,
    serial: `SN-${i}`,
    operator: i % 13 === 0 ? `OP-RARE-${i}` : `OP-${i % 4}`,
    line: `L${i % 3}`,
    welded_at: `2025-02-13T0${i % 5}:15:42Z`,
    current: 100 + i,
    ok: i % 2 === 0,
  }));
  const byColumn = (rs: Row[]): Record<string, Row[string][]> =>
    Object.fromEntries(columns.map((c) => [c.name, rs.map((r) => r[c.name] ?? null)]));
  const ka = { k: 3, suppressionLimit: 0.5, levels: { line: 0, welded_at: 0 } };
  const filter = [{ column: 'line', op: 'in', values: ['L0', 'L1'] }];

  it('emits exactly what apply returns, row indexes offset by firstRowIndex', () => {
    const p = compilePipeline(options({ rowFilter: filter }));
    const got: unknown[][] = [];
    const n = p.applyBatch(byColumn(rows), rows.length, 1000, (v) => got.push([...v]));
    const want = rows
      .map((r, i) => p.apply(r, 1000 + i))
      .filter((r): r is Row => r !== null)
      .map((r) => p.outputSchema.map((c) => r[c.name]));
    expect(n).toBe(want.length);
    expect(got).toEqual(want);
  });

  it('hands emit each row’s index, which a jittered date shift reads (applyBatch and apply agree)', () => {
    const jittered = columns.map((c) =>
      c.name === 'welded_at'
        ? {
            ...c,
            transform: {
              kind: 'shiftDate',
              maxDays: 10,
              entityColumn: 'operator',
              timeOfDay: { mode: 'jitter', minutes: 20 },
            },
          }
        : c,
    );
    const p = compilePipeline(options({ columns: jittered, rowFilter: filter }));
    const got: unknown[][] = [];
    const indexes: number[] = [];
    p.applyBatch(byColumn(rows), rows.length, 500, (v, rowIndex) => {
      got.push([...v]);
      indexes.push(rowIndex);
    });
    const kept = rows.map((r, i) => [r, 500 + i] as const).filter(([r]) => r.line !== 'L2');
    expect(indexes).toEqual(kept.map(([, i]) => i));
    expect(got).toEqual(kept.map(([r, i]) => p.outputSchema.map((c) => p.apply(r, i)![c.name])));
    // Rows sharing a raw time get times of their own.
    const at = p.outputSchema.findIndex((c) => c.name === 'welded_at');
    expect(new Set(got.map((v) => v[at])).size).toBeGreaterThan(new Set(kept.map(([r]) => r.welded_at)).size);
  });

  it('names the columns it reads: pass 1 only the QIs and filter columns', () => {
    const p = compilePipeline(options({ rowFilter: filter, kAnonymity: ka }));
    expect([...p.classKeyColumns].sort()).toEqual(['line', 'welded_at']);
    expect(p.inputColumns).not.toContain('recipe');
    expect(p.inputColumns).toContain('operator'); // the date shift's entity column
  });

  it('countBatch and the suppressor’s applyBatch match classKey and apply', () => {
    const p = compilePipeline(
      options({ rowFilter: filter, kAnonymity: { ...ka, levels: { line: 0, operator: 0 } } }),
    );
    const a = new ClassCounter();
    const b = new ClassCounter();
    rows.forEach((r, i) => a.add(p.classKey(r, i)));
    const pass1 = Object.fromEntries(p.classKeyColumns.map((c) => [c, rows.map((r) => r[c] ?? null)]));
    p.countBatch(pass1, rows.length, 0, b);
    expect([...b.sizes()]).toEqual([...a.sizes()]);
    const s = createSuppressor(p, a);
    expect(s.report.suppressedRows).toBeGreaterThan(0);
    const got: unknown[][] = [];
    s.applyBatch(byColumn(rows), rows.length, 0, (v) => got.push([...v]));
    const want = rows
      .map((r, i) => s.apply(r, i))
      .filter((r): r is Row => r !== null)
      .map((r) => p.outputSchema.map((c) => r[c.name]));
    expect(got).toEqual(want);
  });

  it('the single-column fast path (no date shift) emits what apply returns, with or without the filter mask', () => {
    const oneColumnEach = columns.filter((c) => c.name !== 'inspected_on');
    for (const kAnonymity of [
      undefined,
      { k: 2, suppressionLimit: 0.5, levels: { line: 1, welded_at: 0 } },
    ]) {
      const p = compilePipeline(
        options({
          columns: oneColumnEach,
          rowFilter: filter,
          kAnonymity,
          ...(kAnonymity === undefined
            ? {}
            : { kAnonymity: { ...kAnonymity, hierarchies: { line: [{ method: 'prefix', keep: 1 }] } } }),
        }),
      );
      const want = rows
        .map((r, i) => p.apply(r, 7 + i))
        .filter((r): r is Row => r !== null)
        .map((r) => p.outputSchema.map((c) => r[c.name]));
      const plain: unknown[][] = [];
      p.applyBatch(byColumn(rows), rows.length, 7, (v) => plain.push([...v]));
      const masked: unknown[][] = [];
      const mask = p.filterMask(byColumn(rows), rows.length);
      expect([...mask].filter((m) => m === 1)).toHaveLength(want.length);
      p.applyBatch(byColumn(rows), rows.length, 7, (v) => masked.push([...v]), mask);
      expect(plain).toEqual(want);
      expect(masked).toEqual(want);
      expect(p.rowFilterColumns).toEqual(['line']);
    }
  });

  it('refuses a batch lacking a column it reads', () => {
    const p = compilePipeline(options());
    expect(() => p.applyBatch({ serial: ['x'] }, 1, 0, () => undefined)).toThrow(DeidentificationError);
  });
});

describe('TupleClassCounter', () => {
  it('counts the same classes as ClassCounter over encoded keys (property)', () => {
    const cell = fc.oneof(
      fc.constantFrom<CellValue>(null, true, false, 0, -0, 1, '1', '', 'a', 'b'),
      fc.integer({ min: -3, max: 3 }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 3 })
          .chain((w) =>
            fc.tuple(
              fc.constant(w),
              fc.array(fc.array(cell, { minLength: w + 1, maxLength: w + 1 }), { maxLength: 60 }),
            ),
          ),
        ([w, rows]) => {
          const positions = Array.from({ length: w }, (_, i) => i + 1); // column 0 is not a QI
          const tuple = new TupleClassCounter(w);
          const keyed = new ClassCounter();
          rows.forEach((r, i) => {
            tuple.add(r, positions, i);
            keyed.add(encodeClassKey(positions.map((p) => r[p])));
          });
          expect(tuple.rows).toBe(keyed.rows);
          expect(tuple.classes).toBe(keyed.classes);
          expect([...tuple.sizes()].sort()).toEqual([...keyed.sizes()].sort());
          for (const r of rows)
            expect(tuple.countOf(r, positions)).toBe(
              keyed.countOf(encodeClassKey(positions.map((p) => r[p]))),
            );
          const below = rows.findIndex((r) => tuple.countOf(r, positions) < 3);
          expect(tuple.firstTagBelow(3)).toBe(below < 0 ? undefined : below);
        },
      ),
    );
  });
});
