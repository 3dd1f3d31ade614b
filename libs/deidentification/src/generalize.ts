/**
 * Generalization: replace a value by a coarser one. Outputs, by method:
 * - `time`: minute `2025-02-13T08:15`, hour `2025-02-13T08`, day `2025-02-13`, ISO week
 *   `2025-W07`, month `2025-02`, year `2025` (UTC; see time.ts). `date` columns allow day and up.
 * - `interval`: `lo-hi` for the half-open [lo, hi), intervals aligned on `bottom` (default 0);
 *   with `bottom` set, values below it become `<bottom` (e.g. `<0`); with `top` set, values at or
 *   above it become `≥top` (e.g. `≥100`), and the last interval is clipped to end at `top`.
 *   Negative bounds read `-20--10`.
 * - `round`: a number rounded half up (Math.round) to `digits` decimals (negative: 1234 → 1200
 *   at -2); it stays a number of the column's type (the only generalization that does).
 * - `prefix`: the first `keep` characters (code points) kept, each further one replaced by `*`
 *   (length is kept: `AB1234` → `AB****`).
 * - `map`: the grant's value map on the canonical string of the value; unmapped → `otherwise`.
 * Null stays null at every level except the implicit top level `*` of a hierarchy.
 */
import type { CellValue, ColumnType } from '@maxhub/formats';
import { canonicalNumber, canonicalString } from './canonical';
import { DeidErrorCode, deidError } from './errors';
import { TIME_LEVELS, type Generalization, type TimeLevel } from './spec';
import { formatDate, isCanonicalUtc, isoWeek, pad2, parseIso, type IsoFields } from './time';

/** A compiled generalization of one column. */
export type Generalizer = (value: CellValue | undefined) => CellValue;

/** The value of every column at the top level of a hierarchy: fully suppressed. */
export const SUPPRESSED = '*';

const NUMERIC: ReadonlySet<ColumnType> = new Set<ColumnType>(['integer', 'decimal']);

function typeError(column: string, what: string): never {
  throw deidError(DeidErrorCode.TRANSFORM_TYPE, `Column "${column}": ${what}`);
}

function invalidValue(column: string, what: string): never {
  throw deidError(DeidErrorCode.INVALID_VALUE, `Column "${column}" holds a value that is not ${what}.`);
}

/** The output type of a generalization: `string`, except `round`, which keeps the column's type. */
export function generalizedType(gen: Generalization, type: ColumnType): ColumnType {
  return gen.method === 'round' ? type : 'string';
}

function toNumber(value: CellValue, column: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return invalidValue(column, 'a finite number');
}

function tidy(x: number): string {
  // Interval bounds like 0.1 * 3 print as 0.3, not 0.30000000000000004.
  return canonicalNumber(Number(x.toPrecision(12)));
}

function compileTime(level: TimeLevel, type: ColumnType, column: string): Generalizer {
  if (type !== 'timestamp' && type !== 'date')
    typeError(column, 'time generalization needs a timestamp or date column.');
  const dateOnly = type === 'date';
  if (dateOnly && (level === 'minute' || level === 'hour'))
    typeError(column, 'a date column has no hour or minute.');
  const cut = { minute: 16, hour: 13, day: 10, week: 0, month: 7, year: 4 }[level];
  const format = (f: IsoFields): string => {
    switch (level) {
      case 'minute':
        return `${formatDate(f)}T${pad2(f.h)}:${pad2(f.mi)}`;
      case 'hour':
        return `${formatDate(f)}T${pad2(f.h)}`;
      case 'day':
        return formatDate(f);
      case 'week':
        return isoWeek(f.y, f.mo, f.d);
      case 'month':
        return formatDate(f).slice(0, 7);
      case 'year':
        return formatDate(f).slice(0, 4);
    }
  };
  // The previous cut label: consecutive rows mostly share it (same hour, same day), and
  // returning the same flat string spares an allocation per row and a sliced string in the
  // chunk's JSON.
  let label = '';
  return (value) => {
    if (value === null || value === undefined) return null;
    if (typeof value !== 'string') return invalidValue(column, `an ISO ${type}`);
    // Fastest path: a canonical UTC timestamp (every typed timestamp cell) is cut as it is.
    if (cut > 0 && !dateOnly) {
      // Same label as the previous (validated) value: only the rest needs checking.
      if (label.length === cut && value.startsWith(label)) {
        if (isCanonicalUtc(value, cut)) return label;
      } else if (isCanonicalUtc(value)) {
        label = Buffer.from(value.slice(0, cut), 'latin1').toString('latin1');
        return label;
      }
    }
    const f = parseIso(value, dateOnly);
    if (f === null) return invalidValue(column, `an ISO ${type}`);
    // Fast path: a UTC timestamp as written is generalized by cutting the string.
    if (cut > 0 && f.utcAsWritten && (f.hasTime || cut <= 10)) return value.slice(0, cut);
    return format(f);
  };
}

