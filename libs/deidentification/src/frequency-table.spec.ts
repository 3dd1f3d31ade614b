import fc from 'fast-check';
import type { CellValue, Row } from '@maxhub/formats';
import { DeidErrorCode, DeidentificationError } from './errors';
import {
  buildFrequencyTable,
  compareCells,
  FrequencyTableBuilder,
  type FrequencyTable,
} from './frequency-table';
import type { ValueTableHierarchy } from './spec';

function codeOf(fn: () => unknown): DeidErrorCode | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof DeidentificationError) return e.code;
    throw e;
  }
  return undefined;
}

/** The table as plain data: class → size and histograms by value (order-free). */
function contents(t: FrequencyTable): Record<string, { size: number; hists: Array<Record<string, number>> }> {
  const out: Record<string, { size: number; hists: Array<Record<string, number>> }> = {};
  const q = t.quasiIdentifiers.length;
  for (let c = 0; c < t.classes; c++) {
    const key = JSON.stringify(t.quasiIdentifiers.map((qi, j) => qi.values[t.codes[c * q + j]]));
    out[key] = {
      size: t.sizes[c],
      hists: t.histograms.map((h, s) => {
        const hist: Record<string, number> = {};
        for (let i = h.offsets[c]; i < h.offsets[c + 1]; i++)
          hist[JSON.stringify(t.sensitive[s].values[h.values[i]])] = h.counts[i];
        return hist;
      }),
    };
  }
  return out;
}

const rows: Row[] = [
  { line: 'L1', shift: 'A', defect: false, torque: 12.5 },
  { line: 'L1', shift: 'A', defect: true, torque: 12.5 },
  { line: 'L1', shift: 'A', defect: false, torque: 13 },
  { line: 'L2', shift: 'B', defect: false, torque: 12.5 },
  { line: 'L2', shift: null, defect: false, torque: 11 },
];

describe('frequency tables', () => {
  it('count rows per quasi-identifier combination with each sensitive column’s histogram', () => {
    const t = buildFrequencyTable(rows, {
      quasiIdentifiers: ['line', 'shift'],
      sensitive: ['defect', 'torque'],
    });
    expect([t.rows, t.classes]).toEqual([5, 3]);
    expect(contents(t)).toEqual({
      '["L1","A"]': {
        size: 3,
        hists: [
          { false: 2, true: 1 },
          { '12.5': 2, '13': 1 },
        ],
      },
      '["L2","B"]': { size: 1, hists: [{ false: 1 }, { '12.5': 1 }] },
      '["L2",null]': { size: 1, hists: [{ false: 1 }, { '11': 1 }] },
    });
  });

  it('number values in natural order: null, booleans, numbers by value, strings by code units', () => {
    const values: CellValue[] = ['b', 10, null, 'B', true, 9, false, 'a'];
    expect([...values].sort(compareCells)).toEqual([null, false, true, 9, 10, 'B', 'a', 'b']);
    const t = buildFrequencyTable(
      values.map((v) => ({ x: v })),
      { quasiIdentifiers: ['x'] },
    );
    expect(t.quasiIdentifiers[0].values).toEqual([null, false, true, 9, 10, 'B', 'a', 'b']);
  });

  it('keep 1 and "1" apart, as class keys do', () => {
    const t = buildFrequencyTable([{ x: 1 }, { x: '1' }, { x: 1 }], { quasiIdentifiers: ['x'] });
    expect(contents(t)).toEqual({ '[1]': { size: 2, hists: [] }, '["1"]': { size: 1, hists: [] } });
  });

  it('are the same whatever order the rows come in', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            a: fc.constantFrom('x', 'y', null),
            b: fc.integer({ min: 0, max: 3 }),
            s: fc.constantFrom('p', 'q', 'r'),
          }),
          { maxLength: 40 },
        ),
        fc.integer(),
        (data, seed) => {
          const shuffled = [...data].sort(
            (r1, r2) =>
              (Math.imul(data.indexOf(r1) + 1, seed) >>> 0) - (Math.imul(data.indexOf(r2) + 1, seed) >>> 0),
          );
          const options = { quasiIdentifiers: ['a', 'b'], sensitive: ['s'] };
          const one = buildFrequencyTable(data, options);
          const two = buildFrequencyTable(shuffled, options);
          expect(contents(two)).toEqual(contents(one));
          expect(two.quasiIdentifiers.map((q) => q.values)).toEqual(
            one.quasiIdentifiers.map((q) => q.values),
          );
          expect(two.sensitive[0].values).toEqual(one.sensitive[0].values);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('count the same through add, addValues and buildFrequencyTable', () => {
    const a = new FrequencyTableBuilder({ quasiIdentifiers: ['line', 'shift'], sensitive: ['defect'] });
    const b = new FrequencyTableBuilder({ quasiIdentifiers: ['line', 'shift'], sensitive: ['defect'] });
    for (const r of rows) {
      a.add(r);
      b.addValues([r.line, r.shift, r.defect]);
    }
    expect(a.rows).toBe(5);
    expect(contents(b.finish())).toEqual(contents(a.finish()));
  });

  it('count a column at a level of its hierarchy, keeping a raw representative per label', () => {
    const t = buildFrequencyTable(
      [
        { at: '2025-02-13T08:15:42Z', line: 'L1' },
        { at: '2025-02-13T08:59:00Z', line: 'L1' },
        { at: '2025-02-13T09:00:00Z', line: 'L1' },
      ],
      {
        quasiIdentifiers: [
          {
            name: 'at',
            base: {
              hierarchy: [
                { method: 'time', level: 'hour' },
                { method: 'time', level: 'day' },
              ],
              type: 'timestamp',
              level: 1,
            },
          },
          'line',
        ],
      },
    );
    expect(t.quasiIdentifiers[0]).toMatchObject({
      name: 'at',
      baseLevel: 1,
      values: ['2025-02-13T08', '2025-02-13T09'],
      representatives: ['2025-02-13T08:15:42Z', '2025-02-13T09:00:00Z'],
    });
    expect(Array.from(t.sizes).sort()).toEqual([1, 2]);
  });

  it('refuse a value its base level’s value table does not list, naming the column', () => {
    const workclass: ValueTableHierarchy = { method: 'table', rows: [['Private', 'Non-Government', '*']] };
    const b = new FrequencyTableBuilder({
      quasiIdentifiers: [{ name: 'workclass', base: { hierarchy: workclass, type: 'string', level: 1 } }],
    });
    b.add({ workclass: 'Private' });
    expect(codeOf(() => b.add({ workclass: 'Without-pay' }))).toBe(DeidErrorCode.HIERARCHY_INCOMPLETE);
  });

  it('refuse no quasi-identifier, a column listed twice and a base level outside the hierarchy', () => {
    expect(codeOf(() => new FrequencyTableBuilder({ quasiIdentifiers: [] }))).toBe(
      DeidErrorCode.INVALID_ARGUMENT,
    );
    expect(codeOf(() => new FrequencyTableBuilder({ quasiIdentifiers: ['a'], sensitive: ['a'] }))).toBe(
      DeidErrorCode.DUPLICATE_COLUMN,
    );
    expect(
      codeOf(
        () =>
          new FrequencyTableBuilder({
            quasiIdentifiers: [{ name: 'a', base: { hierarchy: [], type: 'string', level: 2 } }],
          }),
      ),
    ).toBe(DeidErrorCode.INVALID_SPEC);
  });
});
