import { DeidErrorCode, DeidentificationError } from './errors';
import {
  compileLevels,
  findHierarchyProblem,
  hierarchyHeight,
  labelContains,
  parseHierarchy,
  refuseHierarchyProblem,
} from './hierarchy';
import { compilePipeline } from './pipeline';
import { KAnonymitySpecSchema, type Generalization, type ValueTableHierarchy } from './spec';

function errorOf(fn: () => unknown): DeidentificationError | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof DeidentificationError) return e;
    throw e;
  }
  return undefined;
}

/** ARX's shape: raw value, then each level, the last column `*`. */
const workclass: ValueTableHierarchy = {
  method: 'table',
  rows: [
    ['Private', 'Non-Government', '*'],
    ['Self-emp-inc', 'Non-Government', '*'],
    ['State-gov', 'Government', '*'],
  ],
};

describe('value-table hierarchies (the shape of ARX’s CSV hierarchies)', () => {
  it('give each listed value its label per level, the last column `*` being the top', () => {
    const levels = compileLevels(workclass, 'string', 'workclass');
    expect(levels.map((g) => g('State-gov'))).toEqual(['State-gov', 'Government', '*']);
    expect(hierarchyHeight(workclass)).toBe(3);
  });

  it('add a top `*` above a last column that is not all `*`', () => {
    const noTop: ValueTableHierarchy = {
      method: 'table',
      rows: [
        ['a', 'x'],
        ['b', 'x'],
      ],
    };
    expect(compileLevels(noTop, 'string').map((g) => g('b'))).toEqual(['b', 'x', '*']);
    expect(hierarchyHeight(noTop)).toBe(3);
  });

  it('read a table of raw values only as an attribute whose only generalization is `*`', () => {
    const sex: ValueTableHierarchy = { method: 'table', rows: [['Male'], ['Female']] };
    expect(compileLevels(sex, 'string').map((g) => g('Male'))).toEqual(['Male', '*']);
    expect(
      hierarchyHeight({
        method: 'table',
        rows: [
          ['Male', '*'],
          ['Female', '*'],
        ],
      }),
    ).toBe(2);
  });

  it('look numbers up by their canonical string and keep null below the top', () => {
    const age: ValueTableHierarchy = { method: 'table', rows: [['39', '35-39', '*']] };
    const levels = compileLevels(age, 'integer');
    expect(levels.map((g) => g(39))).toEqual([39, '35-39', '*']);
    expect(levels.map((g) => g(null))).toEqual([null, null, '*']);
  });

  it('refuse a value they do not list, naming the column and level but not the value', () => {
    const e = errorOf(() => compileLevels(workclass, 'string', 'workclass')[1]('Never-worked-CANARY'));
    expect(e?.code).toBe(DeidErrorCode.HIERARCHY_INCOMPLETE);
    expect(e?.message).toContain('"workclass"');
    expect(e?.message).toContain('level 1');
    expect(e?.message).not.toContain('CANARY');
  });

  it('refuse rows of different lengths, a value listed twice, and labels that do not nest', () => {
    const table = (rows: string[][]): ValueTableHierarchy => ({ method: 'table', rows });
    expect(errorOf(() => compileLevels(table([['a', 'x'], ['b']]), 'string'))?.code).toBe(
      DeidErrorCode.INVALID_SPEC,
    );
    expect(
      errorOf(() =>
        compileLevels(
          table([
            ['a', 'x'],
            [' a', 'y'],
          ]),
          'string',
        ),
      )?.code,
    ).toBe(DeidErrorCode.INVALID_SPEC);
    expect(
      errorOf(() =>
        compileLevels(
          table([
            ['a', 'x', 'p'],
            ['b', 'x', 'q'],
          ]),
          'string',
        ),
      )?.code,
    ).toBe(DeidErrorCode.HIERARCHY_NOT_MONOTONE);
  });

  it('are refused by the schema when malformed (no rows, a label over 200 characters)', () => {
    expect(errorOf(() => parseHierarchy({ method: 'table', rows: [] }, 'x'))?.code).toBe(
      DeidErrorCode.INVALID_SPEC,
    );
    expect(
      errorOf(() => parseHierarchy({ method: 'table', rows: [['a', 'b'.repeat(201)]] }, 'x'))?.code,
    ).toBe(DeidErrorCode.INVALID_SPEC);
  });
});

