import type { Readable } from 'node:stream';
import type * as Minio from 'minio';
import { toStorageError } from './endpoint';

/** Random access to one object by S3 range GETs (the shape @maxhub/formats reads Parquet from). */
export interface ObjectRangeSource {
  size: number;
  /** Bytes [start, end) (end clamped to the size). */
  read(start: number, end: number): Promise<ArrayBuffer>;
}

/** What {@link CompanyBucket.stat} tells about an object. */
export interface ObjectStat {
  size: number;
  etag: string;
}

const isMissing = (err: unknown) => {
  const code = (err as { code?: string } | null)?.code;
  return code === 'NotFound' || code === 'NoSuchKey';
};

async function drain(stream: Readable, expected: number): Promise<ArrayBuffer> {
  const out = new Uint8Array(expected);
  let at = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (at + chunk.length > expected) throw new Error('range read returned more bytes than asked');
    out.set(chunk, at);
    at += chunk.length;
  }
  if (at !== expected) throw new Error('range read returned fewer bytes than asked');
  return out.buffer;
}

/**
 * One company's bucket and the client that reaches it: the one way the hub, the worker and the
 * views library read and write a company's objects. The client's requests carry the deadlines
 * of {@link createClient} (connect / first byte, and a stall timeout while bytes are awaited);
 * every method fails with a StorageError (a stall as STORAGE_STALLED, naming the endpoint),
 * never hangs on a quiet endpoint.
 */
export class CompanyBucket {
  constructor(
    /** The client, for calls this class does not wrap (presigning, multipart uploads). */
    readonly client: Minio.Client,
    readonly bucket: string,
    /** True when the bucket is on the company's own endpoint rather than the alliance MinIO. */
    readonly external: boolean,
  ) {}

  /** Size and ETag of an object, or null when it does not exist. */
  async stat(key: string): Promise<ObjectStat | null> {
    try {
      const s = await this.client.statObject(this.bucket, key);
      return { size: s.size, etag: s.etag };
    } catch (err) {
      if (isMissing(err)) return null;
      throw toStorageError(err);
    }
  }

  /**
   * The whole object as ONE streaming GET (memory bounded by the stream's buffers). A stall
   * mid-object makes the stream fail with STORAGE_STALLED; destroy the stream when stopping early.
   */
  async stream(key: string): Promise<Readable> {
    try {
      return await this.client.getObject(this.bucket, key);
    } catch (err) {
      throw toStorageError(err);
    }
  }

  /** A random-access view of an object of `size` bytes: each `read` is one range GET. */
  rangeSource(key: string, size: number): ObjectRangeSource {
    return {
      size,
      read: async (start, end) => {
        const length = Math.max(0, Math.min(end, size) - start);
        // A zero length would ask S3 for the rest of the object.
        if (length === 0) return new ArrayBuffer(0);
        try {
          return await drain(await this.client.getPartialObject(this.bucket, key, start, length), length);
        } catch (err) {
          throw toStorageError(err);
        }
      },
    };
  }

  /** The whole object in memory (small objects: manifests, view chunks), or undefined when missing. */
  async get(key: string): Promise<Buffer | undefined> {
    try {
      const parts: Buffer[] = [];
      for await (const c of await this.client.getObject(this.bucket, key)) parts.push(c as Buffer);
      return Buffer.concat(parts);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw toStorageError(err);
    }
  }

  /** Writes an object (replacing one of the same key). */
  async put(key: string, bytes: Buffer): Promise<void> {
    try {
      await this.client.putObject(this.bucket, key, bytes, bytes.length);
    } catch (err) {
      throw toStorageError(err);
    }
  }

  /** Every key under `prefix`, at any depth, in the endpoint's (lexicographic) order. */
  async list(prefix: string): Promise<string[]> {
    try {
      const keys: string[] = [];
      for await (const item of this.client.listObjectsV2(this.bucket, prefix, true)) {
        const name = (item as { name?: string }).name;
        if (name) keys.push(name);
      }
      return keys;
    } catch (err) {
      throw toStorageError(err);
    }
  }

  /** Removes the keys, 1,000 per request (missing keys are not an error). */
  async remove(keys: readonly string[]): Promise<void> {
    try {
      for (let i = 0; i < keys.length; i += 1000)
        await this.client.removeObjects(this.bucket, keys.slice(i, i + 1000));
    } catch (err) {
      throw toStorageError(err);
    }
  }
}
