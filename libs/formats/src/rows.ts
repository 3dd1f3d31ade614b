/**
 * Typed rows: turning raw record batches into `Row` objects of declared types, and opening
 * any format's reader with one call.
 */
import { Readable } from 'node:stream';
import { type CellOptions, INVALID, type Parsed, textParser, valueParser } from './cells';
import { type ByteSource, type CsvDelimiter, readCsv, type TabularReader } from './csv-reader';
import { type DeclaredEncoding, latin1ToUtf8 } from './encoding';
import { FormatError } from './errors';
import { readJsonl } from './jsonl-reader';
import { type RandomAccessSource, readParquet } from './parquet-reader';
import type { RecordBatch } from './records';
import type { CellValue, ColumnType, DatasetFormat, Row } from './schema';

/** A column as a caller declares it (the publisher's schema, or a grant's view). */
export interface ColumnDeclaration {
  name: string;
  type: ColumnType;
  /** When false, an empty cell is DATASET_NULL_IN_REQUIRED_COLUMN. Default true. */
  nullable?: boolean;
}

/** Where to read from: a byte stream (CSV, JSONL) or random access (any format). */
export type DatasetSource = ByteSource | RandomAccessSource;

/** True when `s` is a {@link RandomAccessSource}. */
export function isRandomAccess(s: DatasetSource): s is RandomAccessSource {
  return (
    typeof (s as RandomAccessSource).read === 'function' && typeof (s as RandomAccessSource).size === 'number'
  );
}

/** Streams a random-access source front to back in `chunkSize` reads (for CSV/JSONL on S3). */
export function sequentialStream(source: RandomAccessSource, chunkSize = 1 << 20): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    for (let pos = 0; pos < source.size; pos += chunkSize) {
      yield Buffer.from(await source.read(pos, Math.min(source.size, pos + chunkSize)));
    }
  }
  return Readable.from(gen(), { objectMode: false });
}

/** Options of {@link openReader}. */
export interface OpenReaderInput {
  format: DatasetFormat;
  source: DatasetSource;
  encoding?: DeclaredEncoding;
  delimiter?: CsvDelimiter;
  batchSize?: number;
  onBytes?: (chunk: Buffer) => void;
  /** CSV only: slice only these columns out of each record (see {@link CsvReadOptions.select}). */
  select?: readonly string[];
  /** CSV with `encoding: 'utf-8'` only: see {@link CsvReadOptions.utf8AsLatin1}. */
  utf8AsLatin1?: boolean;
}

/** Opens the reader of any format. Parquet needs a {@link RandomAccessSource}. */
export function openReader(input: OpenReaderInput): TabularReader {
  const { format, source } = input;
  switch (format) {
    case 'CSV':
    case 'JSONL': {
      const bytes = isRandomAccess(source) ? sequentialStream(source) : source;
      const opts = { encoding: input.encoding, batchSize: input.batchSize, onBytes: input.onBytes };
      return format === 'CSV'
        ? readCsv(bytes, {
            ...opts,
            delimiter: input.delimiter,
            select: input.select,
            utf8AsLatin1: input.utf8AsLatin1,
          })
        : readJsonl(bytes, opts);
    }
    case 'PARQUET': {
      if (!isRandomAccess(source)) throw new TypeError('Parquet needs a RandomAccessSource');
      const r = readParquet(source, { batchSize: input.batchSize, onBytes: input.onBytes });
      const info = { columns: [] as string[], rowCount: 0, sizeBytes: source.size };
      return {
        get info() {
          info.columns = r.info.columns;
          info.rowCount = r.info.rowCount;
          return info;
        },
        [Symbol.asyncIterator]: () => r[Symbol.asyncIterator](),
      };
    }
  }
}

/** Resolves declared columns against a file's columns: declared order → file index. */
export function matchColumns(
  fileColumns: readonly string[],
  declared: readonly ColumnDeclaration[],
): number[] {
  const index = new Map(fileColumns.map((c, i) => [c, i]));
  const declaredNames = new Set(declared.map((d) => d.name));
  for (const c of fileColumns) {
    if (!declaredNames.has(c)) {
      throw new FormatError(
        'DATASET_SCHEMA_MISMATCH',
        `column ${JSON.stringify(c)} is in the file but not declared`,
        { column: c },
      );
    }
  }
  return declared.map((d) => {
    const i = index.get(d.name);
    if (i === undefined) {
      throw new FormatError(
        'DATASET_SCHEMA_MISMATCH',
        `declared column ${JSON.stringify(d.name)} is missing from the file`,
        {
          column: d.name,
        },
      );
    }
    return i;
  });
}

