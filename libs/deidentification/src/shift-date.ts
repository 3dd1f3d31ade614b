/**
 * Date shifting: every date or timestamp of one entity (an operator, a machine) moves by the same
 * whole number of days within [-maxDays, +maxDays], so intervals between an entity's events are
 * kept while calendar dates are not. The shift is HMAC-SHA256(key, canonical entity value) reduced
 * to the range, under a per-grant key: stable within a grant, unrelated across grants.
 */
import { createHmac, createSecretKey } from 'node:crypto';
import type { CellValue } from '@maxhub/formats';
import { canonicalString } from './canonical';
import { DeidErrorCode, deidError } from './errors';
import { assertDerivedKey } from './keys';
import { shiftIsoDays } from './time';
import { DEFAULT_CACHE_SIZE } from './pseudonymize';
import { ValueCache } from './value-cache';

/** Shifts one date/timestamp cell given the raw value of its entity column. */
export type DateShifter = (value: CellValue | undefined, entity: CellValue | undefined) => CellValue;

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
 * null (an unshifted date would be a raw value). The rest of a timestamp (time of day, offset,
 * precision) is kept as written. Malformed cells are refused (DEID_INVALID_VALUE).
 */
export function createDateShifter(
  key: Buffer,
  maxDays: number,
  type: 'date' | 'timestamp',
  column = 'column',
): DateShifter {
  const shiftOf = createEntityShift(key, maxDays);
  const dateOnly = type === 'date';
  return (value, entity) => {
    if (value === null || value === undefined) return null;
    const shift = shiftOf(entity);
    if (shift === null) return null;
    const out = typeof value === 'string' ? shiftIsoDays(value, shift, dateOnly) : null;
    if (out === null) {
      throw deidError(
        DeidErrorCode.INVALID_VALUE,
        `Column "${column}" holds a value that is not an ISO ${type}.`,
      );
    }
    return out;
  };
}
