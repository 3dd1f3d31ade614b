/**
 * The chunked view: how a materialized (de-identified) view is stored so that a page at row
 * offset R is one object GET, without reading the chunks before it.
 *
 * Layout (the storage/worker layer uploads each chunk as its own object, the index last):
 *   chunk-000000.json.gz, chunk-000001.json.gz, …, index.json
 * A chunk is gzip-compressed (level 1 by default: measured in bench/formats) JSON, columnar:
 *   {"v":1,"firstRow":R,"rowCount":n,"columns":["a","b"],"data":[[a0,a1,…],[b0,b1,…]]}
 * Columnar because it is ~40 % smaller than JSON lines before compression (no repeated keys)
 * and `JSON.parse` of arrays is fast. The index lists every chunk's first row (0-based), row
 * count, byte size and SHA-256, so a reader finds the chunk of row R by binary search and can
 * verify what it downloaded.
 *
 * Version 2 of a chunk (written with the `dictionary` option) stores low-cardinality text columns
 * by dictionary: `"dict":[d0,d1,…]` holds, per column, null or the column's distinct values, and
 * such a column's `data` holds indexes into it. Materialized views are mostly such columns
 * (generalized times, pseudonyms of a few hundred operators, plant/line/shift codes): the JSON
 * and gzip work halve and the chunks shrink by about a third. Readers decode both versions.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { FormatError } from './errors';
import type { ColumnDeclaration } from './rows';
import type { CellValue, Row } from './schema';

/** Format marker in the index. */
export const CHUNKED_VIEW_FORMAT = 'maxhub-chunked-view/1';

/** One chunk in the index. */
export interface ChunkInfo {
  /** 0-based chunk number; also its object name via {@link chunkObjectName}. */
  index: number;
  /** 0-based row offset of the chunk's first row in the whole view. */
  firstRow: number;
  rowCount: number;
  /** Size of the chunk object in bytes (compressed). */
  byteSize: number;
  /** Hex SHA-256 of the chunk object's bytes. */
  sha256: string;
}

/** The manifest of a chunked view (uploaded last: a view without it does not exist). */
export interface ChunkedViewIndex {
  format: typeof CHUNKED_VIEW_FORMAT;
  columns: ColumnDeclaration[];
  rowCount: number;
  /** Rows per chunk (every chunk but the last has exactly this many). */
  chunkRows: number;
  compression: 'gzip' | 'none';
  chunks: ChunkInfo[];
}

/** A chunk ready to upload. */
export interface EncodedChunk {
  info: ChunkInfo;
  bytes: Buffer;
}

/** Options of {@link ChunkedViewWriter}. */
export interface ChunkedViewOptions {
  /** Rows per chunk; default 10,000. */
  chunkRows?: number;
  /** Default `'gzip'`. */
  compression?: 'gzip' | 'none';
  /** zlib level for gzip; default 1 (fastest; see bench). */
  gzipLevel?: number;
  /**
   * Continue a view from chunk `index`, whose first row is `row` (rewriting the tail of a view:
   * the chunks before it are kept). `finish` then lists only this writer's chunks, and its
   * `rowCount` counts the rows before `row` too. Default: a new view.
   */
  start?: { index: number; row: number };
  /**
   * Dictionary-encode text columns with few distinct values per chunk (chunk version 2, see the
   * module comment). Default false (version 1).
   */
  dictionary?: boolean;
}

/** A text column is dictionary-encoded while its distinct values stay within rows / this. */
const DICTIONARY_MAX_FRACTION = 4;

/** Object name of chunk `i` (zero-padded so names sort in row order). */
export function chunkObjectName(i: number, compression: 'gzip' | 'none' = 'gzip'): string {
  return `chunk-${String(i).padStart(6, '0')}.json${compression === 'gzip' ? '.gz' : ''}`;
}

/**
 * Cuts rows into chunks. `push` returns the chunks completed by these rows; `finish` returns
 * the last partial chunk and the index. Memory: one chunk of rows.
 */
export class ChunkedViewWriter {
  private readonly chunkRows: number;
  private readonly compression: 'gzip' | 'none';
  private readonly level: number;
  private readonly names: string[];
  private data: CellValue[][];
  private pending = 0;
  private rowCount: number;
  private readonly firstIndex: number;
  private readonly chunks: ChunkInfo[] = [];
  private finished = false;
  /** Reused encoding buffer of the chunks' JSON (see cut). */
  private scratch: Buffer = Buffer.alloc(0);
  /** Per column: try a dictionary (text columns; decided per chunk, so a chunk's bytes depend on its rows only). */
  private readonly tryDictionary: boolean[];