function compileInterval(gen: Extract<Generalization, { method: 'interval' }>, column: string): Generalizer {
  const { width, bottom, top } = gen;
  if (bottom !== undefined && top !== undefined && top <= bottom) {
    throw deidError(DeidErrorCode.INVALID_SPEC, `Column "${column}": interval top must lie above bottom.`);
  }
  const origin = bottom ?? 0;
  const below = bottom === undefined ? '' : `<${tidy(bottom)}`;
  const above = top === undefined ? '' : `≥${tidy(top)}`;
  return (value) => {
    if (value === null || value === undefined) return null;
    const v = toNumber(value, column);
    if (bottom !== undefined && v < bottom) return below;
    if (top !== undefined && v >= top) return above;
    const lo = origin + Math.floor((v - origin) / width) * width;
    let hi = lo + width;
    if (top !== undefined && hi > top) hi = top;
    return `${tidy(lo)}-${tidy(hi)}`;
  };
}

function compileRound(digits: number, type: ColumnType, column: string): Generalizer {
  const scale = 10 ** Math.abs(digits);
  return (value) => {
    if (value === null || value === undefined) return null;
    const v = toNumber(value, column);
    const r = digits >= 0 ? Math.round(v * scale) / scale : Math.round(v / scale) * scale;
    return type === 'integer' ? Math.round(r) : Number(r.toPrecision(15));
  };
}

const ASCII = /^\p{ASCII}*$/u;

function compilePrefix(keep: number): Generalizer {
  return (value) => {
    const s = canonicalString(value);
    if (s === null) return null;
    if (ASCII.test(s)) return s.length <= keep ? s : s.slice(0, keep) + '*'.repeat(s.length - keep);
    const chars = Array.from(s);
    return chars.length <= keep ? s : chars.slice(0, keep).join('') + '*'.repeat(chars.length - keep);
  };
}

function compileMap(gen: Extract<Generalization, { method: 'map' }>): Generalizer {
  // A Map, not the object: keys such as "__proto__" or "constructor" must not reach the prototype.
  const table = new Map<string, string>(Object.entries(gen.map));
  const otherwise = gen.otherwise;
  return (value) => {
    const s = canonicalString(value);
    if (s === null) return null;
    return table.get(s) ?? otherwise;
  };
}

/**
 * Compiles one generalization for a column of `type`. Refuses a method the type does not support
 * (DEID_TRANSFORM_TYPE); the compiled function refuses a malformed cell (DEID_INVALID_VALUE).
 */
export function compileGeneralization(gen: Generalization, type: ColumnType, column = 'column'): Generalizer {
  switch (gen.method) {
    case 'time':
      return compileTime(gen.level, type, column);
    case 'interval':
      if (!NUMERIC.has(type)) typeError(column, 'interval generalization needs a numeric column.');
      return compileInterval(gen, column);
    case 'round':
      if (!NUMERIC.has(type)) typeError(column, 'rounding needs a numeric column.');
      return compileRound(gen.digits, type, column);
    case 'prefix':
      if (type !== 'string' && type !== 'integer')
        typeError(column, 'prefix masking needs a string or integer column.');
      return compilePrefix(gen.keep);
    case 'map':
      return compileMap(gen);
  }
}

function isMultiple(coarse: number, fine: number): boolean {
  const ratio = coarse / fine;
  return ratio >= 2 - 1e-9 && Math.abs(ratio - Math.round(ratio)) < 1e-9;
}

/**
 * Refuses (DEID_HIERARCHY_NOT_MONOTONE) a hierarchy in which two values equal at one level could
 * differ at the next. Time, interval and prefix levels act on the raw value, so they must nest:
 * time levels coarser each step (nothing but `map` after `week`: weeks straddle months and
 * years), interval widths integer multiples with the same bottom and top, fewer prefix
 * characters. A `map` level acts on the previous level's output, so it always nests; after a map
 * only maps may follow. `round` nests with nothing (45 and 54 round together to 50 but apart to
 * 0 and 100), so it may only be the last level.
 */
export function validateHierarchy(gens: readonly Generalization[], column = 'column'): void {
  const refuse = (): never => {
    throw deidError(
      DeidErrorCode.HIERARCHY_NOT_MONOTONE,
      `Column "${column}": each level of a hierarchy must coarsen the one before it.`,
    );
  };
  for (let i = 1; i < gens.length; i++) {
    const a = gens[i - 1];
    const b = gens[i];
    if (b.method === 'map') continue;
    if (a.method === 'time' && b.method === 'time') {
      if (a.level === 'week' || TIME_LEVELS.indexOf(b.level) <= TIME_LEVELS.indexOf(a.level)) refuse();
    } else if (a.method === 'interval' && b.method === 'interval') {
      if (!isMultiple(b.width, a.width) || a.bottom !== b.bottom || a.top !== b.top) refuse();
    } else if (a.method === 'prefix' && b.method === 'prefix') {
      if (b.keep >= a.keep) refuse();
    } else {
      refuse();
    }
  }
}

/**
 * Compiles a hierarchy into its levels: level 0 is the value itself, level i applies the i-th
 * generalization (to the raw value; `map` to the previous level's output), and the last, implicit
 * level maps every value, null included, to `*`. Validates the hierarchy first.
 */
export function compileHierarchy(
  gens: readonly Generalization[],
  type: ColumnType,
  column = 'column',
): Generalizer[] {
  validateHierarchy(gens, column);
  const levels: Generalizer[] = [(v) => (v === undefined ? null : v)];
  for (const gen of gens) {
    const g = compileGeneralization(gen, type, column);
    if (gen.method === 'map' && levels.length > 1) {
      const previous = levels[levels.length - 1];
      levels.push((v) => g(previous(v)));
    } else {
      levels.push(g);
    }
  }
  levels.push(() => SUPPRESSED);
  return levels;
}
