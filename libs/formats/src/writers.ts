/**
 * Streaming writers. Each takes batches of typed rows (sync or async iterable of `Row[]`) and
 * returns a Node Readable of bytes; memory is one batch (CSV, JSONL) or one row group (Parquet).
 * Lower-level encoders are exported for callers that manage their own output.
 */
import { Readable } from 'node:stream';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';
import type { ColumnDeclaration } from './rows';
import type { CellValue, Row } from './schema';

/** Batches of rows, sync or async. */
export type RowBatches = Iterable<Row[]> | AsyncIterable<Row[]>;

const NEEDS_QUOTES = /[",\r\n;\t|]/;

/**
 * RFC 4180 CSV encoding: UTF-8, CRLF line ends, a header, fields quoted when they hold a
 * quote, line break or any of the detectable delimiters (so the reader's detection can never be
 * fooled), quotes doubled. `null` is an empty field; a row whose only field is null is `""`
 * (an empty line would be skipped by the reader).
 */
export class CsvEncoder {
  private readonly names: string[];
  constructor(
    columns: readonly (string | ColumnDeclaration)[],
    private readonly delimiter: string = ',',
  ) {
    this.names = columns.map((c) => (typeof c === 'string' ? c : c.name));
  }

  /** One field. */
  static field(v: CellValue | undefined): string {
    if (v === null || v === undefined) return '';
    const s = typeof v === 'string' ? v : String(v);
    return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }

  /** The header line. */
  header(): string {
    return this.line(this.names);
  }

  private line(fields: readonly (CellValue | undefined)[]): string {
    if (fields.length === 1) {
      const f = CsvEncoder.field(fields[0]);
      return (f === '' ? '""' : f) + '\r\n';
    }
    let out = '';
    for (let j = 0; j < fields.length; j++) {
      if (j > 0) out += this.delimiter;
      out += CsvEncoder.field(fields[j]);
    }
    return out + '\r\n';
  }

  /** Encodes rows (keyed by column name). */
  encode(rows: readonly Row[]): string {
    const names = this.names;
    const n = names.length;
    const d = this.delimiter;
    let out = '';
    for (const row of rows) {
      if (n === 1) {
        out += this.line([row[names[0]]]);
        continue;
      }
      let line = CsvEncoder.field(row[names[0]]);
      for (let j = 1; j < n; j++) line += d + CsvEncoder.field(row[names[j]]);
      out += line + '\r\n';
    }
    return out;
  }
}

/** JSON-lines encoding: one object per row, keys in column order, `null` for empty cells. */
export class JsonlEncoder {
  private readonly names: string[];
  private readonly keys: string[];
  constructor(columns: readonly (string | ColumnDeclaration)[]) {
    this.names = columns.map((c) => (typeof c === 'string' ? c : c.name));
    this.keys = this.names.map((n, j) => (j === 0 ? '{' : ',') + JSON.stringify(n) + ':');
  }

  /** Encodes rows. */
  encode(rows: readonly Row[]): string {
    let out = '';
    for (const row of rows) {
      for (let j = 0; j < this.names.length; j++)
        out += this.keys[j] + JSON.stringify(row[this.names[j]] ?? null);
      out += '}\n';
    }
    return out;
  }
}

/** Streams CSV bytes (UTF-8) for the columns and batches. */
export function writeCsv(
  columns: readonly (string | ColumnDeclaration)[],
  batches: RowBatches,
  options: { delimiter?: string } = {},
): Readable {
  const enc = new CsvEncoder(columns, options.delimiter);
  async function* gen(): AsyncGenerator<Buffer> {
    yield Buffer.from(enc.header(), 'utf8');
    for await (const rows of batches) if (rows.length > 0) yield Buffer.from(enc.encode(rows), 'utf8');
  }
  return Readable.from(gen(), { objectMode: false });
}

/** Streams JSON-lines bytes (UTF-8). */
export function writeJsonl(columns: readonly (string | ColumnDeclaration)[], batches: RowBatches): Readable {
  const enc = new JsonlEncoder(columns);
  async function* gen(): AsyncGenerator<Buffer> {
    for await (const rows of batches) if (rows.length > 0) yield Buffer.from(enc.encode(rows), 'utf8');
  }
  return Readable.from(gen(), { objectMode: false });
}

/** Default rows per Parquet row group. */
export const DEFAULT_ROW_GROUP_SIZE = 65_536;

function schemaElement(c: ColumnDeclaration): SchemaElement {
  const repetition_type = c.nullable === false ? 'REQUIRED' : 'OPTIONAL';
  switch (c.type) {
    case 'string':
      return { name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type };
    case 'integer':
      return { name: c.name, type: 'INT64', repetition_type };
    case 'decimal':
      return { name: c.name, type: 'DOUBLE', repetition_type };
    case 'boolean':
      return { name: c.name, type: 'BOOLEAN', repetition_type };
    case 'timestamp':
      return {
        name: c.name,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MILLIS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
        repetition_type,
      };
    case 'date':
      return { name: c.name, type: 'INT32', converted_type: 'DATE', repetition_type };
  }
}

function toParquetValue(c: ColumnDeclaration, v: CellValue | undefined): unknown {
  if (v === null || v === undefined) return null;
  switch (c.type) {
    case 'integer':
      return BigInt(v);
    case 'timestamp':
      return BigInt(Date.parse(v as string));
    case 'date':
      return Math.floor(Date.parse(v as string) / 86_400_000);
    case 'string':
    case 'decimal':
    case 'boolean':
      return v;
  }
}

/**
 * Streams a Parquet file (SNAPPY). hyparquet-writer encodes a row group from whole column
 * arrays, so rows are transposed `rowGroupSize` at a time (default 65,536): memory is one row
 * group's columns plus its encoded bytes, which are emitted as soon as the group is written.
 * Typed cells: integer → INT64, decimal → DOUBLE, timestamp → TIMESTAMP(MILLIS, UTC),
 * date → DATE, string → UTF8, boolean → BOOLEAN; nullable columns are OPTIONAL.
 */
export function writeParquet(
  columns: readonly ColumnDeclaration[],
  batches: RowBatches,
  options: { rowGroupSize?: number } = {},
): Readable {
  const groupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  async function* gen(): AsyncGenerator<Buffer> {
    const writer = new ByteWriter(1 << 20);
    const schema: SchemaElement[] = [
      { name: 'root', num_children: columns.length },
      ...columns.map(schemaElement),
    ];
    const pq = new ParquetWriter({ writer, schema });
    let data: unknown[][] = columns.map(() => []);
    let n = 0;
    const drain = (): Buffer | undefined => {
      if (writer.index === 0) return undefined;
      const out = Buffer.from(new Uint8Array(writer.buffer, 0, writer.index)); // copy
      writer.index = 0;
      return out;
    };
    const writeGroup = async (): Promise<void> => {
      if (n === 0) return;
      await pq.write({
        columnData: columns.map((c, j) => ({ name: c.name, data: data[j] })),
        rowGroupSize: n,
      });
      data = columns.map(() => []);
      n = 0;
    };
    for await (const rows of batches) {
      for (const row of rows) {
        for (let j = 0; j < columns.length; j++)
          data[j].push(toParquetValue(columns[j], row[columns[j].name]));
        if (++n === groupSize) {
          await writeGroup();
          const b = drain();
          if (b) yield b;
        }
      }
    }
    await writeGroup();
    await pq.finish();
    const b = drain();
    if (b) yield b;
  }
  return Readable.from(gen(), { objectMode: false });
}
