import { DeidErrorCode, DeidentificationError } from './errors';
import { canonicalString } from './canonical';
import { deriveKey } from './keys';
import { base32, createPseudonymizer } from './pseudonymize';

const SECRET = Buffer.alloc(32, 7);

function pseudonymizer(grant: string, column: string, bits = 128) {
  return createPseudonymizer(deriveKey(SECRET, grant, 'pseudonym', column), { bits });
}

function codeOf(fn: () => unknown): DeidErrorCode | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof DeidentificationError) return e.code;
    throw e;
  }
  return undefined;
}

describe('pseudonyms', () => {
  it('gives the same pseudonym to the same value within one grant and column', () => {
    expect(pseudonymizer('g1', 'operator')('OP-1001')).toBe(pseudonymizer('g1', 'operator')('OP-1001'));
  });

  it('gives different pseudonyms to the same value under different grants', () => {
    expect(pseudonymizer('g1', 'operator')('OP-1001')).not.toBe(pseudonymizer('g2', 'operator')('OP-1001'));
  });

  it('gives different pseudonyms to the same value in different columns', () => {
    expect(pseudonymizer('g1', 'operator')('OP-1001')).not.toBe(pseudonymizer('g1', 'inspector')('OP-1001'));
  });

  it('does not confuse grant and column boundaries in the key derivation', () => {
    expect(deriveKey(SECRET, 'ab', 'pseudonym', 'c').equals(deriveKey(SECRET, 'a', 'pseudonym', 'bc'))).toBe(
      false,
    );
  });

  it('renders 128 bits as ps_ and 32 lowercase hex digits', () => {
    expect(pseudonymizer('g1', 'c')('x')).toMatch(/^ps_[0-9a-f]{32}$/);
  });

  it('renders 256 bits as 64 hex digits and base32 in lowercase RFC 4648', () => {
    expect(pseudonymizer('g1', 'c', 256)('x')).toMatch(/^ps_[0-9a-f]{64}$/);
    const b32 = createPseudonymizer(deriveKey(SECRET, 'g1', 'pseudonym', 'c'), { encoding: 'base32' })('x');
    expect(b32).toMatch(/^ps_[a-z2-7]{26}$/);
    expect(base32(Buffer.from('foobar'))).toBe('mzxw6ytboi');
  });

  it('keeps nulls null', () => {
    expect(pseudonymizer('g1', 'c')(null)).toBeNull();
  });

  it('treats a number and its decimal string as the same identifier', () => {
    const p = pseudonymizer('g1', 'serial');
    expect(p(42)).toBe(p('42'));
    expect(p(42.0)).toBe(p(' 42 '));
    expect(p('0042')).not.toBe(p(42));
  });

  it('does not contain the raw value', () => {
    expect(pseudonymizer('g1', 'c')('CANARY-7731')).not.toContain('CANARY');
  });

  it('has no collision across 100,000 distinct ids', () => {
    const p = pseudonymizer('g1', 'serial');
    const seen = new Set<string | null>();
    for (let i = 0; i < 100_000; i++) seen.add(p(`SN-${i}`));
    expect(seen.size).toBe(100_000);
  });

  it('stays correct when the distinct values overflow the cache', () => {
    const key = deriveKey(SECRET, 'g1', 'pseudonym', 'serial');
    const small = createPseudonymizer(key, { cacheSize: 4 });
    const big = createPseudonymizer(key);
    const values = Array.from({ length: 50 }, (_, i) => `v${i % 17}`);
    expect(values.map(small)).toEqual(values.map(big));
  });

  it('refuses to run without a master secret', () => {
    expect(codeOf(() => deriveKey(undefined, 'g1', 'pseudonym', 'c'))).toBe(DeidErrorCode.KEY_MISSING);
    expect(codeOf(() => deriveKey(Buffer.alloc(0), 'g1', 'pseudonym', 'c'))).toBe(DeidErrorCode.KEY_MISSING);
  });

  it('refuses a master secret under 32 bytes', () => {
    expect(codeOf(() => deriveKey(Buffer.alloc(31, 1), 'g1', 'pseudonym', 'c'))).toBe(
      DeidErrorCode.KEY_TOO_SHORT,
    );
  });

  it('refuses a derived key or a pseudonym width under 128 bits', () => {
    expect(codeOf(() => createPseudonymizer(Buffer.alloc(15, 1)))).toBe(DeidErrorCode.KEY_TOO_SHORT);
    expect(codeOf(() => createPseudonymizer(Buffer.alloc(32, 1), { bits: 64 }))).toBe(
      DeidErrorCode.KEY_TOO_SHORT,
    );
  });

  it('keeps key material out of its error messages', () => {
    try {
      deriveKey(Buffer.from('short-secret-CANARY'), 'g1', 'pseudonym', 'c');
      throw new Error('expected a refusal');
    } catch (e) {
      expect((e as Error).message).not.toContain('CANARY');
    }
  });
});

describe('canonical strings', () => {
  it('trims edge whitespace, applies NFC and keeps case and inner spaces', () => {
    expect(canonicalString('  AB 12\t')).toBe('AB 12');
    expect(canonicalString('e\u0301')).toBe('\u00e9');
    expect(canonicalString('ab')).not.toBe(canonicalString('AB'));
  });

  it('writes integers without exponent and refuses non-finite numbers', () => {
    expect(canonicalString(-0)).toBe('0');
    expect(canonicalString(1e21)).toBe('1000000000000000000000');
    expect(canonicalString(0.5)).toBe('0.5');
    expect(canonicalString(true)).toBe('true');
    expect(codeOf(() => canonicalString(Number.NaN))).toBe(DeidErrorCode.INVALID_VALUE);
  });
});
