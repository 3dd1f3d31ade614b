/**
 * Parquet reader over random access (S3 range GETs in production): the footer first, then one
 * row group at a time — memory is bounded by the largest row group, never by the object.
 * Supported columns: flat (no nested/repeated groups) booleans, integers, floats, decimals,
 * strings (UTF8/ENUM/JSON/UUID as text), DATE, TIMESTAMP (any unit, read as UTC) and INT96.
 */
import type { FileMetaData, SchemaElement } from 'hyparquet';
import { parquetMetadataAsync, parquetRead } from 'hyparquet';
import { FormatError } from './errors';
import { DEFAULT_BATCH_SIZE, type RecordBatch } from './records';
import type { ColumnType } from './schema';

/**
 * Random access to an object's bytes. The storage layer implements it with S3 range GETs.
 * `read(start, end)` returns bytes `[start, end)` (end exclusive).
 */
export interface RandomAccessSource {
  /** Total object size in bytes. */
  size: number;
  /** Bytes `[start, end)`. */
  read(start: number, end: number): Promise<ArrayBuffer>;
}

/** A {@link RandomAccessSource} over bytes in memory (tests, small objects). */
export function bufferSource(bytes: Uint8Array): RandomAccessSource {
  return {
    size: bytes.byteLength,
    read: async (start, end) => {
      const s = bytes.subarray(start, end);
      return s.buffer.slice(s.byteOffset, s.byteOffset + s.byteLength) as ArrayBuffer;
    },
  };
}

/** Options of {@link readParquet}. */
export interface ParquetReadOptions {
  /** Records per yielded batch (a row group is split into batches of this size). */
  batchSize?: number;
  /**
   * When given, every byte of the object is passed here exactly once and in order (each row
   * group's range is fetched with one read, then the tail): the validator hashes with it.
   */
  onBytes?: (chunk: Buffer) => void;
}

/** What the Parquet reader learned. */
export interface ParquetInfo {
  columns: string[];
  types: ColumnType[];
  /** Nullable per column, from the schema's repetition (OPTIONAL). */
  nullable: boolean[];
  rowCount: number;
  sizeBytes: number;
  rowGroups: number;
}

/** A streaming Parquet reader. */
export interface ParquetReader extends AsyncIterable<RecordBatch> {
  readonly info: ParquetInfo;
}

const PAR1 = 0x31524150;
/** First footer fetch (one range GET for typical footers). */
const FOOTER_FETCH = 64 * 1024;

function columnType(e: SchemaElement): ColumnType | undefined {
  const lt = e.logical_type?.type;
  const ct = e.converted_type;
  if (lt === 'STRING' || lt === 'ENUM' || lt === 'JSON' || lt === 'UUID') return 'string';
  if (ct === 'UTF8' || ct === 'ENUM' || ct === 'JSON') return 'string';
  if (lt === 'DATE' || ct === 'DATE') return 'date';
  if (lt === 'TIMESTAMP' || ct === 'TIMESTAMP_MILLIS' || ct === 'TIMESTAMP_MICROS') return 'timestamp';
  if (lt === 'DECIMAL' || ct === 'DECIMAL' || lt === 'FLOAT16') return 'decimal';
  if (lt === 'TIME' || ct === 'TIME_MILLIS' || ct === 'TIME_MICROS' || ct === 'INTERVAL' || ct === 'BSON')
    return undefined;
  switch (e.type) {
    case 'BOOLEAN':
      return 'boolean';
    case 'INT32':
    case 'INT64':
      return 'integer';
    case 'FLOAT':
    case 'DOUBLE':
      return 'decimal';
    case 'INT96':
      return 'timestamp';
    case 'BYTE_ARRAY':
      return 'string';
    case 'FIXED_LEN_BYTE_ARRAY':
    case undefined:
      return undefined;
  }
}

const isoDay = (days: number): string => new Date(days * 86_400_000).toISOString().slice(0, 10);
const iso = (ms: number): string => new Date(ms).toISOString();
const PARSERS = {
  timestampFromMilliseconds: (v: bigint) => iso(Number(v)),
  timestampFromMicroseconds: (v: bigint) => iso(Number(v / 1000n)),
  timestampFromNanoseconds: (v: bigint) => iso(Number(v / 1_000_000n)),
  dateFromDays: isoDay,
  jsonFromBytes: (b: Uint8Array) => Buffer.from(b).toString('utf8'),
};

function corrupt(cause: unknown, where: string): FormatError {
  return new FormatError(
    'DATASET_NOT_DECLARED_FORMAT',
    `The object is not a readable Parquet file (${where})`,
    {},
    { cause },
  );
}

