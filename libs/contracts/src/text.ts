/**
 * Text that people read and sign: which characters may appear in it, and when two names look
 * alike. Lawyers sign a rendering of the grant document; a bidirectional override, a NUL or a
 * zero-width space in a name or a purpose makes what they read differ from what is stored and
 * enforced. Pure: no Nest, no I/O; the hub applies the same rules to every string it is sent.
 */

/** What is wrong with a piece of text (a kind of character, never the character itself). */
export type UnsafeTextKind =
  | 'NUL'
  | 'CONTROL'
  | 'LINE_BREAK'
  | 'BIDI_CONTROL'
  | 'INVISIBLE'
  | 'LINE_SEPARATOR'
  | 'PRIVATE_USE'
  | 'LONE_SURROGATE'
  | 'NONCHARACTER';

/**
 * How strict a field is: `line` (a name, a title, a label: one line), `multiline` (a purpose or
 * a description: line breaks — LF or CR LF — allowed, since the renderer indents each line and
 * cannot be fooled by them), `opaque` (signatures, PEM, cursors, data values to compare: only
 * NUL is refused, because PostgreSQL cannot store it).
 */
export type TextMode = 'line' | 'multiline' | 'opaque';

/** The bidirectional controls of Unicode (embeddings, overrides, isolates, marks). */
const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/u;
/**
 * Everything that is not visible text: C0/C1 controls, format characters (zero-width spaces and
 * joiners, BOM, soft hyphen, tag characters), default-ignorable code points (Hangul fillers,
 * variation selectors), line/paragraph separators, private use, lone surrogates, noncharacters.
 */
const UNSAFE_LINE =
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cs}\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}]/u;
/** The same without LF and CR (CR only before LF: checked separately). */
const UNSAFE_MULTILINE =
  /(?![\n\r])\p{Cc}|[\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cs}\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}]|\r(?!\n)/u;

function kindOf(ch: string): UnsafeTextKind {
  if (ch === '\0') return 'NUL';
  if (ch === '\n' || ch === '\r') return 'LINE_BREAK';
  if (/\p{Cc}/u.test(ch)) return 'CONTROL';
  if (BIDI.test(ch)) return 'BIDI_CONTROL';
  if (/[\p{Zl}\p{Zp}]/u.test(ch)) return 'LINE_SEPARATOR';
  if (/\p{Co}/u.test(ch)) return 'PRIVATE_USE';
  if (/\p{Cs}/u.test(ch)) return 'LONE_SURROGATE';
  if (/\p{Noncharacter_Code_Point}/u.test(ch)) return 'NONCHARACTER';
  return 'INVISIBLE';
}

/**
 * The first kind of character `text` may not hold in a field of `mode`, or null when it is
 * acceptable. Linear in the length of the text (one regular-expression scan).
 */
export function unsafeTextKind(text: string, mode: TextMode): UnsafeTextKind | null {
  if (mode === 'opaque') return text.includes('\0') ? 'NUL' : null;
  const m = (mode === 'line' ? UNSAFE_LINE : UNSAFE_MULTILINE).exec(text);
  return m === null ? null : kindOf(m[0]);
}

/** A phrase naming the kind of character, for an error message (never the character itself). */
export function describeUnsafeText(kind: UnsafeTextKind): string {
  switch (kind) {
    case 'NUL':
      return 'a NUL character (U+0000)';
    case 'CONTROL':
      return 'a control character (U+0000–U+001F, U+007F–U+009F)';
    case 'LINE_BREAK':
      return 'a line break (this field is one line; a lone CR is never allowed)';
    case 'BIDI_CONTROL':
      return 'a bidirectional control character (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C)';
    case 'INVISIBLE':
      return 'an invisible character (zero-width space or joiner, BOM, soft hyphen, filler or other format character)';
    case 'LINE_SEPARATOR':
      return 'a line or paragraph separator (U+2028, U+2029)';
    case 'PRIVATE_USE':
      return 'a private-use character';
    case 'LONE_SURROGATE':
      return 'a lone surrogate (not a Unicode character)';
    case 'NONCHARACTER':
      return 'a Unicode noncharacter';
  }
}

/**
 * Keys that JavaScript objects treat specially: `__proto__` is silently dropped (or swaps the
 * prototype) when a value map is copied, `constructor` and `prototype` shadow built-ins. A value
 * map naming one of them is refused, never quietly changed.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** True for `__proto__`, `constructor` and `prototype`. */
export function isReservedKey(key: string): boolean {
  return RESERVED_KEYS.has(key);
}

/** Words of a name: runs of letters, marks and digits. */
const WORD = /[\p{L}\p{M}\p{N}]+/gu;
const LATIN = /\p{Script=Latin}/u;
const CYRILLIC = /\p{Script=Cyrillic}/u;

/**
 * Greek letters that pass for Latin ones. Other Greek letters (μ in "μm", Ω, Δ, π, σ) are
 * symbols in manufacturing names and may stand next to Latin letters.
 */
const GREEK_LOOKALIKES = new Set('ΑΒΕΖΗΙΚΜΝΟΡΤΥΧαγικνορυχϲϳ');

/**
 * True when one word of `name` mixes Latin letters with Cyrillic ones, or with Greek letters
 * that look Latin ("Wеld" with a Cyrillic е, "Pοwer" with a Greek ο). Hangul, Han and digits
 * mix freely with Latin ("용접 라인 3 weld log", "AI팩토리").
 */
export function hasMixedScriptWord(name: string): boolean {
  for (const [word] of name.normalize('NFC').matchAll(WORD)) {
    if (!LATIN.test(word)) continue;
    if (CYRILLIC.test(word)) return true;
    for (const ch of word) if (GREEK_LOOKALIKES.has(ch)) return true;
  }
  return false;
}

