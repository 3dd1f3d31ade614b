import fc from 'fast-check';
import {
  classifyText,
  INVALID,
  parseBoolean,
  parseDate,
  parseDecimal,
  parseInteger,
  parseTimestamp,
  widen,
} from './cells';

describe('typed cells', () => {
  it('parses integers within the safe range and rejects larger ones', () => {
    expect(parseInteger('42')).toBe(42);
    expect(parseInteger('-7')).toBe(-7);
    expect(parseInteger('007')).toBe(7);
    expect(parseInteger('9007199254740991')).toBe(9007199254740991);
    expect(parseInteger('9007199254740992')).toBe(INVALID);
    expect(parseInteger('1.5')).toBe(INVALID);
    expect(parseInteger('')).toBeNull();
  });

  it('parses decimals without thousands separators, NaN or Infinity', () => {
    expect(parseDecimal('3.25')).toBe(3.25);
    expect(parseDecimal('.5')).toBe(0.5);
    expect(parseDecimal('1e3')).toBe(1000);
    expect(parseDecimal('1,5')).toBe(INVALID);
    expect(parseDecimal('NaN')).toBe(INVALID);
    expect(parseDecimal('Infinity')).toBe(INVALID);
  });

  it('parses plain decimals digit by digit exactly as Number() does (property)', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.stringMatching(/^[0-9]{0,9}$/),
        fc.stringMatching(/^[0-9]{0,9}$/),
        fc.boolean(),
        (negative, whole, fraction, point) => {
          const s = `${negative ? '-' : ''}${whole}${point ? '.' : ''}${fraction}`;
          const expected = /[0-9]/.test(s) ? Number(s) : s === '' ? null : INVALID;
          return Object.is(parseDecimal(s), expected);
        },
      ),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const s = String(x);
        return (
          Object.is(parseDecimal(s), Number(s)) && Object.is(parseDecimal(x.toFixed(3)), Number(x.toFixed(3)))
        );
      }),
    );
    expect(parseDecimal('-0.0')).toBe(-0);
    expect(parseDecimal('5.')).toBe(5);
    expect(parseDecimal('+.')).toBe(INVALID);
    expect(parseDecimal('1.2.3')).toBe(INVALID);
    expect(parseDecimal('1234567890.1234567')).toBe(1234567890.1234567);
    expect(parseInteger('+12')).toBe(12);
    expect(parseInteger('-')).toBe(INVALID);
  });

  it('returns a canonical UTC timestamp as it is, and normalizes every other form', () => {
    const canonical = '2025-02-13T08:15:00.120Z';
    expect(parseTimestamp(canonical)).toBe(canonical);
    expect(parseTimestamp(canonical, 540)).toBe(canonical);
    expect(parseTimestamp('2025-02-13T08:15:00.120z')).toBe(canonical);
    expect(parseTimestamp('2025-02-13T08:15:00,120Z')).toBe(canonical);
    expect(parseTimestamp('2025-02-13 08:15:00.120Z')).toBe(canonical);
    expect(parseTimestamp('2025-02-13T08:15:00.1200')).toBe(canonical);
    expect(parseTimestamp('2025-02-30T08:15:00.120Z')).toBe(INVALID);
    expect(parseTimestamp('2025-02-13T08:60:00.120Z')).toBe(INVALID);
  });

  it('accepts true/false, yes/no, y/n, t/f and 1/0 for a declared boolean', () => {
    for (const s of ['true', 'TRUE', 'Yes', 'y', 'T', '1']) expect(parseBoolean(s)).toBe(true);
    for (const s of ['false', 'No', 'N', 'f', '0']) expect(parseBoolean(s)).toBe(false);
    expect(parseBoolean('maybe')).toBe(INVALID);
  });

  it('normalizes timestamps to UTC ISO strings, reading a timestamp without zone as UTC by default', () => {
    expect(parseTimestamp('2025-02-13T08:15:00Z')).toBe('2025-02-13T08:15:00.000Z');
    expect(parseTimestamp('2025-02-13 08:15:00')).toBe('2025-02-13T08:15:00.000Z');
    expect(parseTimestamp('2025-02-13T17:15:00+09:00')).toBe('2025-02-13T08:15:00.000Z');
    expect(parseTimestamp('2025-02-13T17:15+0900')).toBe('2025-02-13T08:15:00.000Z');
    expect(parseTimestamp('2025-02-13T08:15:00.123456Z')).toBe('2025-02-13T08:15:00.123Z');
    expect(parseTimestamp('2025-02-13 17:15:00', 540)).toBe('2025-02-13T08:15:00.000Z');
    expect(parseTimestamp('2025-02-30 08:15:00')).toBe(INVALID);
    expect(parseTimestamp('2025-02-13 25:15:00')).toBe(INVALID);
    expect(parseTimestamp('2025-02-13')).toBe(INVALID);
  });

  it('accepts only real calendar dates', () => {
    expect(parseDate('2024-02-29')).toBe('2024-02-29');
    expect(parseDate('2025-02-29')).toBe(INVALID);
    expect(parseDate('2025-2-1')).toBe(INVALID);
  });

  it('infers the narrowest type and keeps codes and long numbers as strings', () => {
    expect(classifyText('12')).toBe('integer');
    expect(classifyText('12.5')).toBe('decimal');
    expect(classifyText('true')).toBe('boolean');
    expect(classifyText('1')).toBe('integer');
    expect(classifyText('Y')).toBe('string');
    expect(classifyText('2025-01-01')).toBe('date');
    expect(classifyText('2025-01-01 10:00:00')).toBe('timestamp');
    expect(classifyText('007')).toBe('string');
    expect(classifyText('12345678901234567890')).toBe('string');
    expect(widen('integer', 'decimal')).toBe('decimal');
    expect(widen('date', 'timestamp')).toBe('string');
  });
});
