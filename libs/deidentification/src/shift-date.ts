/**
 * Date shifting: every date or timestamp of one entity (an operator, a machine) moves by the same
 * whole number of days within [-maxDays, +maxDays], so intervals between an entity's events are
 * kept while calendar dates are not. The shift is HMAC-SHA256(key, canonical entity value) reduced
 * to the range, under a per-grant key: stable within a grant, unrelated across grants.
 *
 * The time of day of a timestamp is kept as written, cut to the hour or day, or moved by a
 * per-row secret offset (`timeOfDay`, see spec.ts): a kept time of day is the same in every grant
 * and, with a few other released columns, joins two grants' rows to the millisecond. The per-row
 * offset is a keyed PRF of the row index, under a key derived from the entity column's shift key
 * for this one purpose (AES batches, as noise does: one HMAC per row would halve the pipeline).
 */
import { createHmac, createSecretKey } from 'node:crypto';
import type { CellValue } from '@maxhub/formats';
import { canonicalString } from './canonical';
import { DeidErrorCode, deidError } from './errors';
import { assertDerivedKey } from './keys';
import { createRowUniform } from './noise';
import { civilFromDays, daysFromCivil, formatTimestamp, parseIso, shiftIsoDays } from './time';
import { DEFAULT_CACHE_SIZE } from './pseudonymize';
import type { TimeOfDay } from './spec';
import { ValueCache } from './value-cache';

/**
 * Shifts one date/timestamp cell given the raw value of its entity column and the row's index
 * (which only a time-of-day jitter reads).
 */
export type DateShifter = (
  value: CellValue | undefined,
  entity: CellValue | undefined,
  rowIndex?: number,
) => CellValue;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Milliseconds from 0000-01-01 and to the end of 9999-12-31 (the years a timestamp may hold). */
const MIN_MS = daysFromCivil(0, 1, 1) * DAY_MS;
const END_MS = daysFromCivil(10000, 1, 1) * DAY_MS;

/** The canonical UTC timestamp of milliseconds since 1970, or null outside years 0000–9999. */
function timestampOf(ms: number): string | null {
  if (ms < MIN_MS || ms >= END_MS) return null;
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  const [y, mo, d] = civilFromDays(days);
  const h = Math.floor(rest / HOUR_MS);
  rest -= h * HOUR_MS;
  const mi = Math.floor(rest / 60_000);
  rest -= mi * 60_000;
  const s = Math.floor(rest / 1000);
  return formatTimestamp({ y, mo, d, h, mi, s, ms: rest - s * 1000, hasTime: true, utcAsWritten: true });
}

/**
 * The key of the time-of-day jitter, derived from the entity column's shift key: HMAC-SHA256(key,
 * "maxhub/shift-date/time-of-day/v1"), so the day shift and the jitter never share a key.
 */
function jitterKey(key: Buffer): Buffer {
  return createHmac('sha256', key).update('maxhub/shift-date/time-of-day/v1', 'utf8').digest();
}

/**
 * Returns the per-entity day shift function, in [-maxDays, maxDays]. The 48-bit HMAC prefix is
 * reduced modulo 2·maxDays+1; the bias is below 2^-35 for maxDays ≤ 3650. Null for a null entity.
 */
export function createEntityShift(
  key: Buffer,
  maxDays: number,
): (entity: CellValue | undefined) => number | null {
  assertDerivedKey(key);
  if (!Number.isInteger(maxDays) || maxDays < 1 || maxDays > 3650) {
    throw deidError(DeidErrorCode.INVALID_SPEC, 'maxDays of a date shift must be an integer in 1..3650.');
  }
  const secret = createSecretKey(key);
  const span = 2 * maxDays + 1;
  const cache = new ValueCache<string | number | boolean, number>(DEFAULT_CACHE_SIZE);
  return (entity) => {
    if (entity === null || entity === undefined) return null;
    const hit = cache.get(entity);
    if (hit !== undefined) return hit;
    const canonical = canonicalString(entity);
    if (canonical === null) return null;
    const mac = createHmac('sha256', secret).update(canonical, 'utf8').digest();
    const shift = (mac.readUIntBE(0, 6) % span) - maxDays;
    cache.set(entity, shift);
    return shift;
  };
}

/**
 * Compiles the date shift of a `date` or `timestamp` column. A cell whose entity is null becomes
 * null (an unshifted date would be a raw value). The time of day of a timestamp follows
 * `timeOfDay` (default `keep`: the rest of the timestamp — time of day, offset, precision — is
 * kept as written); a date has no time of day and only moves by whole days. Malformed cells are
 * refused (DEID_INVALID_VALUE); a jittered timestamp needs its row index (DEID_INVALID_ARGUMENT).
 */
export function createDateShifter(
  key: Buffer,
  maxDays: number,
  type: 'date' | 'timestamp',
  column = 'column',
  timeOfDay: TimeOfDay = { mode: 'keep' },
): DateShifter {
  const shiftOf = createEntityShift(key, maxDays);
  const invalid = () =>
    deidError(DeidErrorCode.INVALID_VALUE, `Column "${column}" holds a value that is not an ISO ${type}.`);
  if (type === 'date' || timeOfDay.mode === 'keep') {
    const dateOnly = type === 'date';
    return (value, entity) => {
      if (value === null || value === undefined) return null;
      const shift = shiftOf(entity);
      if (shift === null) return null;
      const out = typeof value === 'string' ? shiftIsoDays(value, shift, dateOnly) : null;
      if (out === null) throw invalid();
      return out;
    };
  }
  // The instant in UTC milliseconds, moved by the entity's whole days.
  const shifted = (value: CellValue, shift: number): number => {
    const f = typeof value === 'string' ? parseIso(value) : null;
    if (f === null) throw invalid();
    return (
      (daysFromCivil(f.y, f.mo, f.d) + shift) * DAY_MS + f.h * HOUR_MS + f.mi * 60_000 + f.s * 1000 + f.ms
    );
  };
  if (timeOfDay.mode === 'truncate') {
    const unit = timeOfDay.to === 'hour' ? HOUR_MS : DAY_MS;
    return (value, entity) => {
      if (value === null || value === undefined) return null;
      const shift = shiftOf(entity);
      if (shift === null) return null;
      const ms = shifted(value, shift);
      const out = timestampOf(ms - (((ms % unit) + unit) % unit));
      if (out === null) throw invalid();
      return out;
    };
  }
  const reach = timeOfDay.minutes * 60_000;
  const uniform = createRowUniform(jitterKey(key));
  return (value, entity, rowIndex) => {
    if (value === null || value === undefined) return null;
    const shift = shiftOf(entity);
    if (shift === null) return null;
    if (rowIndex === undefined)
      throw deidError(
        DeidErrorCode.INVALID_ARGUMENT,
        `Column "${column}": a jittered time needs the row index.`,
      );
    // A whole number of milliseconds, uniform in [-reach, reach].
    const jitter = Math.floor(uniform(rowIndex) * (2 * reach + 1)) - reach;
    const out = timestampOf(shifted(value, shift) + jitter);
    if (out === null) throw invalid();
    return out;
  };
}
