/**
 * Schema inference. {@link TypeInference} observes batches and keeps, per column, the
 * narrowest type that holds every value seen (integer ⊂ decimal; any other mix → string) and
 * whether an empty cell was seen. A column with only empty cells is `string`, nullable.
 * Parquet columns take their type from the file's schema.
 */
import {
  classifyText,
  classifyValue,
  INVALID,
  type TextParser,
  textParser,
  valueParser,
  type ValueParser,
  widen,
} from './cells';
import type { CsvDelimiter } from './csv-reader';
import type { DetectedEncoding } from './encoding';
import type { PersonalDataMatch } from './personal-data';
import { PersonalDataSample } from './personal-data-sample';
import type { RecordBatch } from './records';
import { type OpenReaderInput, openReader, typeMismatch } from './rows';
import type { ColumnType } from './schema';

/** A column as inferred or validated: name, type, nullability. */
export interface InferredColumn {
  name: string;
  type: ColumnType;
  nullable: boolean;
}

/** Accumulates column types over batches. */
export class TypeInference {
  private types: (ColumnType | undefined)[] = [];
  private nullable: boolean[] = [];
  private columns: readonly string[] = [];
  private textCheck: (TextParser | undefined)[] = [];
  private valueCheck: (ValueParser | undefined)[] = [];

  /** Observes one batch. */
  observe(batch: RecordBatch): void {
    if (this.columns !== batch.columns) {
      this.columns = batch.columns;
      const n = batch.columns.length;
      if (this.types.length !== n) {
        this.types = batch.types ? [...batch.types] : new Array<ColumnType | undefined>(n).fill(undefined);
        this.nullable = new Array<boolean>(n).fill(false);
        this.textCheck = this.types.map((t) => (t ? textParser(t) : undefined));
        this.valueCheck = this.types.map((t) => (t ? valueParser(t) : undefined));
      }
    }
    const n = this.columns.length;
    const recs = batch.records;
    if (batch.types) {
      // Parquet: types come from the schema; only nullability is observed.
      for (let j = 0; j < n; j++) {
        if (this.nullable[j]) continue;
        for (let i = 0; i < recs.length; i++) {
          if (recs[i][j] === null || recs[i][j] === undefined) {
            this.nullable[j] = true;
            break;
          }
        }
      }
      return;
    }
    if (batch.cells === 'text') {
      for (let j = 0; j < n; j++) {
        let t = this.types[j];
        let check = this.textCheck[j];
        let nullable = this.nullable[j];
        for (let i = 0; i < recs.length; i++) {
          const s = recs[i][j] as string;
          if (s.length === 0) {
            nullable = true;
            continue;
          }
          if (t === 'string') continue;
          if (check !== undefined && check(s) !== INVALID) continue;
          const c = classifyText(s);
          t = t === undefined ? c : widen(t, c);
          check = textParser(t);
        }
        this.types[j] = t;
        this.textCheck[j] = check;
        this.nullable[j] = nullable;
      }
      return;
    }
    for (let j = 0; j < n; j++) {
      let t = this.types[j];
      let check = this.valueCheck[j];
      for (let i = 0; i < recs.length; i++) {
        const v = recs[i][j];
        if (v === null || v === '') {
          this.nullable[j] = true;
          continue;
        }
        if (check !== undefined && t !== 'string' && check(v) !== INVALID) continue;
        const c = classifyValue(v);
        if (c === undefined)
          throw typeMismatch(
            batch,
            i,
            this.columns[j],
            t ?? 'string',
            'nested objects and arrays are not supported',
          );
        if (t === 'string') continue;
        t = t === undefined ? c : widen(t, c);
        check = valueParser(t);
      }
      this.types[j] = t;
      this.valueCheck[j] = check;
    }
  }

  /** The columns inferred so far. */
  result(): InferredColumn[] {
    return this.columns.map((name, j) => ({
      name,
      type: this.types[j] ?? 'string',
      nullable: this.nullable[j] ?? false,
    }));
  }
}

/** Options of {@link inferSchema}. */
export interface InferSchemaInput extends OpenReaderInput {
  /** Rows to look at (a prefix). Default 10,000. */
  sampleRows?: number;
}

/** The result of {@link inferSchema}. */
export interface InferredSchema {
  columns: InferredColumn[];
  /** Rows actually sampled. */
  sampledRows: number;
  encoding?: DetectedEncoding;
  delimiter?: CsvDelimiter;
  /** Columns whose sampled values look like personal data, by name. */
  personalData: Record<string, PersonalDataMatch>;
}

/**
 * Infers column names and types from the first `sampleRows` rows (the reader stops there), and
 * which columns look like personal data in those rows.
 */
export async function inferSchema(input: InferSchemaInput): Promise<InferredSchema> {
  const sampleRows = input.sampleRows ?? 10_000;
  const reader = openReader({ ...input, batchSize: Math.min(input.batchSize ?? 8192, sampleRows) });
  const inference = new TypeInference();
  const personal = new PersonalDataSample(sampleRows);
  let sampled = 0;
  for await (const batch of reader) {
    const take = Math.min(batch.records.length, sampleRows - sampled);
    const taken = take === batch.records.length ? batch : { ...batch, records: batch.records.slice(0, take) };
    inference.observe(taken);
    personal.observe(taken);
    sampled += take;
    if (sampled >= sampleRows) break;
  }
  const columns =
    sampled === 0
      ? reader.info.columns.map((name) => ({ name, type: 'string' as const, nullable: true }))
      : inference.result();
  return {
    columns,
    sampledRows: sampled,
    encoding: reader.info.encoding,
    delimiter: reader.info.delimiter,
    personalData: personal.detect(columns),
  };
}