describe('ARX’s hierarchy shapes in grants and pipelines', () => {
  it('accept an attribute whose only level is `*` and a chosen level at the top', () => {
    const parsed = KAnonymitySpecSchema.safeParse({
      k: 5,
      hierarchies: { sex: [], age: [{ method: 'interval', width: 10 }] },
      levels: { sex: 1, age: 2 },
    });
    expect(parsed.success).toBe(true);
    expect(hierarchyHeight([])).toBe(2);
  });

  it('release `*` at the top level, for a list or a value table, in a compiled pipeline', () => {
    const p = compilePipeline({
      masterSecret: Buffer.alloc(32, 1),
      grantId: 'g',
      columns: [
        { name: 'sex', type: 'string', transform: { kind: 'keep' } },
        { name: 'workclass', type: 'string', transform: { kind: 'keep' } },
      ],
      kAnonymity: {
        k: 2,
        suppressionLimit: 0,
        levels: { sex: 1, workclass: 1 },
        hierarchies: { sex: [], workclass },
      },
    });
    expect(p.apply({ sex: 'Male', workclass: 'Private' }, 0)).toEqual({
      sex: '*',
      workclass: 'Non-Government',
    });
  });

  it('refuse a level above the top', () => {
    const e = errorOf(() =>
      compilePipeline({
        masterSecret: Buffer.alloc(32, 1),
        grantId: 'g',
        columns: [{ name: 'workclass', type: 'string', transform: { kind: 'keep' } }],
        kAnonymity: { k: 2, suppressionLimit: 0, levels: { workclass: 3 }, hierarchies: { workclass } },
      }),
    );
    expect(e?.code).toBe(DeidErrorCode.INVALID_SPEC);
    expect(e?.message).toContain('"workclass"');
  });
});

describe('findHierarchyProblem', () => {
  it('finds nothing when every value has a label at every level', () => {
    expect(
      findHierarchyProblem(workclass, 'string', ['Private', 'State-gov', null], 'workclass'),
    ).toBeUndefined();
  });

  it('returns the first value a value table does not list, with its column and level', () => {
    expect(
      findHierarchyProblem(workclass, 'string', ['Private', 'Without-pay', 'Never'], 'workclass'),
    ).toEqual({
      column: 'workclass',
      reason: 'UNCOVERED',
      value: 'Without-pay',
      level: 1,
    });
  });

  it('reports a value that only a value map’s `otherwise` catches, at the map’s level', () => {
    const h: Generalization[] = [
      { method: 'prefix', keep: 2 },
      { method: 'map', map: { 'L1**': 'Ulsan' }, otherwise: '*' },
    ];
    expect(findHierarchyProblem(h, 'string', ['L123', 'L2AB'], 'line')).toEqual({
      column: 'line',
      reason: 'UNCOVERED',
      value: 'L2AB',
      level: 2,
    });
  });

  it('reports a value an interval or time level cannot read', () => {
    expect(findHierarchyProblem([{ method: 'interval', width: 5 }], 'integer', [3, 'n/a'], 'age')).toEqual({
      column: 'age',
      reason: 'UNCOVERED',
      value: 'n/a',
      level: 1,
    });
    expect(
      findHierarchyProblem([{ method: 'time', level: 'day' }], 'timestamp', ['2025-13-40T00:00:00Z'], 'at')
        ?.reason,
    ).toBe('UNCOVERED');
  });

  it('reports a label that reads as a range not containing its value', () => {
    const age: ValueTableHierarchy = {
      method: 'table',
      rows: [
        ['19', '15-19', '*'],
        ['20', '15-19', '*'],
      ],
    };
    expect(findHierarchyProblem(age, 'integer', [19, 20], 'age')).toEqual({
      column: 'age',
      reason: 'LABEL_OUTSIDE_RANGE',
      value: 20,
      level: 1,
      label: '15-19',
    });
  });

  it('finds the interval generalization’s own labels consistent, bottom and top codes included', () => {
    const h: Generalization[] = [
      { method: 'interval', width: 5, bottom: 0, top: 100 },
      { method: 'interval', width: 10, bottom: 0, top: 100 },
    ];
    expect(findHierarchyProblem(h, 'integer', [-3, 0, 4, 5, 99, 100, 250], 'age')).toBeUndefined();
  });
});

describe('labelContains', () => {
  it.each([
    ['20-24', 24, true],
    ['20-25', 25, true],
    ['20-24', 25, false],
    ['-20--10', -15, true],
    ['[20, 30)', 30, false],
    ['[20, 30]', 30, true],
    ['(20;30]', 20, false],
    ['<0', -1, true],
    ['≥100', 99, false],
    ['>=100', 100, true],
    ['<=5', 6, false],
    ['>5', 6, true],
  ] as const)('reads %s as containing %d: %s', (label, v, expected) => {
    expect(labelContains(label, v)).toBe(expected);
  });

  it('leaves labels that are not ranges alone', () => {
    expect([labelContains('Government', 3), labelContains('2025-02', 3)]).toEqual([undefined, undefined]);
  });
});

describe('refuseHierarchyProblem', () => {
  it('throws a coded error naming the column and level, never the value', () => {
    const uncovered = errorOf(() =>
      refuseHierarchyProblem({ column: 'line', reason: 'UNCOVERED', value: 'CANARY-1', level: 2 }),
    );
    const mislabelled = errorOf(() =>
      refuseHierarchyProblem({
        column: 'age',
        reason: 'LABEL_OUTSIDE_RANGE',
        value: 777,
        level: 1,
        label: '15-19',
      }),
    );
    expect([uncovered?.code, mislabelled?.code]).toEqual([
      DeidErrorCode.HIERARCHY_INCOMPLETE,
      DeidErrorCode.HIERARCHY_LABEL_MISMATCH,
    ]);
    expect(uncovered?.message).toMatch(/"line".*level 2/);
    expect(`${uncovered?.message} ${mislabelled?.message}`).not.toMatch(/CANARY|777|15-19/);
  });
});
