import fc from 'fast-check';
import { DeidErrorCode, DeidentificationError } from './errors';
import { compileGeneralization, compileHierarchy, validateHierarchy } from './generalize';
import type { Generalization, TimeLevel } from './spec';
import { isoWeek } from './time';

function codeOf(fn: () => unknown): DeidErrorCode | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof DeidentificationError) return e.code;
    throw e;
  }
  return undefined;
}

const time = (level: TimeLevel): Generalization => ({ method: 'time', level });

describe('time generalization', () => {
  const ts = '2025-02-13T08:15:42.123Z';
  it.each([
    ['minute', '2025-02-13T08:15'],
    ['hour', '2025-02-13T08'],
    ['day', '2025-02-13'],
    ['week', '2025-W07'],
    ['month', '2025-02'],
    ['year', '2025'],
  ] as const)('truncates a timestamp to the %s', (level, expected) => {
    expect(compileGeneralization(time(level), 'timestamp')(ts)).toBe(expected);
  });

  it('normalizes an offset to UTC before truncating', () => {
    expect(compileGeneralization(time('hour'), 'timestamp')('2025-02-13T08:15:00+09:00')).toBe(
      '2025-02-12T23',
    );
    expect(compileGeneralization(time('day'), 'timestamp')('2025-01-01T01:00:00+02:00')).toBe('2024-12-31');
  });

  it('takes a timestamp without offset, or with a space, as UTC wall time', () => {
    expect(compileGeneralization(time('minute'), 'timestamp')('2025-02-13 08:15:59')).toBe(
      '2025-02-13T08:15',
    );
  });

  it('numbers ISO weeks across year boundaries', () => {
    expect(isoWeek(2024, 12, 30)).toBe('2025-W01');
    expect(isoWeek(2021, 1, 3)).toBe('2020-W53');
    expect(isoWeek(2026, 12, 31)).toBe('2026-W53');
    expect(compileGeneralization(time('week'), 'date')('2025-02-10')).toBe('2025-W07');
  });

  it('refuses hour and minute on a date column, and any time level on a number', () => {
    expect(codeOf(() => compileGeneralization(time('hour'), 'date'))).toBe(DeidErrorCode.TRANSFORM_TYPE);
    expect(codeOf(() => compileGeneralization(time('day'), 'integer'))).toBe(DeidErrorCode.TRANSFORM_TYPE);
  });

  it('refuses a malformed timestamp without echoing it', () => {
    const g = compileGeneralization(time('day'), 'timestamp', 'welded_at');
    try {
      g('2025-13-40TCANARY');
      throw new Error('expected a refusal');
    } catch (e) {
      expect((e as DeidentificationError).code).toBe(DeidErrorCode.INVALID_VALUE);
      expect((e as Error).message).not.toContain('CANARY');
    }
  });

  it('keeps nulls null', () => {
    expect(compileGeneralization(time('year'), 'timestamp')(null)).toBeNull();
  });
});

describe('numeric generalization', () => {
  it('maps a number to the half-open interval of its width', () => {
    const g = compileGeneralization({ method: 'interval', width: 10 }, 'integer');
    expect(g(10)).toBe('10-20');
    expect(g(19.99)).toBe('10-20');
    expect(g(-1)).toBe('-10-0');
  });

  it('top- and bottom-codes and clips the last interval at the top', () => {
    const g = compileGeneralization({ method: 'interval', width: 30, bottom: 0, top: 100 }, 'decimal');
    expect(g(-0.5)).toBe('<0');
    expect(g(100)).toBe('≥100');
    expect(g(95)).toBe('90-100');
    expect(g(0)).toBe('0-30');
  });

  it('prints decimal interval bounds without floating-point noise', () => {
    expect(compileGeneralization({ method: 'interval', width: 0.1 }, 'decimal')(0.35)).toBe('0.3-0.4');
  });

  it('rounds to decimal digits, negative digits included, and stays a number', () => {
    expect(compileGeneralization({ method: 'round', digits: -2 }, 'integer')(1234)).toBe(1200);
    expect(compileGeneralization({ method: 'round', digits: 1 }, 'decimal')(3.14159)).toBe(3.1);
  });

  it('refuses intervals on strings', () => {
    expect(codeOf(() => compileGeneralization({ method: 'interval', width: 1 }, 'string'))).toBe(
      DeidErrorCode.TRANSFORM_TYPE,
    );
  });
});

describe('string generalization', () => {
  it('masks all but a prefix, keeping the length', () => {
    expect(compileGeneralization({ method: 'prefix', keep: 2 }, 'string')('AB1234')).toBe('AB****');
    expect(compileGeneralization({ method: 'prefix', keep: 1 }, 'string')('용접라인')).toBe('용***');
  });

  it('maps values through the grant’s map, with a fallback and no prototype keys', () => {
    const g = compileGeneralization(
      { method: 'map', map: { L1: 'P-north', L2: 'P-north' }, otherwise: 'other' },
      'string',
    );
    expect(g('L1')).toBe('P-north');
    expect(g('L9')).toBe('other');
    expect(g('constructor')).toBe('other');
  });
});

