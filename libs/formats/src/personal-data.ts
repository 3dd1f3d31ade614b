/**
 * Personal-data detection: does a column's sample of values look like personal data, and of
 * which kind? Publishing proposes DIRECT_IDENTIFIER for such a column (docs/adr/0009).
 *
 * A column is flagged when the share of its non-null sampled values that match one kind reaches
 * that kind's threshold: 0.5 for the kinds a checksum or an unambiguous syntax identifies
 * (registration numbers, cards, e-mail), 0.6 for phone numbers, 0.8 for the kinds that only
 * look like something (bank account layouts, names), which also pass column-level guards
 * (personal-names.ts). Values are matched one by one here, never kept, never returned: the
 * answer is a kind and a share.
 */
import { KoreanNameStats, LatinNameStats, parseKoreanName, parseLatinName } from './personal-names';

/** The kinds of personal data the detector recognizes. */
export const PERSONAL_DATA_KINDS = [
  /** 주민등록번호: birth date, a sex/century digit, and a check digit (none since October 2020). */
  'RESIDENT_REGISTRATION_NUMBER',
  /** 외국인등록번호: like a resident-registration number, with sex/century digit 5–8. */
  'FOREIGN_REGISTRATION_NUMBER',
  /** Korean mobile or landline number, or an international number with its + country code. */
  'PHONE_NUMBER',
  /** An e-mail address. */
  'EMAIL_ADDRESS',
  /** A Korean personal name in Hangul: a common surname and one to three syllables. */
  'KOREAN_NAME',
  /** A personal name in Latin letters ("Jane Doe", "Doe, Jane", "Kim Min-su"). */
  'LATIN_NAME',
  /** A payment card number: a known issuer prefix and length, and a valid Luhn digit. */
  'CARD_NUMBER',
  /** A Korean bank account number in one of the banks' dashed layouts. */
  'BANK_ACCOUNT_NUMBER',
] as const;
/** One of {@link PERSONAL_DATA_KINDS}. */
export type PersonalDataKind = (typeof PERSONAL_DATA_KINDS)[number];

/** What a column's values look like. Never carries a value. */
export interface PersonalDataMatch {
  kind: PersonalDataKind;
  /** Share of the sampled non-null values that look like personal data (0–1, rounded down to 0.001). */
  share: number;
  /** The share at or above which the column is flagged for this kind. */
  threshold: number;
  /** How many non-null values were looked at. */
  sampledValues: number;
}

/** The share a kind needs (see the module comment). */
export const PERSONAL_DATA_THRESHOLDS: Readonly<Record<PersonalDataKind, number>> = {
  RESIDENT_REGISTRATION_NUMBER: 0.5,
  FOREIGN_REGISTRATION_NUMBER: 0.5,
  CARD_NUMBER: 0.5,
  EMAIL_ADDRESS: 0.5,
  PHONE_NUMBER: 0.6,
  BANK_ACCOUNT_NUMBER: 0.8,
  KOREAN_NAME: 0.8,
  LATIN_NAME: 0.8,
};

/**
 * Registration numbers that only the post-2020 rule accepts (no check digit) need this share,
 * and both sexes among them: a date-coded lot number ("YYMMDD" + line + sequence) is otherwise
 * hard to tell from a newborn's number.
 */
const UNCHECKED_REGISTRATION_THRESHOLD = 0.8;
/** When no kind reaches its threshold, identifier kinds together must reach this share. */
const MIXED_THRESHOLD = 0.8;
/** Longer cells are never personal data of these kinds (and are not worth a regex). */
const MAX_VALUE_LENGTH = 80;
/** Cells that mean "no value" in exports; counted like empty cells. */
const PLACEHOLDERS = new Set([
  '-',
  '--',
  '.',
  '?',
  'n/a',
  'na',
  'none',
  'null',
  'nil',
  '없음',
  '미입력',
  '해당없음',
]);

// ---- registration numbers --------------------------------------------------------------------

const REGISTRATION_RE = /^(\d{2})(\d{2})(\d{2})[- ]?([1-8])(\d{6})$/;
const REGISTRATION_WEIGHTS = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
/** Numbers issued from this day on end in random digits instead of a check digit. */
const RANDOM_TAIL_SINCE = Date.UTC(2020, 9, 1);

/** A registration number's reading: which kind, and whether a check digit vouched for it. */
export interface RegistrationReading {
  kind: 'RESIDENT_REGISTRATION_NUMBER' | 'FOREIGN_REGISTRATION_NUMBER';
  /** True when the check digit is valid; false when only the post-2020 rule accepts it. */
  checked: boolean;
  /** The sex digit is odd (male) — used only to see that a column holds both sexes. */
  odd: boolean;
}

