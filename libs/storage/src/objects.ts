import type { Readable } from 'node:stream';
import type * as Minio from 'minio';
import { withStorage } from './endpoint';

/** Random access to one object by S3 range GETs (the shape @maxhub/formats reads Parquet from). */
export interface ObjectRangeSource {
  size: number;
  read(start: number, end: number): Promise<ArrayBuffer>;
}

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
 * A random-access view of an object: `read(start, end)` (end exclusive) is one range GET.
 * Each read has its own deadline, so a stalled endpoint fails the read instead of hanging.
 */
export function objectRangeSource(
  client: Minio.Client,
  bucket: string,
  key: string,
  size: number,
  timeoutMs = 120_000,
): ObjectRangeSource {
  return {
    size,
    read: (start, end) => {
      const length = Math.max(0, Math.min(end, size) - start);
      if (length === 0) return Promise.resolve(new ArrayBuffer(0));
      return withStorage(
        async () => drain(await client.getPartialObject(bucket, key, start, length), length),
        timeoutMs,
      );
    },
  };
}

/** The whole object as a byte stream (one GET; memory bounded by the stream's buffers). */
export async function objectStream(client: Minio.Client, bucket: string, key: string): Promise<Readable> {
  return withStorage(() => client.getObject(bucket, key));
}

/** Size of an object, or null when it does not exist. */
export async function objectSize(client: Minio.Client, bucket: string, key: string): Promise<number | null> {
  try {
    return (await withStorage(() => client.statObject(bucket, key))).size;
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    if (code === 'NotFound' || code === 'NoSuchKey') return null;
    throw err;
  }
}
