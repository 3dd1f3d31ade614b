import { auditFieldsProblem, MAX_AUDIT_DETAILS_BYTES } from './limits';

const entry = (details: Record<string, unknown>, extra: Partial<{ subjectId: string | null }> = {}) => ({
  action: 'query.slice.refused',
  subjectType: 'grant',
  subjectId: extra.subjectId ?? null,
  details,
});

describe('auditFieldsProblem', () => {
  it('accepts ids, codes, counts, hashes and nulls within 4 KiB', () => {
    expect(
      auditFieldsProblem(
        entry({ reason: 'SLICE_ID_INVALID', rows: 3, ok: true, none: null, note: 'x'.repeat(3000) }),
      ),
    ).toBeNull();
  });

  it('refuses details above 4 KiB, measured in UTF-8 bytes', () => {
    expect(auditFieldsProblem(entry({ v: 'x'.repeat(MAX_AUDIT_DETAILS_BYTES) }))).toMatch(/larger than 4096/);
    expect(auditFieldsProblem(entry({ v: '한'.repeat(1400) }))).toMatch(/larger than 4096/);
    expect(auditFieldsProblem(entry({ v: 'A'.repeat(12 * 1024 * 1024) }))).toMatch(/larger than 4096/);
  });

  it('refuses newlines, other controls and bidirectional overrides in values, keys and the subject', () => {
    for (const bad of ['a\nb', 'a\rb', 'a\u0000b', '\u202Eexe.gpj', 'a\u2066b', 'a\u0085b']) {
      expect(auditFieldsProblem(entry({ v: bad }))).toMatch(/control or bidirectional/);
      expect(auditFieldsProblem(entry({ [bad]: 1 }))).toMatch(/control or bidirectional/);
      expect(auditFieldsProblem(entry({}, { subjectId: bad }))).toMatch(/control or bidirectional/);
    }
  });

  it('refuses nested objects and non-finite numbers', () => {
    expect(auditFieldsProblem(entry({ v: { nested: 1 } }))).toMatch(/not a string/);
    expect(auditFieldsProblem(entry({ v: Number.NaN }))).toMatch(/not a string/);
  });
});