/**
 * Reads a resident- or foreign-registration number (`YYMMDD-GNNNNNN`, dash or space optional):
 * a real birth date for the century that G (1–8) gives, not after `asOf`, and a valid check
 * digit — or, for a birth date from October 2020 on, any last digit. Null otherwise.
 */
export function readRegistrationNumber(value: string, asOf: Date = new Date()): RegistrationReading | null {
  const m = REGISTRATION_RE.exec(value);
  if (!m) return null;
  const g = Number(m[4]);
  const century = g <= 2 || g === 5 || g === 6 ? 1900 : 2000;
  const year = century + Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const birth = Date.UTC(year, month - 1, day);
  const d = new Date(birth);
  if (d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day || birth > asOf.getTime()) return null;
  const digits = m[1] + m[2] + m[3] + m[4] + m[5];
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += (digits.charCodeAt(i) - 48) * REGISTRATION_WEIGHTS[i];
  const last = digits.charCodeAt(12) - 48;
  const foreign = g >= 5;
  // Foreign-registration numbers before 2020 used 13 − (sum mod 11); some references give the
  // residents' formula for them too, so either is accepted.
  const checked = (11 - (sum % 11)) % 10 === last || (foreign && (13 - (sum % 11)) % 10 === last);
  if (!checked && birth < RANDOM_TAIL_SINCE) return null;
  return {
    kind: foreign ? 'FOREIGN_REGISTRATION_NUMBER' : 'RESIDENT_REGISTRATION_NUMBER',
    checked,
    odd: g % 2 === 1,
  };
}

// ---- phone numbers ---------------------------------------------------------------------------

/** Korean area and mobile prefixes (after the leading 0), with the digits their middle group may have. */
function middleDigits(prefix: string): readonly number[] | null {
  if (prefix === '10' || prefix === '70') return [4];
  if (/^1[16789]$/.test(prefix)) return [3, 4];
  if (prefix === '2' || /^[3-6][1-5]$/.test(prefix)) return [3, 4];
  return null;
}

function isKoreanNational(s: string): boolean {
  let m = /^\(0(\d{1,2})\) ?(\d{3,4})[-. ]?(\d{4})$/.exec(s);
  m ??= /^0(\d{1,2})([-. ])(\d{3,4})\2(\d{4})$/.exec(s);
  if (m) {
    const mid = m.length === 4 ? m[2] : m[3];
    return middleDigits(m[1])?.includes(mid.length) ?? false;
  }
  if (!/^0\d{8,10}$/.test(s)) return false;
  for (const len of [1, 2]) {
    const mids = middleDigits(s.slice(1, 1 + len));
    if (mids?.includes(s.length - 1 - len - 4)) return true;
  }
  return false;
}

/**
 * A Korean mobile (010-1234-5678, 01012345678, 011-123-4567), landline (02-123-4567,
 * (031) 123-4567, 070-…) or international number (+82 10-1234-5678, +1 415 555 0100,
 * +442071234567). Business representative numbers (1588-…) are not personal and not matched.
 */
export function isPhoneNumber(value: string): boolean {
  if (value.length < 9 || value.length > 24) return false;
  if (value.charCodeAt(0) !== 43 /* + */) return isKoreanNational(value);
  if (!/^\+[\d ().-]+$/.test(value)) return false;
  if (value.startsWith('+82')) {
    let rest = value.slice(3).replace(/^[-. ]/, '');
    rest = rest.replace(/^\(0\) ?/, '0');
    return isKoreanNational(rest.startsWith('0') ? rest : `0${rest}`);
  }
  const digits = value.replace(/\D/g, '');
  return /^[1-9]\d{7,14}$/.test(digits) && !/[-. ()]{2}/.test(value);
}

// ---- e-mail, cards, bank accounts -------------------------------------------------------------

const EMAIL_RE =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:[A-Za-z]{2,24}|xn--[A-Za-z0-9-]{2,59})$/;

/** An e-mail address (ASCII local part, a domain with a letter TLD). */
export function isEmailAddress(value: string): boolean {
  return value.length <= 254 && value.includes('@') && EMAIL_RE.test(value);
}

/** Digit groups a card number is printed in. */
const CARD_LAYOUTS = new Set(['4-4-4-4', '4-4-4-4-3', '4-6-5', '4-6-4', '4-4-4-1']);