describe('hierarchies', () => {
  it('chains value maps: line → plant → region', () => {
    const levels = compileHierarchy(
      [
        { method: 'map', map: { L1: 'P1', L2: 'P1', L3: 'P2' }, otherwise: '*' },
        { method: 'map', map: { P1: 'north', P2: 'south' }, otherwise: '*' },
      ],
      'string',
    );
    expect(levels.map((g) => g('L3'))).toEqual(['L3', 'P2', 'south', '*']);
  });

  it('suppresses every value, null included, at the implicit top level', () => {
    const levels = compileHierarchy([time('day')], 'timestamp');
    expect(levels[2](null)).toBe('*');
    expect(levels[1](null)).toBeNull();
  });

  it('refuses hierarchies that do not nest', () => {
    const refuse = (gens: Generalization[]) => codeOf(() => validateHierarchy(gens));
    expect(refuse([time('week'), time('month')])).toBe(DeidErrorCode.HIERARCHY_NOT_MONOTONE);
    expect(refuse([time('month'), time('day')])).toBe(DeidErrorCode.HIERARCHY_NOT_MONOTONE);
    expect(
      refuse([
        { method: 'interval', width: 10 },
        { method: 'interval', width: 15 },
      ]),
    ).toBe(DeidErrorCode.HIERARCHY_NOT_MONOTONE);
    expect(
      refuse([
        { method: 'round', digits: -1 },
        { method: 'round', digits: -2 },
      ]),
    ).toBe(DeidErrorCode.HIERARCHY_NOT_MONOTONE);
    expect(
      refuse([
        { method: 'prefix', keep: 2 },
        { method: 'prefix', keep: 3 },
      ]),
    ).toBe(DeidErrorCode.HIERARCHY_NOT_MONOTONE);
    expect(refuse([time('day'), time('week')])).toBeUndefined();
  });

  function assertMonotone(levels: ReturnType<typeof compileHierarchy>, a: unknown, b: unknown): void {
    for (let i = 0; i + 1 < levels.length; i++) {
      if (levels[i](a as never) === levels[i](b as never)) {
        expect(levels[i + 1](a as never)).toBe(levels[i + 1](b as never));
      }
    }
  }

  const epoch2000 = Date.UTC(2000, 0, 1);
  const epoch2040 = Date.UTC(2040, 0, 1);
  const timestamp = fc.integer({ min: epoch2000, max: epoch2040 }).map((t) => new Date(t).toISOString());

  it('keeps values equal at one level equal at the next (time: minute → … → year)', () => {
    const levels = compileHierarchy(
      ['minute', 'hour', 'day', 'month', 'year'].map((l) => time(l as TimeLevel)),
      'timestamp',
    );
    fc.assert(
      fc.property(timestamp, fc.integer({ min: 0, max: 3 * 86_400_000 }), (a, delta) => {
        assertMonotone(levels, a, new Date(Date.parse(a) + delta).toISOString());
      }),
    );
  });

  it('keeps values equal at one level equal at the next (time: day → week)', () => {
    const levels = compileHierarchy([time('day'), time('week')], 'timestamp');
    fc.assert(fc.property(timestamp, timestamp, (a, b) => assertMonotone(levels, a, b)));
  });

  it('keeps values equal at one level equal at the next (intervals, then a top code)', () => {
    const levels = compileHierarchy(
      [
        { method: 'interval', width: 5, bottom: 0, top: 90 },
        { method: 'interval', width: 10, bottom: 0, top: 90 },
        { method: 'interval', width: 30, bottom: 0, top: 90 },
      ],
      'decimal',
    );
    const v = fc.double({ min: -20, max: 120, noNaN: true });
    fc.assert(
      fc.property(v, fc.double({ min: 0, max: 12, noNaN: true }), (a, d) => assertMonotone(levels, a, a + d)),
    );
  });

  it('keeps values equal at one level equal at the next (prefixes)', () => {
    const levels = compileHierarchy(
      [
        { method: 'prefix', keep: 4 },
        { method: 'prefix', keep: 2 },
      ],
      'string',
    );
    const s = fc.string({ unit: fc.constantFrom('A', 'B', '1', '2'), maxLength: 6 });
    fc.assert(fc.property(s, s, (a, b) => assertMonotone(levels, a, b)));
  });
});

describe('time generalization of canonical UTC timestamps (the cut fast path)', () => {
  it('cuts to the same label as parsing with an explicit offset would give (property)', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1970-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        fc.constantFrom<TimeLevel>('minute', 'hour', 'day', 'week', 'month', 'year'),
        (d, level) => {
          const g = compileGeneralization(time(level), 'timestamp', 'at');
          const canonical = d.toISOString();
          return g(canonical) === g(canonical.replace('Z', '+00:00'));
        },
      ),
    );
  });

  it('still refuses an impossible canonical-looking timestamp', () => {
    const g = compileGeneralization(time('hour'), 'timestamp', 'at');
    expect(codeOf(() => g('2025-02-30T08:15:00.000Z'))).toBe(DeidErrorCode.INVALID_VALUE);
    expect(codeOf(() => g('2025-02-13T24:15:00.000Z'))).toBe(DeidErrorCode.INVALID_VALUE);
    expect(g('2024-02-29T23:59:59.999Z')).toBe('2024-02-29T23');
  });
});