/** The error for a cell that is not of its column's type (no value in the message). */
export function typeMismatch(
  batch: RecordBatch,
  i: number,
  column: string,
  type: ColumnType,
  why?: string,
): FormatError {
  const line = batch.lines?.[i];
  const row = batch.firstRow + i;
  const pos = line !== undefined ? `line ${line}` : `row ${row}`;
  return new FormatError(
    'DATASET_TYPE_MISMATCH',
    `${pos}: column ${JSON.stringify(column)} expected ${type}${why ? ` (${why})` : ''}`,
    {
      ...(line !== undefined ? { line } : {}),
      row,
      column,
    },
  );
}

/** The error for an empty cell in a non-nullable column. */
export function nullInRequired(batch: RecordBatch, i: number, column: string): FormatError {
  const line = batch.lines?.[i];
  const row = batch.firstRow + i;
  const pos = line !== undefined ? `line ${line}` : `row ${row}`;
  return new FormatError(
    'DATASET_NULL_IN_REQUIRED_COLUMN',
    `${pos}: column ${JSON.stringify(column)} is empty but required`,
    {
      ...(line !== undefined ? { line } : {}),
      row,
      column,
    },
  );
}

/**
 * Builds a converter from raw batches to typed rows of the declared columns (in declared
 * order; the file may order them differently). Throws DATASET_TYPE_MISMATCH and friends.
 */
export function rowConverter(
  declared: readonly ColumnDeclaration[],
  options: CellOptions = {},
): (batch: RecordBatch) => Row[] {
  let mapped: { columns: readonly string[]; index: number[] } | undefined;
  const n = declared.length;
  const names = declared.map((d) => d.name);
  const required = declared.map((d) => d.nullable === false);
  const text = declared.map((d) => textParser(d.type, options));
  const value = declared.map((d) => valueParser(d.type, options));
  const latin1 = declared.map((d, j) =>
    d.type === 'string' ? (s: string): Parsed => (s.length === 0 ? null : latin1ToUtf8(s)) : text[j],
  );
  return (batch) => {
    if (!mapped || mapped.columns !== batch.columns)
      mapped = { columns: batch.columns, index: matchColumns(batch.columns, declared) };
    const index = mapped.index;
    const parse = batch.cells === 'text' ? (batch.latin1 === true ? latin1 : text) : value;
    const out = new Array<Row>(batch.records.length);
    const records = batch.records;
    for (let i = 0; i < records.length; i++) {
      const rec = records[i];
      const row: Row = {};
      for (let j = 0; j < n; j++) {
        const v: Parsed = (parse[j] as (x: unknown) => Parsed)(rec[index[j]]);
        if (v === INVALID) throw typeMismatch(batch, i, names[j], declared[j].type);
        if (v === null && required[j]) throw nullInRequired(batch, i, names[j]);
        row[names[j]] = v;
      }
      out[i] = row;
    }
    return out;
  };
}

/** Reads typed rows of the declared columns in batches. */
export async function* readRows(
  input: OpenReaderInput & { columns: readonly ColumnDeclaration[] } & CellOptions,
): AsyncGenerator<Row[]> {
  const convert = rowConverter(input.columns, input);
  for await (const batch of openReader(input)) yield convert(batch);
}

/**
 * A batch of typed rows stored by column: `columns[name][i]` is row i's cell. What the
 * materializer consumes: one array per needed column instead of one object per row.
 */
export interface ColumnBatch {
  /** Rows in the batch. */
  length: number;
  /** 1-based data row number of the batch's first row. */
  firstRow: number;
  /** Typed cells of each selected column. */
  columns: Record<string, CellValue[]>;
  /** With a {@link RowPrefilter}: what its `keep` returned (1 = row kept, its cells all typed). */
  kept?: Uint8Array;
}

/**
 * A row filter applied while typing (the materializer's grant row filter): `columns` are typed
 * for every row, then `keep` says which rows the other columns are typed in (1 = keep); cells of
 * the rows it drops are left null, unparsed. Such rows must not be used for anything.
 */
export interface RowPrefilter {
  columns: readonly string[];
  keep(typed: Readonly<Record<string, readonly CellValue[]>>, length: number): Uint8Array;
}