/** True when the digits pass the Luhn check. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double && (d *= 2) > 9) d -= 9;
    sum += d;
  }
  return sum % 10 === 0;
}

/** A known issuer (by prefix) that issues numbers of this length. */
function knownIssuer(d: string): boolean {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p4 = Number(d.slice(0, 4));
  const p6 = Number(d.slice(0, 6));
  if (d[0] === '4') return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // American Express
  if (p4 >= 3528 && p4 <= 3589) return n >= 16; // JCB
  if (p4 === 6011 || p2 === 65 || (p4 >= 6440 && p4 <= 6499) || (p6 >= 622126 && p6 <= 622925))
    return n >= 16; // Discover
  if (p2 === 62) return n >= 16; // UnionPay
  if ((p4 >= 3000 && p4 <= 3059) || p2 === 36 || p2 === 38 || p2 === 39) return n >= 14; // Diners
  if (d[0] === '9') return n === 16; // Korean domestic (BC and others)
  return false;
}

/**
 * A payment card number: 13–19 digits, bare or in the printed groups (4-4-4-4, Amex 4-6-5…),
 * from a known issuer prefix with that issuer's length, and a valid Luhn check digit.
 */
export function isCardNumber(value: string): boolean {
  if (value.length < 13 || value.length > 23 || !/^\d[\d -]+\d$/.test(value)) return false;
  const groups = value.split(/[ -]/);
  if (groups.length > 1) {
    if (!CARD_LAYOUTS.has(groups.map((g) => g.length).join('-'))) return false;
    if (new Set(value.replace(/\d/g, '')).size !== 1) return false;
  }
  const d = groups.join('');
  return d.length >= 13 && d.length <= 19 && knownIssuer(d) && luhnValid(d);
}

/**
 * Dashed layouts of Korean bank account numbers (KB 6-2-6 and 3-2-4-3, Shinhan 3-3-6 and
 * 3-2-6, Woori 4-3-6, Hana 3-6-5, NH 3-4-4-2, IBK 3-6-2-3, Kakao 4-2-7, Citi 3-6-3). Without
 * the dashes an account is a bare number like any serial: it is not matched.
 */
const ACCOUNT_LAYOUTS = new Set([
  '6-2-6',
  '3-2-4-3',
  '3-3-6',
  '3-2-6',
  '4-3-6',
  '3-6-5',
  '3-4-4-2',
  '3-6-2-3',
  '4-2-7',
  '3-6-3',
]);

function isDateCoded(first: string): boolean {
  if (first.length === 4) {
    const y = Number(first);
    return y >= 1950 && y <= 2049;
  }
  if (first.length !== 6) return false;
  const mm = Number(first.slice(2, 4));
  const dd = Number(first.slice(4, 6));
  return mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31;
}

/**
 * A Korean bank account number in a bank's dashed layout, unless its first group reads as a
 * year or a YYMMDD date: date-coded lot and batch numbers ("250105-01-000123") share layouts.
 */
export function isBankAccountNumber(value: string): boolean {
  if (value.length < 12 || value.length > 18 || !/^\d+(?:-\d+){1,3}$/.test(value)) return false;
  const groups = value.split('-');
  return ACCOUNT_LAYOUTS.has(groups.map((g) => g.length).join('-')) && !isDateCoded(groups[0]);
}

// ---- the column ------------------------------------------------------------------------------

/** Options of {@link detectPersonalData}. */
export interface DetectPersonalDataOptions {
  /** "Today" for birth dates (a registration number is not born in the future). Default: now. */
  asOf?: Date;
}

type IdentifierKind = Exclude<PersonalDataKind, 'KOREAN_NAME' | 'LATIN_NAME'>;

/** The identifier or contact kind of one trimmed value, checked most specific first. */
function identifierKind(
  v: string,
  asOf: Date,
  reg: { reading: RegistrationReading | null },
): IdentifierKind | null {
  reg.reading = null;
  const c = v.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 43 || c === 40) {
    if (c >= 48 && c <= 57) {
      reg.reading = readRegistrationNumber(v, asOf);
      if (reg.reading) return reg.reading.kind;
      if (isCardNumber(v)) return 'CARD_NUMBER';
    }
    if (isPhoneNumber(v)) return 'PHONE_NUMBER';
    if (c >= 48 && c <= 57 && isBankAccountNumber(v)) return 'BANK_ACCOUNT_NUMBER';
    return null;
  }
  return isEmailAddress(v) ? 'EMAIL_ADDRESS' : null;
}