  constructor(
    private readonly columns: readonly ColumnDeclaration[],
    options: ChunkedViewOptions = {},
  ) {
    this.chunkRows = options.chunkRows ?? 10_000;
    if (!(this.chunkRows >= 1)) throw new RangeError('chunkRows must be at least 1');
    this.compression = options.compression ?? 'gzip';
    this.level = options.gzipLevel ?? 1;
    this.firstIndex = options.start?.index ?? 0;
    this.rowCount = options.start?.row ?? 0;
    this.names = columns.map((c) => c.name);
    this.data = this.names.map(() => []);
    this.tryDictionary = columns.map((c) => options.dictionary === true && c.type === 'string');
  }

  /** The column's dictionary and indexes, or undefined when it has too many distinct values. */
  private dictionaryOf(values: readonly CellValue[]): { dict: CellValue[]; indexes: number[] } | undefined {
    const max = Math.max(1, Math.floor(values.length / DICTIONARY_MAX_FRACTION));
    const at = new Map<CellValue, number>();
    const dict: CellValue[] = [];
    // Built by push: a packed array, which JSON.stringify writes faster than a holey one.
    const indexes: number[] = [];
    let last: CellValue | undefined;
    let lastIndex = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      // Runs of one value (an hour, a shift) skip the lookup.
      if (v === last) {
        indexes.push(lastIndex);
        continue;
      }
      let k = at.get(v);
      if (k === undefined) {
        if (dict.length >= max) return undefined;
        k = dict.length;
        dict.push(v);
        at.set(v, k);
      }
      indexes.push(k);
      last = v;
      lastIndex = k;
    }
    return { dict, indexes };
  }

  /** Adds rows; returns chunks that are now complete (often none). */
  push(rows: readonly Row[]): EncodedChunk[] {
    if (this.finished) throw new Error('ChunkedViewWriter is finished');
    const out: EncodedChunk[] = [];
    const n = this.names.length;
    for (const row of rows) {
      for (let j = 0; j < n; j++) this.data[j].push(row[this.names[j]] ?? null);
      if (++this.pending === this.chunkRows) out.push(this.cut());
    }
    return out;
  }

  /**
   * Adds one row given as values in column order (the array is copied from, not kept); returns
   * the chunk this row completed, if any. The columnar twin of {@link push}.
   */
  pushValues(values: readonly CellValue[]): EncodedChunk | undefined {
    if (this.finished) throw new Error('ChunkedViewWriter is finished');
    const data = this.data;
    for (let j = 0; j < data.length; j++) data[j].push(values[j] ?? null);
    return ++this.pending === this.chunkRows ? this.cut() : undefined;
  }

  /** Ends the view: the last partial chunk (if any) and the index to upload last. */
  finish(): { chunks: EncodedChunk[]; index: ChunkedViewIndex } {
    const chunks = this.pending > 0 ? [this.cut()] : [];
    this.finished = true;
    return {
      chunks,
      index: {
        format: CHUNKED_VIEW_FORMAT,
        columns: this.columns.map((c) => ({ ...c })),
        rowCount: this.rowCount,
        chunkRows: this.chunkRows,
        compression: this.compression,
        chunks: [...this.chunks],
      },
    };
  }

  private cut(): EncodedChunk {
    const firstRow = this.rowCount;
    const rowCount = this.pending;
    let json: string;
    if (this.tryDictionary.some((t) => t)) {
      const dict: Array<CellValue[] | null> = [];
      const data: Array<readonly CellValue[]> = [];
      for (let j = 0; j < this.data.length; j++) {
        const d = this.tryDictionary[j] ? this.dictionaryOf(this.data[j]) : undefined;
        dict.push(d === undefined ? null : d.dict);
        data.push(d === undefined ? this.data[j] : d.indexes);
      }
      json = JSON.stringify({ v: 2, firstRow, rowCount, columns: this.names, dict, data });
    } else json = JSON.stringify({ v: 1, firstRow, rowCount, columns: this.names, data: this.data });
    let bytes: Buffer;
    if (this.compression === 'gzip') {
      // The JSON's bytes go through one buffer reused for every chunk: a fresh ~0.3–1 MB
      // allocation per chunk fragments the C heap of a long materialization (peak RSS).
      const size = Buffer.byteLength(json, 'utf8');
      if (this.scratch.length < size)
        this.scratch = Buffer.allocUnsafe(Math.max(size, 2 * this.scratch.length));
      const n = this.scratch.write(json, 0, 'utf8');
      bytes = gzipSync(this.scratch.subarray(0, n), { level: this.level });
    } else bytes = Buffer.from(json, 'utf8');
    const info: ChunkInfo = {
      index: this.firstIndex + this.chunks.length,
      firstRow,
      rowCount,
      byteSize: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
    this.chunks.push(info);
    this.rowCount += rowCount;
    this.pending = 0;
    this.data = this.names.map(() => []);
    return { info, bytes };
  }
}

