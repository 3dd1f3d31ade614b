/**
 * Whole-object validation, streaming, in one pass: structure (header, ragged rows, encoding,
 * format), types (declared, or inferred over the WHOLE object when none are declared), row
 * count, size and SHA-256 of the raw bytes. Memory stays flat: one batch at a time.
 */
import { createHash } from 'node:crypto';
import {
  type CellOptions,
  INVALID,
  type TextParser,
  textParser,
  type ValueParser,
  valueParser,
} from './cells';
import type { CsvDelimiter } from './csv-reader';
import type { DeclaredEncoding, DetectedEncoding } from './encoding';
import { FormatError } from './errors';
import { type InferredColumn, TypeInference } from './infer';
import type { PersonalDataMatch } from './personal-data';
import { PersonalDataSample } from './personal-data-sample';
import type { RecordBatch } from './records';
import {
  type ColumnDeclaration,
  type DatasetSource,
  matchColumns,
  nullInRequired,
  openReader,
  typeMismatch,
} from './rows';
import type { DatasetFormat } from './schema';

/** Input of {@link validateObject}. */
export interface ValidateObjectInput extends CellOptions {
  format: DatasetFormat;
  /** Declared text encoding (CSV, JSONL); default `'auto'`. */
  encoding?: DeclaredEncoding;
  /** Byte stream (CSV, JSONL) or random access (any format; required for Parquet). */
  source: DatasetSource;
  /** The publisher's columns; when absent, types are inferred over the whole object. */
  declaredColumns?: readonly ColumnDeclaration[];
  /** Declared CSV delimiter; detected when absent. */
  delimiter?: CsvDelimiter;
  /**
   * Records per batch; default {@link VALIDATE_BATCH_SIZE}. Small batches die young: batches
   * that outlive a young-generation GC are copied and promoted (see bench/publishing).
   */
  batchSize?: number;
}

/** Default records per batch of {@link validateObject}. */
export const VALIDATE_BATCH_SIZE = 512;

/** What a valid object is. */
export interface ValidationResult {
  rowCount: number;
  /** Columns in file order with their (declared or inferred) type and observed nullability. */
  columns: InferredColumn[];
  /** Hex SHA-256 of the raw bytes. */
  sha256: string;
  sizeBytes: number;
  /** Encoding the text was decoded as (`utf-8` also for pure ASCII). */
  encoding?: DetectedEncoding;
  delimiter?: CsvDelimiter;
  /**
   * Columns whose values look like personal data, by name, judged on a uniform sample of rows
   * over the whole object (personal-data-sample.ts). Empty when columns were declared: that
   * pass only names the first offending line.
   */
  personalData: Record<string, PersonalDataMatch>;
}

class DeclaredCheck {
  private index: number[] | undefined;
  private columns: readonly string[] | undefined;
  private readonly text: (TextParser | undefined)[];
  private readonly value: ValueParser[];
  private readonly sawNull: boolean[];

  constructor(
    private readonly declared: readonly ColumnDeclaration[],
    options: CellOptions,
  ) {
    this.text = declared.map((d) => (d.type === 'string' ? undefined : textParser(d.type, options)));
    this.value = declared.map((d) => valueParser(d.type, options));
    this.sawNull = declared.map(() => false);
  }

  observe(batch: RecordBatch): void {
    if (this.columns !== batch.columns) {
      this.columns = batch.columns;
      this.index = matchColumns(batch.columns, this.declared);
    }
    const index = this.index!;
    const recs = batch.records;
    for (let j = 0; j < this.declared.length; j++) {
      const d = this.declared[j];
      const k = index[j];
      const required = d.nullable === false;
      if (batch.cells === 'text') {
        const parse = this.text[j];
        for (let i = 0; i < recs.length; i++) {
          const s = recs[i][k] as string;
          if (s.length === 0) {
            if (required) throw nullInRequired(batch, i, d.name);
            this.sawNull[j] = true;
          } else if (parse !== undefined && parse(s) === INVALID) {
            throw typeMismatch(batch, i, d.name, d.type);
          }
        }
      } else {
        const parse = this.value[j];
        for (let i = 0; i < recs.length; i++) {
          const v = parse(recs[i][k]);
          if (v === INVALID) throw typeMismatch(batch, i, d.name, d.type);
          if (v === null) {
            if (required) throw nullInRequired(batch, i, d.name);
            this.sawNull[j] = true;
          }
        }
      }
    }
  }

  result(fileColumns: readonly string[]): InferredColumn[] {
    const byName = new Map(this.declared.map((d, j) => [d.name, j]));
    return fileColumns.map((name) => {
      const j = byName.get(name)!;
      const d = this.declared[j];
      return { name, type: d.type, nullable: d.nullable ?? this.sawNull[j] };
    });
  }
}

/**
 * Validates a whole object. Resolves with its row count, columns, SHA-256 and size, or rejects
 * with a {@link FormatError} naming the line (CSV/JSONL) or row (Parquet) and the reason.
 * An object with a header but no data rows is DATASET_EMPTY_FILE.
 */
export async function validateObject(input: ValidateObjectInput): Promise<ValidationResult> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const reader = openReader({
    format: input.format,
    source: input.source,
    encoding: input.encoding,
    delimiter: input.delimiter,
    batchSize: input.batchSize ?? VALIDATE_BATCH_SIZE,
    onBytes: (chunk) => {
      sizeBytes += chunk.length;
      hash.update(chunk);
    },
  });
  const check = input.declaredColumns ? new DeclaredCheck(input.declaredColumns, input) : new TypeInference();
  const sample = input.declaredColumns ? undefined : new PersonalDataSample();
  let rowCount = 0;
  let columns: readonly string[] = [];
  for await (const batch of reader) {
    columns = batch.columns;
    check.observe(batch);
    sample?.observe(batch);
    rowCount += batch.records.length;
  }
  if (rowCount === 0) {
    throw new FormatError('DATASET_EMPTY_FILE', 'The object has columns but no data rows', {});
  }
  const info = reader.info;
  const result = check instanceof DeclaredCheck ? check.result(columns) : check.result();
  return {
    rowCount,
    columns: result,
    sha256: hash.digest('hex'),
    sizeBytes,
    encoding: input.format === 'PARQUET' ? undefined : (info.encoding ?? 'utf-8'),
    delimiter: info.delimiter,
    personalData: sample ? sample.detect(result) : {},
  };
}
