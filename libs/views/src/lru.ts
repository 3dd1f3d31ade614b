/**
 * A least-recently-used cache bounded by an estimated byte cost, with in-flight de-duplication:
 * sixteen analysts asking for the same chunk at once cause one GET and one decode.
 */
export class ByteLru<V> {
  private readonly entries = new Map<string, { value: V; cost: number }>();
  private readonly loading = new Map<string, Promise<V>>();
  private used = 0;
  /** Loads from the store (misses), for metrics. */
  misses = 0;
  /** Answers from memory, for metrics. */
  hits = 0;

  constructor(readonly maxBytes: number) {
    if (!(maxBytes >= 0)) throw new RangeError('maxBytes must be non-negative');
  }

  /** Bytes currently held (estimated). */
  get bytes(): number {
    return this.used;
  }

  /** Entries currently held. */
  get size(): number {
    return this.entries.size;
  }

  /** The cached value (marking it recently used), or undefined. */
  peek(key: string): V | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  /** Stores a value; evicts least recently used entries beyond the bound (a value above the bound is not kept). */
  set(key: string, value: V, cost: number): void {
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.used -= old.cost;
      this.entries.delete(key);
    }
    if (cost > this.maxBytes) return;
    this.entries.set(key, { value, cost });
    this.used += cost;
    for (const [k, e] of this.entries) {
      if (this.used <= this.maxBytes) break;
      this.entries.delete(k);
      this.used -= e.cost;
    }
  }

  /** The value for `key`, loading it once (concurrent callers share the load). */
  async get(key: string, load: () => Promise<{ value: V; cost: number }>): Promise<V> {
    const hit = this.peek(key);
    if (hit !== undefined) {
      this.hits++;
      return hit;
    }
    const pending = this.loading.get(key);
    if (pending !== undefined) {
      this.hits++;
      return pending;
    }
    this.misses++;
    const p = load().then(({ value, cost }) => {
      this.set(key, value, cost);
      return value;
    });
    this.loading.set(key, p);
    try {
      return await p;
    } finally {
      this.loading.delete(key);
    }
  }
}