/** A decoded chunk. */
export interface DecodedChunk {
  firstRow: number;
  columns: string[];
  rows: Row[];
}

/** A decoded chunk by column: `data[j][i]` is row i's cell of `columns[j]`. */
export interface DecodedChunkColumns {
  firstRow: number;
  rowCount: number;
  columns: string[];
  data: CellValue[][];
}

/**
 * Decodes a chunk into its columns (gzip or plain, detected by magic bytes), without building
 * row objects; `expectedSha256` is verified when given.
 */
export function decodeChunkColumns(bytes: Uint8Array, expectedSha256?: string): DecodedChunkColumns {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string, cause?: unknown) =>
    new FormatError('DATASET_CORRUPT_CHUNK', `The chunk is corrupt (${why})`, {}, { cause });
  if (expectedSha256 !== undefined && createHash('sha256').update(buf).digest('hex') !== expectedSha256)
    throw bad('checksum');
  let parsed: unknown;
  try {
    const raw = buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf;
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw bad('not gzip/JSON', e);
  }
  const c = parsed as {
    v?: unknown;
    firstRow?: unknown;
    rowCount?: unknown;
    columns?: unknown;
    dict?: unknown;
    data?: unknown;
  };
  if (
    (c.v !== 1 && c.v !== 2) ||
    typeof c.firstRow !== 'number' ||
    typeof c.rowCount !== 'number' ||
    !Array.isArray(c.columns) ||
    !Array.isArray(c.data)
  ) {
    throw bad('shape');
  }
  const columns = c.columns as string[];
  const data = c.data as CellValue[][];
  const n = c.rowCount;
  if (data.length !== columns.length || data.some((col) => !Array.isArray(col) || col.length !== n))
    throw bad('column lengths');
  if (c.v === 2) {
    // Dictionary columns: every index must name an entry of the column's dictionary.
    const dict = c.dict as unknown[];
    if (!Array.isArray(dict) || dict.length !== columns.length) throw bad('dictionaries');
    for (let j = 0; j < columns.length; j++) {
      const d = dict[j];
      if (d === null) continue;
      if (!Array.isArray(d)) throw bad('dictionaries');
      const col = data[j];
      const values = new Array<CellValue>(n);
      for (let i = 0; i < n; i++) {
        const k = col[i];
        if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= d.length)
          throw bad('dictionary index');
        values[i] = d[k] as CellValue;
      }
      data[j] = values;
    }
  }
  return { firstRow: c.firstRow, rowCount: n, columns, data };
}

/** Decodes a chunk (gzip or plain, detected by magic bytes); `expectedSha256` is verified when given. */
export function decodeChunk(bytes: Uint8Array, expectedSha256?: string): DecodedChunk {
  const { firstRow, rowCount: n, columns, data } = decodeChunkColumns(bytes, expectedSha256);
  const rows = new Array<Row>(n);
  for (let i = 0; i < n; i++) {
    const row: Row = {};
    for (let j = 0; j < columns.length; j++) row[columns[j]] = data[j][i]!;
    rows[i] = row;
  }
  return { firstRow, columns, rows };
}

/** Decodes a chunk into its rows. */
export function readChunk(bytes: Uint8Array, expectedSha256?: string): Row[] {
  return decodeChunk(bytes, expectedSha256).rows;
}

/** The chunk holding 0-based row `row`, by binary search; undefined past the end. */
export function findChunk(index: Pick<ChunkedViewIndex, 'chunks'>, row: number): ChunkInfo | undefined {
  const chunks = index.chunks;
  let lo = 0;
  let hi = chunks.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = chunks[mid];
    if (row < c.firstRow) hi = mid - 1;
    else if (row >= c.firstRow + c.rowCount) lo = mid + 1;
    else return c;
  }
  return undefined;
}
