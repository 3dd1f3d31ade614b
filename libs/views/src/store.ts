/**
 * The object store a view lives in, reduced to the four calls the library makes. The hub and
 * the worker pass a MinIO client and the owner's bucket ({@link minioStore}); unit tests pass
 * {@link memoryStore}.
 */
import type { Readable } from 'node:stream';
import type * as Minio from 'minio';
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

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

const storageFailed = (cause: unknown) =>
  new ViewError(ViewErrorCode.VIEW_STORAGE_FAILED, 'the view storage could not be reached', { cause });

/** A {@link ViewStore} over a MinIO/S3 bucket. */
export function minioStore(client: Minio.Client, bucket: string): ViewStore {
  return {
    async get(key) {
      try {
        return await readAll(await client.getObject(bucket, key));
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'NoSuchKey' || code === 'NotFound') return undefined;
        throw storageFailed(err);
      }
    },
    async put(key, bytes) {
      try {
        await client.putObject(bucket, key, bytes, bytes.length);
      } catch (err) {
        throw storageFailed(err);
      }
    },
    async list(prefix) {
      try {
        const keys: string[] = [];
        for await (const item of client.listObjectsV2(bucket, prefix, true)) {
          const name = (item as { name?: string }).name;
          if (name) keys.push(name);
        }
        return keys;
      } catch (err) {
        throw storageFailed(err);
      }
    },
    async remove(keys) {
      try {
        for (let i = 0; i < keys.length; i += 1000)
          await client.removeObjects(bucket, keys.slice(i, i + 1000));
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
