/**
 * Bounded numeric noise, fixed per (grant, column, row): asking for the same row again returns the
 * same noisy value, so repetition cannot average the noise away. The noise of row r is drawn from
 * a keyed PRF of r under the per-(grant, column) noise key: AES-256 applied to the 128-bit block
 * encoding r (AES as a pseudorandom function, node:crypto). AES rather than one HMAC per row
 * because AES encrypts a batch of 1024 row counters in one call (~20 ns a row), while an HMAC
 * costs ~2 µs a row and would cap the pipeline at half its target speed; both are keyed
 * cryptographic PRFs, unpredictable without the key.
 */
import { createCipheriv } from 'node:crypto';
import type { CellValue, ColumnType } from '@maxhub/formats';
import { DeidErrorCode, deidError } from './errors';
import { assertDerivedKey } from './keys';

/** Options of a noise transform (mirrors the `noise` transform spec). */
export interface NoiseOptions {
  /** Absolute half-width m of the uniform noise in [-m, m), or with `relative`, a fraction of |value|. */
  magnitude: number;
  relative?: boolean;
  /** Decimals kept after adding noise (decimal columns); integer columns always round to integers. */
  digits?: number;
}

/** Adds the row's noise to one numeric cell. */
export type Noiser = (value: CellValue | undefined, rowIndex: number) => CellValue;

const BATCH = 1024;
const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;

/**
 * Returns a keyed uniform generator u(rowIndex) ∈ [0, 1) with 53 random bits. It computes a batch
 * of 1024 consecutive rows at a time, so sequential access (the materializer's) costs one AES call
 * per batch; random access stays correct.
 */
export function createRowUniform(key: Buffer): (rowIndex: number) => number {
  assertDerivedKey(key);
  const aesKey = key.length >= 32 ? key.subarray(0, 32) : Buffer.concat([key, key]).subarray(0, 32);
  const counters = Buffer.alloc(16 * BATCH);
  let batchStart = -1;
  // The batch's uniforms, computed once when the batch is (one AES call, then plain reads).
  const uniforms = new Float64Array(BATCH);
  return (rowIndex) => {
    if (!Number.isSafeInteger(rowIndex) || rowIndex < 0) {
      throw deidError(DeidErrorCode.INVALID_ARGUMENT, 'A row index must be a non-negative safe integer.');
    }
    const start = rowIndex - (rowIndex % BATCH);
    if (start !== batchStart) {
      for (let i = 0; i < BATCH; i++) {
        const r = start + i;
        counters.writeUInt32BE(Math.floor(r / TWO_32), 16 * i + 8);
        counters.writeUInt32BE(r >>> 0, 16 * i + 12);
      }
      const cipher = createCipheriv('aes-256-ecb', aesKey, null);
      cipher.setAutoPadding(false);
      const stream = cipher.update(counters);
      for (let i = 0; i < BATCH; i++) {
        const at = 16 * i;
        uniforms[i] = ((stream.readUInt32BE(at) >>> 11) * TWO_32 + stream.readUInt32BE(at + 4)) / TWO_53;
      }
      batchStart = start;
    }
    return uniforms[rowIndex - start];
  };
}

/**
 * Compiles the noise of a numeric column: value + (2u − 1)·m, with m the magnitude or
 * magnitude·|value|; then integers round to integers and decimals to `digits` when given (so the
 * bound is m plus half a unit of the last kept digit). Null stays null; a non-number is refused.
 */
export function createNoiser(
  key: Buffer,
  options: NoiseOptions,
  type: ColumnType,
  column = 'column',
): Noiser {
  if (type !== 'integer' && type !== 'decimal') {
    throw deidError(DeidErrorCode.TRANSFORM_TYPE, `Column "${column}": noise needs a numeric column.`);
  }
  const { magnitude, relative = false, digits } = options;
  if (!Number.isFinite(magnitude) || magnitude <= 0) {
    throw deidError(
      DeidErrorCode.INVALID_SPEC,
      `Column "${column}": noise magnitude must be a positive number.`,
    );
  }
  const uniform = createRowUniform(key);
  const scale = digits === undefined ? 0 : 10 ** digits;
  return (value, rowIndex) => {
    if (value === null || value === undefined) return null;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw deidError(
        DeidErrorCode.INVALID_VALUE,
        `Column "${column}" holds a value that is not a finite number.`,
      );
    }
    const m = relative ? magnitude * Math.abs(value) : magnitude;
    const noisy = value + (2 * uniform(rowIndex) - 1) * m;
    if (type === 'integer') return Math.round(noisy);
    return scale === 0 ? noisy : Math.round(noisy * scale) / scale;
  };
}
