/** Reading a raw dataset object from S3, and where views live. */
import type * as Minio from 'minio';
import type { RandomAccessSource } from '@maxhub/formats';
import { ViewError, ViewErrorCode } from './errors';

/** The prefix of a grant's view of one dataset version in the owner's bucket. */
export function viewPrefix(grantId: string, datasetVersionId: string): string {
  const id = /^[0-9a-zA-Z-]{1,64}$/;
  if (!id.test(grantId) || !id.test(datasetVersionId)) throw new TypeError('ids must be plain identifiers');
  return `shares/${grantId}/${datasetVersionId}/`;
}

/** A RandomAccessSource over an object (range GETs), for Parquet and sequential CSV/JSONL reads. */
export function s3RandomAccess(
  client: Minio.Client,
  bucket: string,
  key: string,
  size: number,
): RandomAccessSource {
  return {
    size,
    async read(start: number, end: number): Promise<ArrayBuffer> {
      try {
        const stream = await client.getPartialObject(bucket, key, start, end - start);
        const parts: Buffer[] = [];
        for await (const c of stream) parts.push(c as Buffer);
        const b = Buffer.concat(parts);
        return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
      } catch (cause) {
        throw new ViewError(ViewErrorCode.VIEW_STORAGE_FAILED, 'the raw object could not be read', { cause });
      }
    },
  };
}
