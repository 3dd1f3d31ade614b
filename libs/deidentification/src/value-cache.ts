/**
 * A bounded cache of transformed distinct values (pseudonyms, per-entity shifts). Two generations
 * of Maps approximate LRU at Map speed: lookups hit the young generation, fall back to the old
 * one (and promote), and when the young generation is full the old one is dropped. Memory never
 * exceeds `capacity` entries; a value used at least once per `capacity / 2` insertions stays.
 */
export class ValueCache<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly generation: number;

  /** A cache holding at most `capacity` (≥ 2) entries. */
  constructor(capacity: number) {
    this.generation = Math.max(1, Math.floor(capacity / 2));
  }

  /** The cached value, or undefined. */
  get(key: K): V | undefined {
    const hit = this.young.get(key);
    if (hit !== undefined) return hit;
    const aged = this.old.get(key);
    if (aged !== undefined) this.set(key, aged);
    return aged;
  }

  /** Caches a value, retiring the old generation when the young one is full. */
  set(key: K, value: V): void {
    if (this.young.size >= this.generation) {
      this.old = this.young;
      this.young = new Map<K, V>();
    }
    this.young.set(key, value);
  }

  /** Number of entries held (both generations, a promoted key may count twice). */
  get size(): number {
    return this.young.size + this.old.size;
  }
}
