/**
 * The canonical string of a cell, the one input of every keyed transform (pseudonyms, date-shift
 * entities, value maps). Two cells that denote the same identifier must give the same string,
 * so that `42` read from Parquet and `"42"` read from CSV get the same pseudonym.
 *
 * The rule (stable: changing it changes every pseudonym ever issued):
 * - `null` stays `null` (never pseudonymized, never shifted).
 * - strings: leading and trailing ASCII whitespace (space, tab, CR, LF) removed, then Unicode NFC.
 *   Case is kept ("ab12" ≠ "AB12"), inner spaces are kept, and digit strings are not re-parsed
 *   ("0042" ≠ "42", "42.0" ≠ "42").
 * - numbers: integers as plain decimal digits without exponent or sign of zero (42, 42.0 → "42",
 *   -0 → "0"); other finite numbers as JavaScript's shortest round-trip form ("0.5", "1e-7").
 *   NaN and ±Infinity are refused (DEID_INVALID_VALUE).
 * - booleans: "true" / "false".
 */
import type { CellValue } from '@maxhub/formats';
import { DeidErrorCode, deidError } from './errors';

const NON_ASCII_OR_EDGE_SPACE = /\P{ASCII}|^[ \t\r\n]|[ \t\r\n]$/u;

/** The canonical string of a cell per the rule above; `null` for null/undefined. */
export function canonicalString(value: CellValue | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    // Fast path: plain ASCII without edge whitespace is already canonical.
    if (!NON_ASCII_OR_EDGE_SPACE.test(value)) return value;
    return value.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '').normalize('NFC');
  }
  if (typeof value === 'number') return canonicalNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  throw deidError(DeidErrorCode.INVALID_VALUE, 'A cell is neither a string, a number, a boolean nor null.');
}

/** The canonical decimal form of a finite number (see the module comment). */
export function canonicalNumber(value: number): string {
  if (!Number.isFinite(value)) {
    throw deidError(DeidErrorCode.INVALID_VALUE, 'A numeric cell is not a finite number.');
  }
  if (Number.isInteger(value) && Math.abs(value) >= 1e21) return BigInt(value).toString();
  return String(value === 0 ? 0 : value);
}