/** A cell as the detector reads it: trimmed, NFKC (full-width digits and dashes), or null. */
export function normalizeCell(raw: string): string | null {
  let v = raw.trim();
  if (v.length === 0) return null;
  if (/\P{ASCII}/u.test(v)) v = v.normalize('NFKC');
  return PLACEHOLDERS.has(v.toLowerCase()) ? null : v;
}

/**
 * Looks at a column's sampled values and says which kind of personal data they look like, or
 * null. Empty cells and placeholders ("-", "N/A", "없음") are not counted.
 */
export function detectPersonalData(
  values: Iterable<string | null | undefined>,
  options: DetectPersonalDataOptions = {},
): PersonalDataMatch | null {
  const asOf = options.asOf ?? new Date();
  const counts = new Map<IdentifierKind, number>();
  const reg = { reading: null as RegistrationReading | null };
  let nonNull = 0;
  const checked = new Map<IdentifierKind, number>();
  const sexes = new Set<boolean>();
  const korean = new KoreanNameStats();
  const latin = new LatinNameStats();
  for (const raw of values) {
    if (raw === null || raw === undefined) continue;
    const v = normalizeCell(raw);
    if (v === null) continue;
    nonNull++;
    if (v.length > MAX_VALUE_LENGTH) continue;
    const kind = identifierKind(v, asOf, reg);
    if (kind) {
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
      if (reg.reading?.checked) checked.set(kind, (checked.get(kind) ?? 0) + 1);
      else if (reg.reading) sexes.add(reg.reading.odd);
      continue;
    }
    const k = parseKoreanName(v);
    if (k) {
      korean.add(v, k);
      continue;
    }
    const l = parseLatinName(v);
    if (l) latin.add(v, l);
  }
  if (nonNull === 0) return null;

  const found: PersonalDataMatch[] = [];
  const match = (kind: PersonalDataKind, n: number, threshold = PERSONAL_DATA_THRESHOLDS[kind]) => {
    if (n / nonNull >= threshold)
      found.push({ kind, share: Math.floor((n / nonNull) * 1000) / 1000, threshold, sampledValues: nonNull });
  };
  for (const [kind, n] of counts) {
    if (kind !== 'RESIDENT_REGISTRATION_NUMBER' && kind !== 'FOREIGN_REGISTRATION_NUMBER') match(kind, n);
  }
  const registrations =
    (counts.get('RESIDENT_REGISTRATION_NUMBER') ?? 0) + (counts.get('FOREIGN_REGISTRATION_NUMBER') ?? 0);
  if (registrations > 0) {
    const kind =
      (counts.get('FOREIGN_REGISTRATION_NUMBER') ?? 0) > (counts.get('RESIDENT_REGISTRATION_NUMBER') ?? 0)
        ? 'FOREIGN_REGISTRATION_NUMBER'
        : 'RESIDENT_REGISTRATION_NUMBER';
    const vouched =
      (checked.get('RESIDENT_REGISTRATION_NUMBER') ?? 0) + (checked.get('FOREIGN_REGISTRATION_NUMBER') ?? 0);
    if (vouched / nonNull >= PERSONAL_DATA_THRESHOLDS[kind]) match(kind, registrations);
    else if (sexes.size === 2) match(kind, registrations, UNCHECKED_REGISTRATION_THRESHOLD);
  }
  if (korean.looksLikeNames()) match('KOREAN_NAME', korean.count);
  if (latin.looksLikeNames(nonNull)) match('LATIN_NAME', latin.count);
  if (found.length) return found.reduce((a, b) => (b.share > a.share ? b : a));

  // A contact column mixing kinds (phones and e-mail addresses): flagged as its commonest kind.
  // Registration numbers count here only with a valid check digit (see UNCHECKED_…).
  const mixed = [...counts].map(([kind, n]): [IdentifierKind, number] =>
    kind === 'RESIDENT_REGISTRATION_NUMBER' || kind === 'FOREIGN_REGISTRATION_NUMBER'
      ? [kind, checked.get(kind) ?? 0]
      : [kind, n],
  );
  const identifiers = mixed.reduce((a, [, n]) => a + n, 0);
  if (identifiers / nonNull >= MIXED_THRESHOLD) {
    const [kind] = mixed.reduce((a, b) => (b[1] > a[1] ? b : a));
    match(kind, identifiers, MIXED_THRESHOLD);
    return found[0] ?? null;
  }
  return null;
}
