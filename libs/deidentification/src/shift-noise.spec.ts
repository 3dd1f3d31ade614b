import fc from 'fast-check';
import { DeidErrorCode, DeidentificationError } from './errors';
import { deriveKey } from './keys';
import { createNoiser, createRowUniform } from './noise';
import { createDateShifter, createEntityShift } from './shift-date';
import { NEW_DRAFT_TIME_OF_DAY, TransformSpecSchema } from './spec';
import { daysFromCivil } from './time';

const SECRET = Buffer.alloc(32, 9);
const key = (grant: string, purpose: 'noise' | 'shift-date', column: string) =>
  deriveKey(SECRET, grant, purpose, column);

function dayNumber(iso: string): number {
  return daysFromCivil(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)), Number(iso.slice(8, 10)));
}

describe('date shifting', () => {
  it('moves every date of one entity by the same number of days within a grant', () => {
    const shift = createDateShifter(key('g1', 'shift-date', 'operator'), 30, 'date');
    const a = shift('2025-02-13', 'OP-1');
    const b = shift('2025-03-01', 'OP-1');
    expect(dayNumber(a as string) - dayNumber('2025-02-13')).toBe(
      dayNumber(b as string) - dayNumber('2025-03-01'),
    );
  });

  it('gives the same entity different shifts under different grants', () => {
    const entities = Array.from({ length: 20 }, (_, i) => `OP-${i}`);
    const s1 = createEntityShift(key('g1', 'shift-date', 'operator'), 365);
    const s2 = createEntityShift(key('g2', 'shift-date', 'operator'), 365);
    expect(entities.map(s1)).not.toEqual(entities.map(s2));
  });

  it('keeps the time of day and the offset of a timestamp as written', () => {
    const shift = createDateShifter(key('g1', 'shift-date', 'operator'), 10, 'timestamp');
    const out = shift('2025-02-13T08:15:42.5+09:00', 'OP-1') as string;
    expect(out.slice(10)).toBe('T08:15:42.5+09:00');
  });

  it('shifts within [-maxDays, maxDays] for every entity and date', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3650 }),
        fc.string(),
        fc.integer({ min: daysFromCivil(1900, 1, 1), max: daysFromCivil(2100, 1, 1) }),
        (maxDays, entity, day) => {
          const iso = new Date(day * 86_400_000).toISOString().slice(0, 10);
          const shifted = createDateShifter(
            key('g1', 'shift-date', 'e'),
            maxDays,
            'date',
          )(iso, entity) as string;
          expect(Math.abs(dayNumber(shifted) - day)).toBeLessThanOrEqual(maxDays);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('withholds the date when the entity is null, and keeps null dates null', () => {
    const shift = createDateShifter(key('g1', 'shift-date', 'operator'), 10, 'date');
    expect(shift('2025-02-13', null)).toBeNull();
    expect(shift(null, 'OP-1')).toBeNull();
  });

  it('refuses a malformed date', () => {
    const shift = createDateShifter(key('g1', 'shift-date', 'operator'), 10, 'date');
    expect(() => shift('13/02/2025', 'OP-1')).toThrow(DeidentificationError);
  });
});

