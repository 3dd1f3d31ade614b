/**
 * The contract every {@link ViewStore} meets, as jest cases: store.spec.ts runs it on the
 * in-memory store, store.int-spec.ts on the MinIO store against the real MinIO. A case that
 * holds for one and not the other is a bug in the store (or a case to rewrite), never a reason
 * to run it on one only.
 */
import { randomBytes } from 'node:crypto';
import type { ViewStore } from './store';

/** Defines the contract's cases for the store `make()` returns (called once per case). */
export function describeViewStoreContract(name: string, make: () => ViewStore | Promise<ViewStore>): void {
  describe(`ViewStore contract: ${name}`, () => {
    let store: ViewStore;
    let prefix: string;
    beforeEach(async () => {
      store = await make();
      // Each case writes under a prefix of its own: no order between cases, no shared objects.
      prefix = `shares/contract-${randomBytes(6).toString('hex')}/`;
    });

    it('answers undefined for an object that does not exist', async () => {
      expect(await store.get(`${prefix}index.json`)).toBeUndefined();
    });

    it('gives back the exact bytes it was given, binary and empty ones included', async () => {
      const binary = Buffer.from([0, 255, 1, 254, 0x1f, 0x8b, 10, 13, 0]);
      await store.put(`${prefix}chunk-0`, binary);
      await store.put(`${prefix}empty`, Buffer.alloc(0));
      expect(await store.get(`${prefix}chunk-0`)).toEqual(binary);
      expect(await store.get(`${prefix}empty`)).toEqual(Buffer.alloc(0));
    });

    it('keeps what was put, not the caller’s buffer, which it may change afterwards', async () => {
      const bytes = Buffer.from('first', 'utf8');
      await store.put(`${prefix}a`, bytes);
      bytes.write('XXXXX');
      expect((await store.get(`${prefix}a`))?.toString('utf8')).toBe('first');
    });

    it('replaces an object put again under the same key', async () => {
      await store.put(`${prefix}index.json`, Buffer.from('{"v":1}'));
      await store.put(`${prefix}index.json`, Buffer.from('{"v":2,"longer":true}'));
      expect((await store.get(`${prefix}index.json`))?.toString()).toBe('{"v":2,"longer":true}');
    });

    it('lists every key under a prefix, at any depth and in order, and nothing beside it', async () => {
      const sibling = `${prefix.slice(0, -1)}0/`; // shares/contract-x0/ starts with shares/contract-x
      // (No key that is also a "folder" of another: S3 allows it, MinIO refuses it, views never do it.)
      for (const k of ['b', 'a', 'c/e/f', 'c/d']) await store.put(`${prefix}${k}`, Buffer.from(k));
      await store.put(`${sibling}a`, Buffer.from('beside'));
      expect(await store.list(prefix)).toEqual([
        `${prefix}a`,
        `${prefix}b`,
        `${prefix}c/d`,
        `${prefix}c/e/f`,
      ]);
      expect(await store.list(`${prefix}c/`)).toEqual([`${prefix}c/d`, `${prefix}c/e/f`]);
      expect(await store.list(sibling)).toEqual([`${sibling}a`]);
    });

    it('lists nothing under a prefix that holds nothing', async () => {
      expect(await store.list(prefix)).toEqual([]);
    });

    it('removes the keys it is given and only those', async () => {
      for (const k of ['a', 'b', 'c']) await store.put(`${prefix}${k}`, Buffer.from(k));
      await store.remove([`${prefix}a`, `${prefix}c`]);
      expect(await store.list(prefix)).toEqual([`${prefix}b`]);
      expect(await store.get(`${prefix}a`)).toBeUndefined();
      expect((await store.get(`${prefix}b`))?.toString()).toBe('b');
    });

    it('takes missing keys and an empty list to remove without an error', async () => {
      await store.put(`${prefix}kept`, Buffer.from('k'));
      await expect(store.remove([`${prefix}never-written`])).resolves.toBeUndefined();
      await expect(store.remove([])).resolves.toBeUndefined();
      expect(await store.list(prefix)).toEqual([`${prefix}kept`]);
    });

    it('removes more keys than one S3 request carries (1,001)', async () => {
      const keys = Array.from({ length: 1001 }, (_, i) => `${prefix}chunk-${String(i).padStart(5, '0')}`);
      for (let i = 0; i < keys.length; i += 50)
        await Promise.all(keys.slice(i, i + 50).map((k) => store.put(k, Buffer.from('x'))));
      expect(await store.list(prefix)).toHaveLength(1001);
      await store.remove(keys);
      expect(await store.list(prefix)).toEqual([]);
    }, 60_000);
  });
}
