/**
 * Typed parsing of cells. The rules (documented once here, relied on everywhere):
 *
 * - Empty cell (`''`, JSON `null`) → `null` for every type, string included.
 * - integer: optional sign and digits, within `Number.MIN_SAFE_INTEGER..MAX_SAFE_INTEGER`.
 *   A longer integer is NOT silently rounded: a declared integer column rejects it, inference
 *   types such a column `string` (20-digit serials are identifiers, and rounding would corrupt
 *   them). A declared `decimal` column accepts it as a (rounded) float. Inference also keeps
 *   zero-padded codes ("007") as `string`; a declared integer column reads "007" as 7.
 * - decimal: `[+-]digits[.digits][e±digits]` (also ".5", "5."); no thousands separators, no
 *   decimal comma, no NaN/Infinity. Integers are decimals too.
 * - boolean: a declared boolean column accepts true/false, yes/no, y/n, t/f and 1/0,
 *   case-insensitively. Inference only says `boolean` for true/false (any case): "1"/"0" infer as
 *   integer and "Y"/"N" as string, because guessing would change how a column is de-identified.
 * - timestamp: `YYYY-MM-DD` + `T` or space + `HH:mm[:ss[.fraction]]` + optional zone
 *   (`Z`, `±HH:mm`, `±HHmm`, `±HH`). Normalized to UTC `YYYY-MM-DDTHH:mm:ss.sssZ`; fractions
 *   beyond milliseconds are truncated. A timestamp WITHOUT zone is read in the caller's
 *   `naiveOffsetMinutes` (default 0 = UTC, i.e. the wall clock is kept as-is). Korean plants
 *   run on KST (UTC+09:00): publishers should export with `+09:00`, or declare offset 540.
 * - date: `YYYY-MM-DD`, a real calendar day.
 * - string: anything, kept verbatim.
 */
import type { CellValue, ColumnType } from './schema';

/** Returned by parsers when a cell is not of the type. A symbol, so it can never be a value. */
export const INVALID: unique symbol = Symbol('invalid');
/** A parsed cell, or {@link INVALID}. */
export type Parsed = CellValue | typeof INVALID;

/** Options that change how cells are typed. */
export interface CellOptions {
  /** Offset from UTC (minutes) for timestamps without zone. Default 0 (UTC). KST = 540. */
  naiveOffsetMinutes?: number;
}

const INTEGER_RE = /^[+-]?\d+$/;
const DECIMAL_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The value of a plain decimal `[+-]digits[.digits]` of at most 15 significant digits, or
 * undefined for anything else. Exact: the digits form an integer below 2^53 and 10^k is exact
 * for k ≤ 22, so one IEEE division gives the correctly rounded value, the same as Number(s).
 */
function plainDecimal(s: string, allowPoint: boolean): number | undefined {
  const len = s.length;
  let i = 0;
  let c = s.charCodeAt(0);
  const negative = c === 45;
  if (negative || c === 43) i = 1;
  let m = 0;
  let digits = 0;
  let point = -1;
  for (; i < len; i++) {
    c = s.charCodeAt(i) - 48;
    if (c >= 0 && c <= 9) {
      m = m * 10 + c;
      digits++;
    } else if (c === -2 && point < 0 && allowPoint) point = i;
    else return undefined;
  }
  if (digits === 0 || digits > 15) return undefined;
  const v = point < 0 ? m : m / POWERS_OF_TEN[len - 1 - point];
  return negative ? -v : v;
}

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** Parses an integer cell (text). */
export function parseInteger(s: string): Parsed {
  if (s.length === 0) return null;
  const fast = plainDecimal(s, false);
  if (fast !== undefined) return fast;
  if (!INTEGER_RE.test(s)) return INVALID;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : INVALID;
}

/** Parses a decimal cell (text). */
export function parseDecimal(s: string): Parsed {
  if (s.length === 0) return null;
  const fast = plainDecimal(s, true);
  if (fast !== undefined) return fast;
  if (!DECIMAL_RE.test(s)) return INVALID;
  const n = Number(s);
  return Number.isFinite(n) ? n : INVALID;
}

