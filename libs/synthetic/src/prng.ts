/**
 * A small, fast, seedable PRNG (sfc32, public domain, passes PractRand to 2^40+) seeded from a
 * string through SHA-256, so (kind, seed) always gives the same stream on every machine.
 * Only integer arithmetic and + − × ÷ on doubles are used downstream (no Math.log/exp/cos,
 * whose last bits could differ between engines), so outputs are reproducible byte for byte.
 */
import { createHash } from 'node:crypto';

/** sfc32 generator state and helpers. */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(a: number, b: number, c: number, d: number) {
    this.a = a >>> 0;
    this.b = b >>> 0;
    this.c = c >>> 0;
    this.d = d >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }

  /** A PRNG seeded from any string (hashed with SHA-256). */
  static fromSeed(seed: string): Prng {
    const h = createHash('sha256').update(seed, 'utf8').digest();
    return new Prng(h.readUInt32LE(0), h.readUInt32LE(4), h.readUInt32LE(8), h.readUInt32LE(12));
  }

  /** Next uint32. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Approximately normal (Irwin–Hall of 4 uniforms, rescaled): arithmetic only. */
  normal(mean: number, sd: number): number {
    const s = this.float() + this.float() + this.float() + this.float() - 2;
    return mean + sd * s * 1.7320508075688772;
  }
}