/**
 * Builds a converter from raw batches to typed {@link ColumnBatch}es of the `wanted` columns only
 * (a subset of the declared ones; the batch may hold more columns, or just these). Typing the
 * columns nobody reads is skipped. Throws DATASET_TYPE_MISMATCH and friends.
 */
export function columnConverter(
  wanted: readonly ColumnDeclaration[],
  options: CellOptions = {},
  prefilter?: RowPrefilter,
): (batch: RecordBatch) => ColumnBatch {
  // With a prefilter, its columns are typed first and the others only in rows it keeps.
  const first = new Set(prefilter?.columns ?? []);
  const order = [...wanted.keys()].sort(
    (a, b) => Number(first.has(wanted[b].name)) - Number(first.has(wanted[a].name)),
  );
  let mapped: { columns: readonly string[]; index: number[] } | undefined;
  const text = wanted.map((d) => textParser(d.type, options));
  const value = wanted.map((d) => valueParser(d.type, options));
  // Latin-1-held UTF-8 (CSV utf8AsLatin1): only text can hold bytes ≥ 0x80 legitimately; any
  // other type is ASCII, and such a cell fails its parser either way.
  const latin1 = wanted.map((d, j) => {
    if (d.type !== 'string') return text[j];
    return (s: string): Parsed => (s.length === 0 ? null : latin1ToUtf8(s));
  });
  return (batch) => {
    if (!mapped || mapped.columns !== batch.columns) {
      const at = new Map(batch.columns.map((c, i) => [c, i]));
      const index = wanted.map((d) => {
        const i = at.get(d.name);
        if (i === undefined) {
          throw new FormatError(
            'DATASET_SCHEMA_MISMATCH',
            `declared column ${JSON.stringify(d.name)} is missing from the file`,
            {
              column: d.name,
            },
          );
        }
        return i;
      });
      mapped = { columns: batch.columns, index };
    }
    const records = batch.records;
    const n = records.length;
    const columns: Record<string, CellValue[]> = {};
    const isText = batch.cells === 'text';
    let keep: Uint8Array | undefined;
    for (const j of order) {
      const d = wanted[j];
      if (prefilter !== undefined && keep === undefined && !first.has(d.name))
        keep = prefilter.keep(columns, n);
      const k = mapped.index[j];
      const parse = (isText ? (batch.latin1 === true ? latin1[j] : text[j]) : value[j]) as (
        x: unknown,
      ) => Parsed;
      const required = d.nullable === false;
      const out = new Array<CellValue>(n);
      for (let i = 0; i < n; i++) {
        if (keep !== undefined && keep[i] === 0) {
          out[i] = null;
          continue;
        }
        const v = parse(records[i][k]);
        if (v === INVALID) throw typeMismatch(batch, i, d.name, d.type);
        if (v === null && required) throw nullInRequired(batch, i, d.name);
        out[i] = v;
      }
      columns[d.name] = out;
    }
    if (prefilter !== undefined) keep ??= prefilter.keep(columns, n);
    return { length: n, firstRow: batch.firstRow, columns, kept: keep };
  };
}

/**
 * Reads typed columns: the whole object is checked against `columns` (the declared schema, as
 * {@link readRows} does), but only the `select`ed columns are typed and returned — for CSV they
 * are not even sliced out of the text. Default `select`: every declared column.
 */
export async function* readColumns(
  input: OpenReaderInput & {
    columns: readonly ColumnDeclaration[];
    select?: readonly string[];
    /** Type the other selected columns only in the rows this keeps (see {@link RowPrefilter}). */
    prefilter?: RowPrefilter;
  } & CellOptions,
): AsyncGenerator<ColumnBatch> {
  const byName = new Map(input.columns.map((c) => [c.name, c]));
  const select = input.select ?? input.columns.map((c) => c.name);
  const wanted = select.map((name) => {
    const d = byName.get(name);
    if (d === undefined) throw new TypeError(`selected column ${JSON.stringify(name)} is not declared`);
    return d;
  });
  const convert = columnConverter(wanted, input, input.prefilter);
  const reader = openReader({ ...input, select: input.format === 'CSV' ? select : undefined });
  let checked = false;
  for await (const batch of reader) {
    if (!checked) {
      // The full header (CSV projection returns only the selected names in batches).
      matchColumns(reader.info.columns.length > 0 ? reader.info.columns : batch.columns, input.columns);
      checked = true;
    }
    yield convert(batch);
  }
}