/** Reads the footer and maps the schema; rejects nested or unsupported columns. */
export async function readParquetMetadata(
  source: RandomAccessSource,
): Promise<{ metadata: FileMetaData; columns: string[]; types: ColumnType[]; nullable: boolean[] }> {
  if (source.size === 0) throw new FormatError('DATASET_EMPTY_FILE', 'The object is empty', {});
  if (source.size < 12)
    throw new FormatError('DATASET_NOT_DECLARED_FORMAT', 'The object is too small to be Parquet', {});
  const head = new DataView(await source.read(0, 4));
  const tail = new DataView(await source.read(source.size - 4, source.size));
  if (head.getUint32(0, true) !== PAR1 || tail.getUint32(0, true) !== PAR1) {
    throw new FormatError('DATASET_NOT_DECLARED_FORMAT', 'The Parquet magic bytes (PAR1) are missing', {});
  }
  let metadata: FileMetaData;
  const file = asyncBuffer(source);
  try {
    metadata = await parquetMetadataAsync(file, { parsers: PARSERS, initialFetchSize: FOOTER_FETCH });
  } catch (e) {
    throw readFailure(file, e, 'footer');
  }
  const [root, ...rest] = metadata.schema;
  const columns: string[] = [];
  const types: ColumnType[] = [];
  const nullable: boolean[] = [];
  if (!root || rest.length !== (root.num_children ?? 0)) {
    const nested = rest.find((e) => (e.num_children ?? 0) > 0);
    throw new FormatError(
      'DATASET_UNSUPPORTED_COLUMN_TYPE',
      'Nested Parquet columns are not supported',
      nested ? { column: nested.name } : {},
    );
  }
  const seen = new Set<string>();
  for (const e of rest) {
    const t = columnType(e);
    if ((e.num_children ?? 0) > 0 || e.repetition_type === 'REPEATED' || t === undefined) {
      throw new FormatError(
        'DATASET_UNSUPPORTED_COLUMN_TYPE',
        `column ${JSON.stringify(e.name)} has an unsupported Parquet type`,
        {
          column: e.name,
        },
      );
    }
    if (e.name.trim().length === 0)
      throw new FormatError(
        'DATASET_EMPTY_COLUMN_NAME',
        `column ${columns.length + 1} has an empty name`,
        {},
      );
    if (seen.has(e.name)) {
      throw new FormatError('DATASET_DUPLICATE_COLUMN', `column ${JSON.stringify(e.name)} appears twice`, {
        column: e.name,
      });
    }
    seen.add(e.name);
    columns.push(e.name);
    types.push(t);
    nullable.push(e.repetition_type !== 'REQUIRED');
  }
  if (columns.length === 0)
    throw new FormatError('DATASET_EMPTY_FILE', 'The Parquet file has no columns', {});
  return { metadata, columns, types, nullable };
}

interface Window {
  start: number;
  bytes: Uint8Array;
}

/**
 * The file as hyparquet reads it. `failed` keeps the first error a read of the source raised:
 * hyparquet's own errors mean a malformed file, but a failed read (a stalled or unreachable
 * store) is not one, and is rethrown as it is rather than as DATASET_NOT_DECLARED_FORMAT.
 */
function asyncBuffer(source: RandomAccessSource, window?: () => Window | undefined) {
  const file = {
    byteLength: source.size,
    failed: undefined as { error: unknown } | undefined,
    slice(start: number, end?: number): Promise<ArrayBuffer> | ArrayBuffer {
      const e = end ?? source.size;
      const w = window?.();
      if (w && start >= w.start && e <= w.start + w.bytes.byteLength) {
        const s = w.bytes.subarray(start - w.start, e - w.start);
        return s.buffer.slice(s.byteOffset, s.byteOffset + s.byteLength) as ArrayBuffer;
      }
      return source.read(start, e).catch((error: unknown) => {
        file.failed ??= { error };
        throw error;
      });
    },
  };
  return file;
}

/** The source's own failure when a read failed, else the file is not readable Parquet. */
function readFailure(file: ReturnType<typeof asyncBuffer>, cause: unknown, where: string): unknown {
  return file.failed ? file.failed.error : corrupt(cause, where);
}

function groupRange(metadata: FileMetaData, g: number): [number, number] {
  let lo = Infinity;
  let hi = 0;
  for (const c of metadata.row_groups[g].columns) {
    const m = c.meta_data;
    if (!m) continue;
    const s = Number(m.dictionary_page_offset ?? m.data_page_offset);
    lo = Math.min(lo, s);
    hi = Math.max(hi, s + Number(m.total_compressed_size));
  }
  return [lo === Infinity ? 0 : lo, hi];
}

/** Reads a Parquet object row group by row group as batches of value records. */
export function readParquet(source: RandomAccessSource, options: ParquetReadOptions = {}): ParquetReader {
  const info: ParquetInfo = {
    columns: [],
    types: [],
    nullable: [],
    rowCount: 0,
    sizeBytes: source.size,
    rowGroups: 0,
  };
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  async function* iterate(): AsyncGenerator<RecordBatch> {
    const { metadata, columns, types, nullable } = await readParquetMetadata(source);
    Object.assign(info, { columns, types, nullable, rowGroups: metadata.row_groups.length });
    let window: Window | undefined;
    let hashed = 0;
    const file = asyncBuffer(source, () => window);
    let rowStart = 0;
    for (let g = 0; g < metadata.row_groups.length; g++) {
      const n = Number(metadata.row_groups[g].num_rows);
      if (options.onBytes) {
        const [, hi] = groupRange(metadata, g);
        if (hi > hashed) {
          const bytes = new Uint8Array(await source.read(hashed, hi));
          options.onBytes(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
          window = { start: hashed, bytes };
          hashed = hi;
        }
      }
      let rows: unknown[][] = [];
      try {
        await parquetRead({
          file,
          metadata,
          rowStart,
          rowEnd: rowStart + n,
          parsers: PARSERS,
          onComplete: (r: unknown[][]) => {
            rows = r;
          },
        });
      } catch (e) {
        throw readFailure(file, e, `row group ${g + 1}`);
      }
      window = undefined;
      for (let i = 0; i < rows.length; i += batchSize) {
        const records = i === 0 && rows.length <= batchSize ? rows : rows.slice(i, i + batchSize);
        const batch: RecordBatch = { columns, records, firstRow: rowStart + i + 1, cells: 'value', types };
        info.rowCount += records.length;
        yield batch;
      }
      rowStart += n;
    }
    if (options.onBytes && hashed < source.size) {
      const bytes = new Uint8Array(await source.read(hashed, source.size));
      options.onBytes(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    }
  }
  return { info, [Symbol.asyncIterator]: () => iterate() };
}
