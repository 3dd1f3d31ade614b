/**
 * The object store a view lives in, reduced to the four calls the library makes. The hub and
 * the worker pass the owner's bucket ({@link minioStore}); unit tests pass {@link memoryStore}.
 * Both meet the same contract (store.contract.ts).
 */
import type { CompanyBucket } from '@maxhub/storage';
import { ViewError, ViewErrorCode } from './errors';

/** Where a view's objects are read and written. Keys are full object keys. */
export interface ViewStore {
  /** The whole object, or undefined when it does not exist. */
  get(key: string): Promise<Buffer | undefined>;
  put(key: string, bytes: Buffer): Promise<void>;
  /** Every key under `prefix`. */
  list(prefix: string): Promise<string[]>;
  /** Removes the keys (missing keys are not an error). */
  remove(keys: readonly string[]): Promise<void>;
}

const storageFailed = (cause: unknown) =>
  new ViewError(ViewErrorCode.VIEW_STORAGE_FAILED, 'the view storage could not be reached', { cause });

/**
 * A {@link ViewStore} over a company's bucket (the storage adapter, with its deadlines); a
 * storage failure is VIEW_STORAGE_FAILED with the StorageError as cause.
 */
export function minioStore(bucket: CompanyBucket): ViewStore {
  return {
    async get(key) {
      try {
        return await bucket.get(key);
      } catch (err) {
        throw storageFailed(err);
      }
    },
    async put(key, bytes) {
      try {
        await bucket.put(key, bytes);
      } catch (err) {
        throw storageFailed(err);
      }
    },
    async list(prefix) {
      try {
        return await bucket.list(prefix);
      } catch (err) {
        throw storageFailed(err);
      }
    },
    async remove(keys) {
      try {
        await bucket.remove(keys);
      } catch (err) {
        throw storageFailed(err);
      }
    },
  };
}

/** An in-memory {@link ViewStore} (tests, benchmarks of the reader alone). */
export function memoryStore(
  objects = new Map<string, Buffer>(),
): ViewStore & { objects: Map<string, Buffer> } {
  return {
    objects,
    get: (key) => Promise.resolve(objects.get(key)),
    put: (key, bytes) => {
      objects.set(key, Buffer.from(bytes));
      return Promise.resolve();
    },
    list: (prefix) => Promise.resolve([...objects.keys()].filter((k) => k.startsWith(prefix)).sort()),
    remove: (keys) => {
      for (const k of keys) objects.delete(k);
      return Promise.resolve();
    },
  };
}
