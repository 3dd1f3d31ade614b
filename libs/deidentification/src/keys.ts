/**
 * Per-grant, per-column keys. Every keyed transform runs under its own key, derived by HKDF
 * (RFC 5869, SHA-256) from the hub's master secret; the info string length-prefixes each part so
 * that no (grant, column) pair can collide with another ("ab"+"c" ≠ "a"+"bc"). Different grants
 * therefore give different pseudonyms for the same raw value (invariant 7), and so do different
 * columns and different purposes.
 */
import { hkdfSync } from 'node:crypto';
import { DeidErrorCode, deidError } from './errors';

/** The shortest master secret the engine accepts: 32 bytes (256 bits). */
export const MIN_MASTER_SECRET_BYTES = 32;
/** The shortest derived key (and pseudonym) the engine accepts, in bits. */
export const MIN_DERIVED_KEY_BITS = 128;
/** Length of every derived key, in bytes. */
export const DERIVED_KEY_BYTES = 32;

/** What a derived key is used for; part of the HKDF info so purposes never share a key. */
export type KeyPurpose = 'pseudonym' | 'shift-date' | 'noise';

const SALT = Buffer.from('maxhub/deidentification/hkdf-salt/v1', 'utf8');
const VERSION = 'maxhub/deid/v1';

function lengthPrefixed(parts: readonly string[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const bytes = Buffer.from(part, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length, 0);
    chunks.push(len, bytes);
  }
  return Buffer.concat(chunks);
}

/** Refuses a missing master secret (DEID_KEY_MISSING) or one under 32 bytes (DEID_KEY_TOO_SHORT). */
export function assertMasterSecret(
  masterSecret: Buffer | Uint8Array | null | undefined,
): asserts masterSecret is Buffer {
  if (masterSecret === null || masterSecret === undefined || masterSecret.length === 0) {
    throw deidError(
      DeidErrorCode.KEY_MISSING,
      'No master secret is configured; keyed transforms cannot run.',
    );
  }
  if (masterSecret.length < MIN_MASTER_SECRET_BYTES) {
    throw deidError(
      DeidErrorCode.KEY_TOO_SHORT,
      `The master secret is shorter than ${MIN_MASTER_SECRET_BYTES} bytes; keyed transforms refuse to run.`,
    );
  }
}

/**
 * Derives the 256-bit key of one purpose for one (grant, column):
 * HKDF-SHA256(ikm = master secret, salt = fixed, info = len‖"maxhub/deid/v1" ‖ len‖purpose ‖
 * len‖grantId ‖ len‖column), lengths as 32-bit big-endian byte counts of the UTF-8 parts.
 */
export function deriveKey(
  masterSecret: Buffer | Uint8Array | null | undefined,
  grantId: string,
  purpose: KeyPurpose,
  column: string,
): Buffer {
  assertMasterSecret(masterSecret);
  if (grantId.length === 0) throw deidError(DeidErrorCode.INVALID_ARGUMENT, 'The grant id is empty.');
  const info = lengthPrefixed([VERSION, purpose, grantId, column]);
  const key = Buffer.from(hkdfSync('sha256', masterSecret, SALT, info, DERIVED_KEY_BYTES));
  assertDerivedKey(key);
  return key;
}

/** Refuses a derived key under 128 bits (DEID_KEY_TOO_SHORT). */
export function assertDerivedKey(key: Buffer | Uint8Array | null | undefined): asserts key is Buffer {
  if (key === null || key === undefined || key.length === 0) {
    throw deidError(DeidErrorCode.KEY_MISSING, 'A keyed transform has no key.');
  }
  if (key.length * 8 < MIN_DERIVED_KEY_BITS) {
    throw deidError(
      DeidErrorCode.KEY_TOO_SHORT,
      `A derived key is shorter than ${MIN_DERIVED_KEY_BITS} bits.`,
    );
  }
}