describe('the time of day of a date shift', () => {
  const k = key('g1', 'shift-date', 'operator');
  const ms = (iso: string) => Date.parse(iso);
  const DAY = 86_400_000;
  /** The whole days a timestamp moved by (the entity's shift), from the day-only shifter. */
  const daysOf = (entity: string) => {
    const out = createDateShifter(k, 30, 'date')('2025-02-13', entity) as string;
    return dayNumber(out) - dayNumber('2025-02-13');
  };

  it('reads a shiftDate without timeOfDay as keep, adding nothing to the document', () => {
    const spec = { kind: 'shiftDate', maxDays: 30, entityColumn: 'operator' };
    const parsed = TransformSpecSchema.parse(spec);
    expect(parsed).toEqual(spec);
    const shift = createDateShifter(k, 30, 'timestamp');
    expect((shift('2025-02-13T08:15:42.123Z', 'OP-1') as string).slice(10)).toBe('T08:15:42.123Z');
  });

  it('accepts only the three modes with their own parameters', () => {
    const ok = (timeOfDay: unknown) =>
      TransformSpecSchema.safeParse({ kind: 'shiftDate', maxDays: 5, entityColumn: 'op', timeOfDay }).success;
    expect(ok({ mode: 'keep' })).toBe(true);
    expect(ok({ mode: 'truncate', to: 'hour' })).toBe(true);
    expect(ok({ mode: 'truncate', to: 'day' })).toBe(true);
    expect(ok({ mode: 'jitter', minutes: 1 })).toBe(true);
    expect(ok({ mode: 'jitter', minutes: 720 })).toBe(true);
    expect(ok({ mode: 'truncate' })).toBe(false);
    expect(ok({ mode: 'truncate', to: 'minute' })).toBe(false);
    expect(ok({ mode: 'jitter', minutes: 0 })).toBe(false);
    expect(ok({ mode: 'jitter', minutes: 721 })).toBe(false);
    expect(ok({ mode: 'jitter', minutes: 1.5 })).toBe(false);
    expect(ok({ mode: 'keep', to: 'hour' })).toBe(false);
    expect(ok({ mode: 'round' })).toBe(false);
    expect(ok('keep')).toBe(false);
  });

  it('drafts do not keep exact times of day', () => {
    expect(NEW_DRAFT_TIME_OF_DAY.mode).not.toBe('keep');
    expect(
      TransformSpecSchema.safeParse({
        kind: 'shiftDate',
        maxDays: 5,
        entityColumn: 'op',
        timeOfDay: NEW_DRAFT_TIME_OF_DAY,
      }).success,
    ).toBe(true);
  });

  it('truncates to the UTC hour or day after moving the date by the entity’s days', () => {
    const hour = createDateShifter(k, 30, 'timestamp', 'at', { mode: 'truncate', to: 'hour' });
    const day = createDateShifter(k, 30, 'timestamp', 'at', { mode: 'truncate', to: 'day' });
    const days = daysOf('OP-1');
    const raw = '2025-02-13T08:15:42.123Z';
    expect(hour(raw, 'OP-1')).toBe(new Date(ms('2025-02-13T08:00:00.000Z') + days * DAY).toISOString());
    expect(day(raw, 'OP-1')).toBe(new Date(ms('2025-02-13T00:00:00.000Z') + days * DAY).toISOString());
    // An offset is normalized first: 08:15 at +09:00 is 23:15 UTC the day before.
    expect(hour('2025-02-13T08:15:42+09:00', 'OP-1')).toBe(
      new Date(ms('2025-02-12T23:00:00.000Z') + days * DAY).toISOString(),
    );
    expect(hour(raw, null)).toBeNull();
    expect(hour(null, 'OP-1')).toBeNull();
    expect(() => hour('13/02/2025 08:15', 'OP-1')).toThrow(DeidentificationError);
  });

  it('jitters each row within ±minutes, the same for the same row, differently under another grant', () => {
    const minutes = 30;
    const jitter = createDateShifter(k, 30, 'timestamp', 'at', { mode: 'jitter', minutes });
    const again = createDateShifter(k, 30, 'timestamp', 'at', { mode: 'jitter', minutes });
    const other = createDateShifter(key('g2', 'shift-date', 'operator'), 30, 'timestamp', 'at', {
      mode: 'jitter',
      minutes,
    });
    const raw = '2025-02-13T08:15:42.123Z';
    const centre = ms(raw) + daysOf('OP-1') * DAY;
    const offsets = Array.from({ length: 4000 }, (_, r) => ms(jitter(raw, 'OP-1', r) as string) - centre);
    for (const o of offsets) expect(Math.abs(o)).toBeLessThanOrEqual(minutes * 60_000);
    expect(Array.from({ length: 50 }, (_, r) => again(raw, 'OP-1', r))).toEqual(
      offsets.slice(0, 50).map((o) => new Date(centre + o).toISOString()),
    );
    const elsewhere = Array.from({ length: 50 }, (_, r) => other(raw, 'OP-1', r));
    expect(elsewhere.filter((v, r) => v === jitter(raw, 'OP-1', r))).toHaveLength(0);
    // Uniform over ±30 minutes: mean ~0 (sd of the mean 17 s), both ends reached, ms resolution.
    const mean = offsets.reduce((a, b) => a + b, 0) / offsets.length;
    expect(Math.abs(mean)).toBeLessThan(90_000);
    expect(Math.min(...offsets)).toBeLessThan(-0.95 * minutes * 60_000);
    expect(Math.max(...offsets)).toBeGreaterThan(0.95 * minutes * 60_000);
    expect(new Set(offsets.map((o) => ((o % 1000) + 1000) % 1000)).size).toBeGreaterThan(900);
    expect(() => jitter(raw, 'OP-1')).toThrow(DeidentificationError);
    expect(jitter(raw, null, 1)).toBeNull();
  });

  it('leaves a date column a date shifted by whole days, whatever the mode', () => {
    const plain = createDateShifter(k, 30, 'date')('2025-02-13', 'OP-1');
    for (const t of [
      { mode: 'truncate', to: 'day' },
      { mode: 'jitter', minutes: 600 },
    ] as const) {
      expect(createDateShifter(k, 30, 'date', 'd', t)('2025-02-13', 'OP-1', 3)).toBe(plain);
    }
  });
});

