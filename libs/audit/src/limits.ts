/** Largest `details` of an audit entry, as UTF-8 JSON. Entries name ids, codes, counts and hashes. */
export const MAX_AUDIT_DETAILS_BYTES = 4096;

/** Longest action, subject type or subject id of an entry (ids and codes are far shorter). */
export const MAX_AUDIT_FIELD_CHARS = 200;

/**
 * Characters no audit text may carry: C0 and C1 controls (newlines, escapes) and the Unicode
 * bidirectional formatting characters (RTL overrides, isolates, marks) that make a log line
 * read differently from what it holds.
 */
const FORBIDDEN_CHARS = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** What an audit entry may hold before it is hashed into the chain. */
export interface AuditableFields {
  action: string;
  subjectType: string;
  subjectId: string | null;
  details: Record<string, unknown>;
}

/**
 * Why `fields` may not be written to the audit log, or null when they may: details larger than
 * {@link MAX_AUDIT_DETAILS_BYTES} as JSON, a detail that is not a string, finite number, boolean
 * or null, a text field longer than {@link MAX_AUDIT_FIELD_CHARS}, or any text (keys included)
 * with a control or bidirectional-formatting character. Checks the cheap bounds first, so a
 * hostile megabyte is refused without being serialized.
 */
export function auditFieldsProblem(fields: AuditableFields): string | null {
  for (const [name, value] of [
    ['action', fields.action],
    ['subjectType', fields.subjectType],
    ['subjectId', fields.subjectId],
  ] as const) {
    if (value === null) continue;
    if (value.length > MAX_AUDIT_FIELD_CHARS)
      return `${name} is longer than ${MAX_AUDIT_FIELD_CHARS} characters`;
    if (FORBIDDEN_CHARS.test(value)) return `${name} holds a control or bidirectional-formatting character`;
  }
  let bytes = 2;
  for (const [key, value] of Object.entries(fields.details)) {
    if (value === undefined) continue; // left out of the JSON, as JSON.stringify does
    const text = typeof value === 'string' ? value : null;
    if (text === null && value !== null && typeof value !== 'boolean' && !Number.isFinite(value)) {
      return 'a detail is not a string, finite number, boolean or null';
    }
    // Characters bound UTF-8 bytes from below: a long value is refused before it is measured.
    bytes += key.length + (text?.length ?? 0) + 4;
    if (bytes > MAX_AUDIT_DETAILS_BYTES) return `details are larger than ${MAX_AUDIT_DETAILS_BYTES} bytes`;
    if (FORBIDDEN_CHARS.test(key) || (text !== null && FORBIDDEN_CHARS.test(text))) {
      return 'a detail holds a control or bidirectional-formatting character';
    }
  }
  if (Buffer.byteLength(JSON.stringify(fields.details), 'utf8') > MAX_AUDIT_DETAILS_BYTES) {
    return `details are larger than ${MAX_AUDIT_DETAILS_BYTES} bytes`;
  }
  return null;
}
