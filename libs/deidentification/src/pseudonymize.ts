/**
 * Keyed pseudonyms: HMAC-SHA256 under a per-(grant, column) key over the canonical string of the
 * value (see canonical.ts), truncated to the requested width. Without the key, a pseudonym cannot
 * be reversed or recomputed, not even by enumerating a small ID space (a plain hash could be).
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { CellValue } from '@maxhub/formats';
import { canonicalString } from './canonical';
import { DeidErrorCode, deidError } from './errors';
import { assertDerivedKey, MIN_DERIVED_KEY_BITS } from './keys';
import { ValueCache } from './value-cache';

/** Output alphabets of a pseudonym. */
export type PseudonymEncoding = 'hex' | 'base32';

/** Every pseudonym starts with this, so it can never be mistaken for a raw identifier. */
export const PSEUDONYM_PREFIX = 'ps_';

/** Default bound of the distinct-value cache. */
export const DEFAULT_CACHE_SIZE = 100_000;

/** Options of a pseudonymizer. */
export interface PseudonymizerOptions {
  /** Width in bits, ≥ 128 (default 128); rounded up to whole bytes. */
  bits?: number;
  /** Lowercase hex (default) or lowercase RFC 4648 base32 without padding. */
  encoding?: PseudonymEncoding;
  /** Bound of the distinct-value cache (default 100,000). */
  cacheSize?: number;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** Lowercase RFC 4648 base32 of bytes, without padding. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bitsHeld = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bitsHeld += 8;
    while (bitsHeld >= 5) {
      out += BASE32[(buffer >>> (bitsHeld - 5)) & 31];
      bitsHeld -= 5;
    }
    buffer &= (1 << bitsHeld) - 1;
  }
  if (bitsHeld > 0) out += BASE32[(buffer << (5 - bitsHeld)) & 31];
  return out;
}

/**
 * Returns a function mapping a cell to its pseudonym (`ps_` + hex or base32), or null for null.
 * Refuses a key or a width under 128 bits (DEID_KEY_TOO_SHORT).
 */
export function createPseudonymizer(
  key: Buffer,
  options: PseudonymizerOptions = {},
): (value: CellValue | undefined) => string | null {
  assertDerivedKey(key);
  const bits = options.bits ?? MIN_DERIVED_KEY_BITS;
  if (!Number.isInteger(bits) || bits < MIN_DERIVED_KEY_BITS || bits > 256) {
    throw deidError(DeidErrorCode.KEY_TOO_SHORT, 'A pseudonym must carry between 128 and 256 bits.');
  }
  const bytes = Math.ceil(bits / 8);
  const encoding = options.encoding ?? 'hex';
  const secret: KeyObject = createSecretKey(key);
  const cache = new ValueCache<string | number | boolean, string>(options.cacheSize ?? DEFAULT_CACHE_SIZE);

  const compute = (canonical: string): string => {
    const mac = createHmac('sha256', secret).update(canonical, 'utf8').digest();
    const cut = mac.subarray(0, bytes);
    return PSEUDONYM_PREFIX + (encoding === 'hex' ? cut.toString('hex') : base32(cut));
  };

  return (value) => {
    if (value === null || value === undefined) return null;
    const hit = cache.get(value);
    if (hit !== undefined) return hit;
    const canonical = canonicalString(value);
    if (canonical === null) return null;
    const pseudonym = compute(canonical);
    cache.set(value, pseudonym);
    return pseudonym;
  };
}
