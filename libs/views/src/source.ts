/** Reading a raw dataset object from the owner's bucket, and where views live. */
import type { CompanyBucket } from '@maxhub/storage';
import {
  type ByteSource,
  type CellOptions,
  type ColumnBatch,
  type ColumnDeclaration,
  type CsvDelimiter,
  type DatasetFormat,
  type DeclaredEncoding,
  type RandomAccessSource,
  readColumns,
  type RowPrefilter,
} from '@maxhub/formats';
import { ViewError, ViewErrorCode } from './errors';

/** The prefix of a grant's view of one dataset version in the owner's bucket. */
export function viewPrefix(grantId: string, datasetVersionId: string): string {
  const id = /^[0-9a-zA-Z-]{1,64}$/;
  if (!id.test(grantId) || !id.test(datasetVersionId)) throw new TypeError('ids must be plain identifiers');
  return `shares/${grantId}/${datasetVersionId}/`;
}

const unreadable = (cause: unknown) =>
  new ViewError(ViewErrorCode.VIEW_STORAGE_FAILED, 'the raw object could not be read', { cause });

/** Range reads of the raw object (Parquet); failures become VIEW_STORAGE_FAILED. */
function rangeReads(bucket: CompanyBucket, key: string, size: number): RandomAccessSource {
  const source = bucket.rangeSource(key, size);
  return {
    size,
    read: (start, end) =>
      source.read(start, end).catch((cause: unknown) => Promise.reject(unreadable(cause))),
  };
}

/**
 * The whole object as ONE streaming GET (for CSV and JSONL: sequential range reads cost a
 * request round trip per MiB and copy every byte once more). The GET starts on first iteration;
 * failures (a stalled endpoint among them: the bucket's deadlines) become VIEW_STORAGE_FAILED
 * with the StorageError as cause.
 */
function streamRead(bucket: CompanyBucket, key: string): ByteSource {
  return {
    async *[Symbol.asyncIterator]() {
      let stream: AsyncIterable<Uint8Array>;
      try {
        stream = await bucket.stream(key);
      } catch (cause) {
        throw unreadable(cause);
      }
      try {
        yield* stream;
      } catch (cause) {
        throw unreadable(cause);
      }
    },
  };
}

/** What {@link datasetColumns} opens. */
export interface DatasetObject extends CellOptions {
  /** The owner's bucket (its client has the storage deadlines). */
  bucket: CompanyBucket;
  key: string;
  /** Object size in bytes (Parquet's footer is found from it). */
  size: number;
  format: DatasetFormat;
  encoding?: DeclaredEncoding;
  delimiter?: CsvDelimiter;
  /** The dataset version's declared columns (the object is checked against all of them). */
  columns: readonly ColumnDeclaration[];
  /** Records per batch; default {@link MATERIALIZE_BATCH_SIZE}. */
  batchSize?: number;
}

/**
 * Records per batch when materializing. Small on purpose: a batch lives until it is converted,
 * and batches that outlive a young-generation GC are copied and promoted (measured in
 * bench/queries: GC was ~half the CPU time with 8,192-record batches).
 */
export const MATERIALIZE_BATCH_SIZE = 512;

/**
 * The `openColumns` of materializeView for a raw object in the owner's bucket: CSV and JSONL are read through
 * one streaming GET per pass, Parquet through range reads; only the selected columns are typed.
 */
export function datasetColumns(
  o: DatasetObject,
): (select: readonly string[], prefilter?: RowPrefilter) => AsyncIterable<ColumnBatch> {
  return (select, prefilter) =>
    readColumns({
      format: o.format,
      source: o.format === 'PARQUET' ? rangeReads(o.bucket, o.key, o.size) : streamRead(o.bucket, o.key),
      encoding: o.encoding,
      delimiter: o.delimiter,
      columns: o.columns,
      select,
      prefilter,
      // UTF-8 read as one-byte Latin-1 text, text cells re-decoded (validated all the same).
      utf8AsLatin1: true,
      batchSize: o.batchSize ?? MATERIALIZE_BATCH_SIZE,
      ...(o.naiveOffsetMinutes === undefined ? {} : { naiveOffsetMinutes: o.naiveOffsetMinutes }),
    });
}