/** Letters a name may be written in: Hangul, Latin, Han (Hanja, kanji), kana. */
const NAME_SCRIPTS =
  /[\p{Script=Hangul}\p{Script=Latin}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
/** Greek letters used as symbols in manufacturing names (μm, Ω, Δt, π, σ), none drawn like a Latin letter. */
const GREEK_SYMBOLS = new Set('αβδεζηθλμξπσςτφψωΓΔΘΛΞΠΣΦΨΩµ');

/**
 * True when `name` holds a letter of a script names are not written in: anything but Hangul,
 * Latin, Han and kana, and Greek beyond its symbol letters. A closed list rather than a table of
 * look-alikes: Armenian օ, Cherokee Ꭺ, Cyrillic а or a lunate Greek Ϲ each pass for a Latin
 * letter, and no partial table of TR39's confusables catches them all.
 */
export function hasUnsupportedNameScript(name: string): boolean {
  for (const ch of name.normalize('NFC')) {
    if (!/\p{L}/u.test(ch)) continue;
    if (NAME_SCRIPTS.test(ch) || GREEK_SYMBOLS.has(ch)) continue;
    return true;
  }
  return false;
}

/**
 * A small table of the look-alikes of Unicode TR39's confusables.txt that matter for names
 * written in Latin: Cyrillic and Greek letters drawn like Latin ones. Not the whole data file
 * (6,000+ entries, mostly symbols and historic scripts): a name with those is already refused
 * by the text rules or by {@link hasMixedScriptWord}, or compares by its compatibility form.
 */
const LOOKALIKE_TO_LATIN: Readonly<Record<string, string>> = {
  // Cyrillic, lower case
  а: 'a',
  в: 'b',
  е: 'e',
  һ: 'h',
  і: 'i',
  ј: 'j',
  к: 'k',
  ӏ: 'l',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  ԛ: 'q',
  с: 'c',
  ѕ: 's',
  т: 't',
  у: 'y',
  ү: 'y',
  ѵ: 'v',
  ԝ: 'w',
  х: 'x',
  ԁ: 'd',
  // Cyrillic, upper case
  А: 'A',
  В: 'B',
  Е: 'E',
  Н: 'H',
  І: 'I',
  Ј: 'J',
  К: 'K',
  Ӏ: 'l',
  М: 'M',
  О: 'O',
  Р: 'P',
  Ԛ: 'Q',
  С: 'C',
  Ѕ: 'S',
  Т: 'T',
  У: 'Y',
  Ү: 'Y',
  Ԝ: 'W',
  Х: 'X',
  // Greek
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
  α: 'a',
  γ: 'y',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  υ: 'u',
  χ: 'x',
  ϲ: 'c',
  ϳ: 'j',
  // Latin letters drawn like others
  ı: 'i',
  ɑ: 'a',
  ɡ: 'g',
};
/** Case-sensitive look-alikes within Latin and digits (TR39: I, l, 1 and | share a glyph in many fonts). */
const CASED_LOOKALIKES: Readonly<Record<string, string>> = { I: 'l', '1': 'l', '|': 'l', '0': 'O' };
/** The same after case folding. */
const FOLDED_LOOKALIKES: Readonly<Record<string, string>> = { '1': 'l', '|': 'l', '0': 'o' };
const INVISIBLE = /[\p{Cf}\p{Cc}\p{Default_Ignorable_Code_Point}]/gu;

function mapChars(s: string, ...tables: Array<Readonly<Record<string, string>>>): string {
  let out = '';
  for (const ch of s) {
    let to = ch;
    for (const t of tables) {
      if (Object.hasOwn(t, to)) {
        to = t[to];
        break;
      }
    }
    out += to;
  }
  return out;
}

/** NFKC (full-width and compatibility forms), invisible characters removed, spaces collapsed, then NFD. */
function prepare(name: string): string {
  return name.normalize('NFKC').replace(INVISIBLE, '').replace(/\s+/gu, ' ').trim().normalize('NFD');
}

/**
 * The two skeletons of a name (after Unicode TR39 §4): one case-sensitive, where capital I, l
 * and 1 meet (so "WeId" meets "Weld" but "AID" does not meet "ALD"); one case-folded, where
 * "WELD", "weld" and "wеld" with a Cyrillic е meet. Both: NFKC, invisible characters stripped,
 * white space collapsed, Cyrillic/Greek look-alikes mapped to Latin, "rn" read as "m".
 * Two names are confusable when either skeleton is equal. For comparison only, never display.
 */
export function nameSkeletons(name: string): [cased: string, folded: string] {
  const p = prepare(name);
  const cased = mapChars(p, LOOKALIKE_TO_LATIN, CASED_LOOKALIKES).replace(/rn/g, 'm').normalize('NFC');
  // toUpperCase then toLowerCase is a full case fold for the letters names use (ß → ss, ſ → s).
  const lowered = mapChars(p, LOOKALIKE_TO_LATIN).toUpperCase().toLowerCase();
  const folded = mapChars(lowered, LOOKALIKE_TO_LATIN, FOLDED_LOOKALIKES)
    .replace(/rn/g, 'm')
    .normalize('NFC');
  return [cased, folded];
}

/** True when two names look alike (equal skeletons) though they are not the same NFC text. */
export function namesConfusable(a: string, b: string): boolean {
  if (a.normalize('NFC') === b.normalize('NFC')) return false;
  const [ca, fa] = nameSkeletons(a);
  const [cb, fb] = nameSkeletons(b);
  return ca === cb || fa === fb;
}

/** A display name as stored: NFC, with surrounding white space removed. */
export function normalizeName(name: string): string {
  return name.normalize('NFC').trim();
}