/** Parses a boolean cell (text), see the module rules. */
export function parseBoolean(s: string): Parsed {
  switch (s.length) {
    case 0:
      return null;
    case 1: {
      const c = s.charCodeAt(0) | 0x20;
      if (c === 0x31 /* 1 */ || c === 0x74 /* t */ || c === 0x79 /* y */) return true;
      if (c === 0x30 /* 0 */ || c === 0x66 /* f */ || c === 0x6e /* n */) return false;
      return INVALID;
    }
    default: {
      const l = s.toLowerCase();
      if (l === 'true' || l === 'yes') return true;
      if (l === 'false' || l === 'no') return false;
      return INVALID;
    }
  }
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Returns [year, month, day] when s[0..10) is a valid YYYY-MM-DD, else undefined. */
function ymd(s: string): [number, number, number] | undefined {
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return undefined;
  const y1 = digits2(s, 0);
  const y2 = digits2(s, 2);
  const m = digits2(s, 5);
  const d = digits2(s, 8);
  if (y1 < 0 || y2 < 0 || m < 1 || m > 12 || d < 1) return undefined;
  const y = y1 * 100 + y2;
  const leap = m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 1 : 0;
  if (d > DAYS_IN_MONTH[m - 1] + leap) return undefined;
  return [y, m, d];
}

/** Parses a date cell: `YYYY-MM-DD`. */
export function parseDate(s: string): Parsed {
  if (s.length === 0) return null;
  return s.length === 10 && ymd(s) ? s : INVALID;
}

/** Digits s[i, i + n) as a number, or -1 when one is not a digit. */
function digitsAt(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * True when s is a valid timestamp already in the canonical form `YYYY-MM-DDTHH:mm:ss.sssZ`
 * (checked without allocating: the common case of files the hub or its members' systems wrote).
 */
export function isCanonicalTimestamp(s: string): boolean {
  if (
    s.length !== 24 ||
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58 ||
    s.charCodeAt(19) !== 46 ||
    s.charCodeAt(23) !== 90
  )
    return false;
  const y = digitsAt(s, 0, 4);
  const m = digitsAt(s, 5, 2);
  const d = digitsAt(s, 8, 2);
  const hh = digitsAt(s, 11, 2);
  const mi = digitsAt(s, 14, 2);
  const ss = digitsAt(s, 17, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1 || hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 59)
    return false;
  const leap = m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 1 : 0;
  return d <= DAYS_IN_MONTH[m - 1] + leap && digitsAt(s, 20, 3) >= 0;
}

/** Parses a timestamp cell and normalizes it to `YYYY-MM-DDTHH:mm:ss.sssZ` (see module rules). */
export function parseTimestamp(s: string, naiveOffsetMinutes = 0): Parsed {
  const len = s.length;
  if (len === 0) return null;
  // Already canonical: the string itself (its zone is Z, so the naive offset does not apply).
  if (len === 24 && isCanonicalTimestamp(s)) return s;
  if (len < 16) return INVALID;
  const date = ymd(s);
  if (!date) return INVALID;
  const sep = s.charCodeAt(10);
  if (sep !== 84 /* T */ && sep !== 32 /* space */ && sep !== 116 /* t */) return INVALID;
  const hh = digits2(s, 11);
  const mi = digits2(s, 14);
  if (hh < 0 || hh > 23 || s.charCodeAt(13) !== 58 || mi < 0 || mi > 59) return INVALID;
  let i = 16;
  let ss = 0;
  let ms = 0;
  let fraction = 0;
  if (i < len && s.charCodeAt(i) === 58) {
    ss = digits2(s, i + 1);
    if (ss < 0 || ss > 59) return INVALID;
    i += 3;
    if (i < len && (s.charCodeAt(i) === 46 || s.charCodeAt(i) === 44)) {
      i++;
      const start = i;
      fraction = len - start;
      let scale = 100;
      while (i < len) {
        const c = s.charCodeAt(i) - 48;
        if (c < 0 || c > 9) break;
        ms += c * scale;
        scale /= 10;
        i++;
      }
      if (i === start) return INVALID;
      ms = Math.floor(ms + 1e-9);
    }
  }
  let offset = naiveOffsetMinutes;
  if (i < len) {
    const z = s.charCodeAt(i);
    if ((z === 90 || z === 122) && i + 1 === len) {
      offset = 0;
    } else if (z === 43 || z === 45) {
      const oh = digits2(s, i + 1);
      if (oh < 0 || oh > 23) return INVALID;
      let om = 0;
      const rest = len - (i + 3);
      if (rest === 3 && s.charCodeAt(i + 3) === 58) om = digits2(s, i + 4);
      else if (rest === 2) om = digits2(s, i + 3);
      else if (rest !== 0) return INVALID;
      if (om < 0 || om > 59) return INVALID;
      offset = (z === 45 ? -1 : 1) * (oh * 60 + om);
    } else {
      return INVALID;
    }
  }
  if (offset === 0) {
    // Already canonical (`…THH:mm:ss.sssZ`, what the hub itself writes): the string itself.
    if (len === 24 && sep === 84 && fraction === 4 && s.charCodeAt(19) === 46 && s.charCodeAt(23) === 90)
      return s;
    // Fast path: no arithmetic, just re-assemble the canonical form.
    return (
      s.slice(0, 10) +
      'T' +
      s.slice(11, 16) +
      ':' +
      (ss < 10 ? '0' : '') +
      ss +
      '.' +
      (ms < 10 ? '00' : ms < 100 ? '0' : '') +
      ms +
      'Z'
    );
  }
  const t = Date.UTC(date[0], date[1] - 1, date[2], hh, mi, ss, ms) - offset * 60_000;
  const d = new Date(t);
  if (date[0] < 100) d.setUTCFullYear(date[0]); // Date.UTC maps years 0..99 to 1900..1999
  return d.toISOString();
}

/** A text-cell parser for one column type. */
export type TextParser = (s: string) => Parsed;

/** The text parser for a column type. */
export function textParser(type: ColumnType, options: CellOptions = {}): TextParser {
  switch (type) {
    case 'string':
      return (s) => (s.length === 0 ? null : s);
    case 'integer':
      return parseInteger;
    case 'decimal':
      return parseDecimal;
    case 'boolean':
      return parseBoolean;
    case 'date':
      return parseDate;
    case 'timestamp': {
      const off = options.naiveOffsetMinutes ?? 0;
      return off === 0 ? (s) => parseTimestamp(s, 0) : (s) => parseTimestamp(s, off);
    }
  }
}

/**
 * Converts a JSON / Parquet scalar (string, number, bigint, boolean, null) to a cell of `type`.
 * Strict: numbers are required for integer/decimal, booleans for boolean, strings for
 * timestamp/date (parsed by the text rules). A string column takes any scalar as its text.
 * Objects, arrays and byte arrays are never valid.
 */
export type ValueParser = (v: unknown) => Parsed;

/** The JSON/Parquet value parser for a column type. */
export function valueParser(type: ColumnType, options: CellOptions = {}): ValueParser {
  const text = textParser(type, options);
  switch (type) {
    case 'string':
      return (v) => {
        if (v === null || v === undefined) return null;
        if (typeof v === 'string') return v.length === 0 ? null : v;
        if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
        return INVALID;
      };
    case 'integer':
      return (v) => {
        if (v === null || v === undefined) return null;
        if (typeof v === 'number') return Number.isSafeInteger(v) ? v : INVALID;
        if (typeof v === 'bigint') {
          return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)
            ? Number(v)
            : INVALID;
        }
        return INVALID;
      };
    case 'decimal':
      return (v) => {
        if (v === null || v === undefined) return null;
        if (typeof v === 'number') return Number.isFinite(v) ? v : INVALID;
        if (typeof v === 'bigint') return Number(v);
        return INVALID;
      };
    case 'boolean':
      return (v) => (v === null || v === undefined ? null : typeof v === 'boolean' ? v : INVALID);
    case 'date':
    case 'timestamp':
      return (v) => (v === null || v === undefined ? null : typeof v === 'string' ? text(v) : INVALID);
  }
}

/**
 * Infers the narrowest type of one non-empty text cell. Order: integer, decimal, boolean,
 * date, timestamp, else string (see module rules for zero-padded and unsafe integers).
 */
export function classifyText(s: string): ColumnType {
  const c = s.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46) {
    if (INTEGER_RE.test(s)) {
      const digitsStart = c === 43 || c === 45 ? 1 : 0;
      if (s.length - digitsStart > 1 && s.charCodeAt(digitsStart) === 48) return 'string';
      return Number.isSafeInteger(Number(s)) ? 'integer' : 'string';
    }
    if (DECIMAL_RE.test(s)) return Number.isFinite(Number(s)) ? 'decimal' : 'string';
    if (s.length === 10 && parseDate(s) !== INVALID) return 'date';
    if (parseTimestamp(s) !== INVALID) return 'timestamp';
    return 'string';
  }
  const l = s.length;
  if ((l === 4 || l === 5) && (s.toLowerCase() === 'true' || s.toLowerCase() === 'false')) return 'boolean';
  return 'string';
}

/** Infers the type of one non-null JSON/Parquet scalar; undefined for objects/arrays/bytes. */
export function classifyValue(v: unknown): ColumnType | undefined {
  if (typeof v === 'string') {
    if (v.length >= 10) {
      const c = v.charCodeAt(0);
      if (c >= 48 && c <= 57) {
        if (v.length === 10 && parseDate(v) !== INVALID) return 'date';
        if (parseTimestamp(v) !== INVALID) return 'timestamp';
      }
    }
    return 'string';
  }
  if (typeof v === 'number')
    return Number.isSafeInteger(v) ? 'integer' : Number.isFinite(v) ? 'decimal' : undefined;
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'bigint') {
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)
      ? 'integer'
      : 'decimal';
  }
  return undefined;
}

/**
 * The type that holds both `a` and `b`: integer+decimal → decimal; any other mix → string.
 */
export function widen(a: ColumnType, b: ColumnType): ColumnType {
  if (a === b) return a;
  if ((a === 'integer' && b === 'decimal') || (a === 'decimal' && b === 'integer')) return 'decimal';
  return 'string';
}
