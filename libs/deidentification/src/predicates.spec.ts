import type { ColumnType, Row } from '../../formats/src/schema';
import { DeidErrorCode, DeidentificationError } from './errors';
import { compilePredicates } from './predicates';
import { MAX_PREDICATES } from './spec';

const types: Record<string, ColumnType> = {
  line: 'string',
  current: 'decimal',
  ok: 'boolean',
  welded_at: 'timestamp',
  day: 'date',
};

const row = (r: Partial<Row>): Row => ({
  line: 'L1',
  current: 120,
  ok: true,
  welded_at: '2025-02-13T08:00:00Z',
  day: '2025-02-13',
  ...r,
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

describe('predicates', () => {
  it('compares numbers numerically, not as text', () => {
    const p = compilePredicates([{ column: 'current', op: 'gt', value: 99 }], types);
    expect(p(row({ current: 120 }))).toBe(true);
    expect(p(row({ current: 9 }))).toBe(false);
  });

  it('compares timestamps in time order after normalizing offsets', () => {
    const p = compilePredicates([{ column: 'welded_at', op: 'lt', value: '2025-02-13T08:30:00Z' }], types);
    expect(p(row({ welded_at: '2025-02-13T17:00:00+09:00' }))).toBe(true);
    expect(p(row({ welded_at: '2025-02-13T09:00:00Z' }))).toBe(false);
  });

  it('compares dates and strings in lexicographic order and supports between, in and prefix', () => {
    expect(
      compilePredicates(
        [{ column: 'day', op: 'between', low: '2025-02-01', high: '2025-02-28' }],
        types,
      )(row({})),
    ).toBe(true);
    expect(compilePredicates([{ column: 'line', op: 'in', values: ['L1', 'L2'] }], types)(row({}))).toBe(
      true,
    );
    expect(compilePredicates([{ column: 'line', op: 'notIn', values: ['L1'] }], types)(row({}))).toBe(false);
    expect(compilePredicates([{ column: 'welded_at', op: 'prefix', value: '2025-02' }], types)(row({}))).toBe(
      true,
    );
    expect(compilePredicates([{ column: 'line', op: 'gte', value: 'L10' }], types)(row({ line: 'L2' }))).toBe(
      true,
    );
  });

  it('ANDs a list of predicates and accepts everything when the list is empty', () => {
    const p = compilePredicates(
      [
        { column: 'line', op: 'eq', value: 'L1' },
        { column: 'ok', op: 'eq', value: false },
      ],
      types,
    );
    expect(p(row({ ok: false }))).toBe(true);
    expect(p(row({ ok: true }))).toBe(false);
    expect(compilePredicates([], types)(row({}))).toBe(true);
  });

  it('treats null like SQL: only isNull holds', () => {
    const nullRow = row({ current: null });
    expect(compilePredicates([{ column: 'current', op: 'ne', value: 1 }], types)(nullRow)).toBe(false);
    expect(compilePredicates([{ column: 'current', op: 'isNull' }], types)(nullRow)).toBe(true);
    expect(compilePredicates([{ column: 'current', op: 'notNull' }], types)(nullRow)).toBe(false);
  });

  it('fails closed on a cell of the wrong shape', () => {
    expect(
      compilePredicates([{ column: 'current', op: 'ne', value: 1 }], types)(row({ current: 'abc' })),
    ).toBe(false);
  });

  it('refuses an unknown column', () => {
    expect(codeOf(() => compilePredicates([{ column: 'operator', op: 'eq', value: 'x' }], types))).toBe(
      DeidErrorCode.UNKNOWN_COLUMN,
    );
  });

  it('refuses operands and operators that do not fit the column type', () => {
    const refuse = (p: unknown) => codeOf(() => compilePredicates([p], types));
    expect(refuse({ column: 'current', op: 'eq', value: '120' })).toBe(DeidErrorCode.PREDICATE_TYPE);
    expect(refuse({ column: 'ok', op: 'lt', value: true })).toBe(DeidErrorCode.PREDICATE_TYPE);
    expect(refuse({ column: 'day', op: 'eq', value: 'yesterday' })).toBe(DeidErrorCode.PREDICATE_TYPE);
    expect(refuse({ column: 'current', op: 'prefix', value: '1' })).toBe(DeidErrorCode.PREDICATE_TYPE);
  });

  it('refuses a predicate that does not parse, without echoing it', () => {
    try {
      compilePredicates([{ column: 'line', op: 'like', value: 'CANARY%' }], types);
      throw new Error('expected a refusal');
    } catch (e) {
      expect((e as DeidentificationError).code).toBe(DeidErrorCode.INVALID_SPEC);
      expect((e as Error).message).not.toContain('CANARY');
    }
  });

  it('names the field a refused predicate got wrong and what was expected', () => {
    const problem = (p: unknown) => {
      try {
        compilePredicates([{ column: 'line', op: 'eq', value: 'L1' }, p], types);
        return 'compiled';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(problem({ column: 'line', op: 'like', value: 'x' })).toMatch(
      /^Predicate #2: `op` must be one of eq, ne/,
    );
    expect(problem({ column: '', op: 'eq', value: 'x' })).toMatch(
      /^Predicate #2: `column` must be a column name/,
    );
    expect(problem({ column: 'line', op: 'in', values: [] })).toMatch(/`values` must be a list of 1 to 1000/);
    expect(problem({ column: 'line', op: 'eq', value: { a: 1 } })).toMatch(/`value` must be a string/);
    expect(problem({ column: 'line', op: 'eq', value: 'x', sql: 'DROP' })).toMatch(
      /a field a predicate does not take/,
    );
    expect(problem('line = 1')).toMatch(/must be an object with `column`, `op`/);
  });

  it('refuses 100,000 predicates before reading any of them, naming the count and the limit', () => {
    let reads = 0;
    const watched = {
      get column() {
        reads++;
        return 'line';
      },
      op: 'eq',
      value: 'L1',
    };
    const many = new Array<unknown>(100_000).fill(watched);
    let err: unknown;
    try {
      compilePredicates(many, types);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeidentificationError);
    expect((err as DeidentificationError).code).toBe(DeidErrorCode.TOO_MANY_PREDICATES);
    expect((err as Error).message).toBe('The filter has 100000 predicates; at most 50 are allowed.');
    expect(reads).toBe(0);
  });

  it('still compiles a list of exactly MAX_PREDICATES predicates, and honours a lower cap asked by the caller', () => {
    const fifty = Array.from({ length: MAX_PREDICATES }, () => ({ column: 'line', op: 'ne', value: 'L9' }));
    expect(compilePredicates(fifty, types)(row({}))).toBe(true);
    expect(codeOf(() => compilePredicates(fifty, types, { maxPredicates: 32 }))).toBe(
      DeidErrorCode.TOO_MANY_PREDICATES,
    );
    expect(codeOf(() => compilePredicates(fifty.slice(0, 32), types, { maxPredicates: 32 }))).toBeUndefined();
  });
});
