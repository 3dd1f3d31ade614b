/**
 * ISO-8601 dates and timestamps without Date objects on the hot path. Timestamps with an offset
 * are normalized to UTC; timestamps without one are taken as UTC wall time (the hub stores and
 * compares instants in UTC). Accepted: `YYYY-MM-DD` and `YYYY-MM-DD[T| ]HH:MM[:SS[.f{1,9}]][Z|±HH[:]MM]`.
 */
import { isCanonicalTimestamp } from '@maxhub/formats';

/** Parsed fields: year, month, day, hour, minute, second, millisecond (UTC). */
export interface IsoFields {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  ms: number;
  /** True when the input had a time part. */
  hasTime: boolean;
  /** True when the input's first 16 characters already are the UTC `YYYY-MM-DDTHH:MM` (or the date). */
  utcAsWritten: boolean;
}

function num(str: string, at: number, len: number): number {
  let v = 0;
  for (let i = at; i < at + len; i++) {
    const c = str.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Days from 1970-01-01 to a civil date (proleptic Gregorian; H. Hinnant's algorithm). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The civil date [y, m, d] of a day number counted from 1970-01-01. */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [era * 400 + yoe + (m <= 2 ? 1 : 0), m, d];
}

/**
 * True when `str` is a valid timestamp in the hub's canonical UTC form
 * `YYYY-MM-DDTHH:MM:SS.sssZ` (what typed timestamp cells hold; the full check is @maxhub/formats'
 * `isCanonicalTimestamp`): checked without allocating, so
 * generalizing such a cell can cut the string instead of parsing it into fields. With
 * `checkedPrefix` ≥ 13 the caller vouches for the first characters (the same date and hour as a
 * value it checked before); only the rest is checked.
 */
export function isCanonicalUtc(str: string, checkedPrefix = 0): boolean {
  if (checkedPrefix >= 13) {
    // The caller knows str[0, checkedPrefix) to be the start of a valid canonical timestamp.
    if (
      str.length !== 24 ||
      (checkedPrefix < 16 && str.charCodeAt(13) !== 58) ||
      str.charCodeAt(16) !== 58 ||
      str.charCodeAt(19) !== 46 ||
      str.charCodeAt(23) !== 90
    )
      return false;
    const mi = num(str, 14, 2);
    const s = num(str, 17, 2);
    return mi >= 0 && mi <= 59 && s >= 0 && s <= 59 && num(str, 20, 3) >= 0;
  }
  return isCanonicalTimestamp(str);
}

/**
 * Parses an ISO date or timestamp into UTC fields, or returns null when it is not one.
 * `dateOnly` refuses a time part (for `date` columns).
 */
export function parseIso(str: string, dateOnly = false): IsoFields | null {
  const n = str.length;
  if (n < 10 || str.charCodeAt(4) !== 45 || str.charCodeAt(7) !== 45) return null;
  const y = num(str, 0, 4);
  const mo = num(str, 5, 2);
  const d = num(str, 8, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1) return null;
  if (d > (mo === 2 && isLeap(y) ? 29 : DAYS_IN_MONTH[mo - 1])) return null;
  const f: IsoFields = { y, mo, d, h: 0, mi: 0, s: 0, ms: 0, hasTime: false, utcAsWritten: true };
  if (n === 10) return f;
  if (dateOnly) return null;
  const sep = str.charCodeAt(10);
  if ((sep !== 84 && sep !== 32) || n < 16 || str.charCodeAt(13) !== 58) return null;
  f.hasTime = true;
  f.h = num(str, 11, 2);
  f.mi = num(str, 14, 2);
  if (f.h < 0 || f.h > 23 || f.mi < 0 || f.mi > 59) return null;
  let i = 16;
  if (i < n && str.charCodeAt(i) === 58) {
    f.s = num(str, i + 1, 2);
    if (f.s < 0 || f.s > 59) return null;
    i += 3;
    if (i < n && str.charCodeAt(i) === 46) {
      let j = i + 1;
      let ms = 0;
      let k = 0;
      while (j < n) {
        const c = str.charCodeAt(j) - 48;
        if (c < 0 || c > 9) break;
        if (k < 3) ms = ms * 10 + c;
        k++;
        j++;
      }
      if (k === 0 || k > 9) return null;
      while (k < 3) {
        ms *= 10;
        k++;
      }
      f.ms = ms;
      i = j;
    }
  }
  let offsetMinutes = 0;
  if (i < n) {
    const c = str.charCodeAt(i);
    if (c === 90 /* Z */ && i === n - 1) {
      // UTC
    } else if (c === 43 || c === 45) {
      const oh = num(str, i + 1, 2);
      let om = 0;
      let end = i + 3;
      if (end < n && str.charCodeAt(end) === 58) end++;
      if (end < n) {
        om = num(str, end, 2);
        end += 2;
      }
      if (oh < 0 || oh > 23 || om < 0 || om > 59 || end !== n) return null;
      offsetMinutes = (c === 45 ? -1 : 1) * (oh * 60 + om);
    } else {
      return null;
    }
  }
  if (sep !== 84) f.utcAsWritten = false;
  if (offsetMinutes !== 0) {
    f.utcAsWritten = false;
    // Shift to UTC in minutes, carrying into the date.
    let minutes = f.h * 60 + f.mi - offsetMinutes;
    let days = daysFromCivil(f.y, f.mo, f.d);
    days += Math.floor(minutes / 1440);
    minutes = ((minutes % 1440) + 1440) % 1440;
    const [yy, mm, dd] = civilFromDays(days);
    f.y = yy;
    f.mo = mm;
    f.d = dd;
    f.h = Math.floor(minutes / 60);
    f.mi = minutes % 60;
    if (yy < 0 || yy > 9999) return null;
  }
  return f;
}

/** Zero-pads to two digits. */
export function pad2(v: number): string {
  return v < 10 ? `0${v}` : String(v);
}

function pad3(v: number): string {
  return v < 10 ? `00${v}` : v < 100 ? `0${v}` : String(v);
}

function pad4(v: number): string {
  return v < 10 ? `000${v}` : v < 100 ? `00${v}` : v < 1000 ? `0${v}` : String(v);
}

/** `YYYY-MM-DD` of parsed fields. */
export function formatDate(f: { y: number; mo: number; d: number }): string {
  return `${pad4(f.y)}-${pad2(f.mo)}-${pad2(f.d)}`;
}

/** The canonical UTC timestamp `YYYY-MM-DDTHH:MM:SS.mmmZ` of parsed fields (sorts as it reads). */
export function formatTimestamp(f: IsoFields): string {
  return `${formatDate(f)}T${pad2(f.h)}:${pad2(f.mi)}:${pad2(f.s)}.${pad3(f.ms)}Z`;
}

/** ISO-8601 week label `YYYY-Www` (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeek(y: number, mo: number, d: number): string {
  const days = daysFromCivil(y, mo, d);
  const dow = (((days + 3) % 7) + 7) % 7; // Monday = 0; 1970-01-01 was a Thursday.
  const thursday = days - dow + 3;
  const isoYear = civilFromDays(thursday)[0];
  const week = Math.floor((thursday - daysFromCivil(isoYear, 1, 1)) / 7) + 1;
  return `${pad4(isoYear)}-W${pad2(week)}`;
}

/**
 * Shifts the calendar date of an ISO date or timestamp by whole days, keeping the rest of the
 * string (time of day, precision, offset) as written. Null when the input does not parse or the
 * result would leave years 0000–9999.
 */
export function shiftIsoDays(str: string, shiftDays: number, dateOnly: boolean): string | null {
  if (parseIso(str, dateOnly) === null) return null;
  // Shift the date as written (not UTC-normalized): whole-day shifts commute with a fixed offset.
  const [y, m, d] = civilFromDays(daysFromCivil(num(str, 0, 4), num(str, 5, 2), num(str, 8, 2)) + shiftDays);
  if (y < 0 || y > 9999) return null;
  return `${formatDate({ y, mo: m, d })}${str.slice(10)}`;
}