describe('noise', () => {
  it('is the same for the same grant, row and column', () => {
    const a = createNoiser(key('g1', 'noise', 'current'), { magnitude: 5 }, 'decimal');
    const b = createNoiser(key('g1', 'noise', 'current'), { magnitude: 5 }, 'decimal');
    expect([0, 1, 5000, 1023, 1024].map((r) => a(100, r))).toEqual(
      [0, 1, 5000, 1023, 1024].map((r) => b(100, r)),
    );
  });

  it('differs across rows, columns and grants', () => {
    const base = createNoiser(key('g1', 'noise', 'current'), { magnitude: 5 }, 'decimal');
    const otherColumn = createNoiser(key('g1', 'noise', 'voltage'), { magnitude: 5 }, 'decimal');
    const otherGrant = createNoiser(key('g2', 'noise', 'current'), { magnitude: 5 }, 'decimal');
    expect(base(100, 1)).not.toBe(base(100, 2));
    expect(base(100, 1)).not.toBe(otherColumn(100, 1));
    expect(base(100, 1)).not.toBe(otherGrant(100, 1));
  });

  it('does not depend on the order in which rows are asked for', () => {
    const u1 = createRowUniform(key('g1', 'noise', 'c'));
    const u2 = createRowUniform(key('g1', 'noise', 'c'));
    const rows = [5, 70_000, 3, 2048, 1_000_000_007];
    const forward = rows.map(u1);
    const backward = [...rows].reverse().map(u2).reverse();
    expect(forward).toEqual(backward);
  });

  it('stays within [-m, m] absolute and m·|v| relative, for every value and row', () => {
    const abs = createNoiser(key('g1', 'noise', 'c'), { magnitude: 2.5 }, 'decimal');
    const rel = createNoiser(key('g1', 'noise', 'c'), { magnitude: 0.1, relative: true }, 'decimal');
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.nat({ max: 2 ** 40 }), (v, row) => {
        expect(Math.abs((abs(v, row) as number) - v)).toBeLessThanOrEqual(2.5 + 1e-9 * Math.abs(v));
        expect(Math.abs((rel(v, row) as number) - v)).toBeLessThanOrEqual(0.1 * Math.abs(v) + 1e-9);
      }),
    );
  });

  it('is spread over the whole range rather than stuck near zero', () => {
    const u = createRowUniform(key('g1', 'noise', 'c'));
    const xs = Array.from({ length: 10_000 }, (_, r) => u(r));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.min(...xs)).toBeLessThan(0.01);
    expect(Math.max(...xs)).toBeGreaterThan(0.99);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
  });

  it('rounds integer columns to integers and decimals to the asked digits', () => {
    const int = createNoiser(key('g1', 'noise', 'c'), { magnitude: 3 }, 'integer');
    const dec = createNoiser(key('g1', 'noise', 'c'), { magnitude: 3, digits: 1 }, 'decimal');
    expect(Number.isInteger(int(10, 7))).toBe(true);
    expect(Math.round((dec(10, 7) as number) * 10)).toBeCloseTo((dec(10, 7) as number) * 10, 9);
  });

  it('keeps nulls null and refuses strings, negative row indexes and non-numeric columns', () => {
    const n = createNoiser(key('g1', 'noise', 'c'), { magnitude: 3 }, 'decimal');
    expect(n(null, 1)).toBeNull();
    expect(() => n('12', 1)).toThrow(DeidentificationError);
    expect(() => n(12, -1)).toThrow(DeidentificationError);
    try {
      createNoiser(key('g1', 'noise', 'c'), { magnitude: 3 }, 'string');
      throw new Error('expected a refusal');
    } catch (e) {
      expect((e as DeidentificationError).code).toBe(DeidErrorCode.TRANSFORM_TYPE);
    }
  });
});
