/**
 * Reproducible synthetic datasets: the same (kind, rows, seed, format, encoding) always gives
 * the same bytes. Rows are generated lazily, so a 10-million-row or multi-GB file streams in
 * constant memory.
 */
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import {
  type ColumnSchema,
  CsvEncoder,
  type DatasetFormat,
  JsonlEncoder,
  type Row,
  writeParquet,
} from '@maxhub/formats';
import { KINDS, SYNTHETIC_KINDS, type SyntheticKind } from './kinds';
import { Prng } from './prng';

/** What to generate. */
export interface GenerateRowsInput {
  kind: SyntheticKind;
  rows: number;
  /** Any string; the PRNG is seeded from SHA-256(kind + seed). */
  seed: string;
}

/** What to generate, and how to encode it. */
export interface GenerateInput extends GenerateRowsInput {
  format: DatasetFormat;
  /** CSV only: `'utf-8'` (default) or `'cp949'` (what Korean plant systems export). */
  encoding?: 'utf-8' | 'cp949';
  /** Rows generated and encoded per output chunk. Default 4096. */
  batchSize?: number;
  /** Parquet only; default 65,536. */
  rowGroupSize?: number;
}

function kindOf(kind: string): (typeof KINDS)[SyntheticKind] {
  if (!(SYNTHETIC_KINDS as readonly string[]).includes(kind))
    throw new RangeError(`Unknown synthetic kind ${JSON.stringify(kind)}`);
  return KINDS[kind as SyntheticKind];
}

/** The columns of a kind, with their suggested classification. */
export function columnsOf(kind: SyntheticKind): ColumnSchema[] {
  return kindOf(kind).columns.map((c) => ({ ...c }));
}

/** A kind's description and columns. */
export function describeKind(kind: SyntheticKind): {
  kind: SyntheticKind;
  description: string;
  columns: ColumnSchema[];
} {
  return { kind, description: kindOf(kind).description, columns: columnsOf(kind) };
}

/** Lazily generates typed rows (values as the formats library types them). */
export function generateRows(input: GenerateRowsInput): Generator<Row> {
  if (!Number.isSafeInteger(input.rows) || input.rows < 0)
    throw new RangeError('rows must be a non-negative integer');
  const def = kindOf(input.kind);
  return def.rows(Prng.fromSeed(`maxhub-synthetic/v1\u0000${input.kind}\u0000${input.seed}`), input.rows);
}

/** Lazily generates batches of rows. */
export function* generateBatches(input: GenerateRowsInput, batchSize = 4096): Generator<Row[]> {
  let batch: Row[] = [];
  for (const row of generateRows(input)) {
    batch.push(row);
    if (batch.length === batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Streams a generated dataset as bytes of the requested format. */
export function generate(input: GenerateInput): Readable {
  const columns = columnsOf(input.kind);
  const batches = generateBatches(input, input.batchSize ?? 4096);
  switch (input.format) {
    case 'PARQUET':
      return writeParquet(columns, batches, { rowGroupSize: input.rowGroupSize });
    case 'CSV': {
      const enc = new CsvEncoder(columns);
      const cp949 = input.encoding === 'cp949';
      const bytes = (s: string): Buffer => (cp949 ? iconv.encode(s, 'cp949') : Buffer.from(s, 'utf8'));
      return Readable.from(
        (function* () {
          yield bytes(enc.header());
          for (const b of batches) yield bytes(enc.encode(b));
        })(),
        { objectMode: false },
      );
    }
    case 'JSONL': {
      const enc = new JsonlEncoder(columns);
      return Readable.from(
        (function* () {
          for (const b of batches) yield Buffer.from(enc.encode(b), 'utf8');
        })(),
        { objectMode: false },
      );
    }
  }
}
