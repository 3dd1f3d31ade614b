/**
 * Streaming JSON-lines reader. One JSON object per line; its keys are the columns. The first
 * object fixes the column names and order; a later line with a missing or extra key is a
 * ragged row. Blank lines are skipped (and counted). A line that is not valid JSON, or JSON
 * that is not an object, is DATASET_NOT_DECLARED_FORMAT. A key repeated within one line, which
 * `JSON.parse` would silently resolve to its last value, is DATASET_DUPLICATE_COLUMN.
 */
import {
  type ByteSource,
  decodeText,
  type ReadInfo,
  type TabularReader,
  type TextReadOptions,
} from './csv-reader';
import { FormatError } from './errors';
import { DEFAULT_BATCH_SIZE, type RecordBatch } from './records';

/**
 * Members of the top-level object in `text` (a line `JSON.parse` accepted as an object): the
 * colons outside strings at depth 1, repeats included.
 */
function countMembers(text: string): number {
  let depth = 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) i = closingQuote(text, i);
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x3a && depth === 1) n++;
  }
  return n;
}

/** Index of the quote closing the JSON string that opens at `open` (escapes skipped). */
function closingQuote(text: string, open: number): number {
  let i = open + 1;
  for (; i < text.length; i++) {
    const d = text.charCodeAt(i);
    if (d === 0x5c) i++;
    else if (d === 0x22) break;
  }
  return i;
}

/** The first key of the top-level object in `text` that appears twice (after {@link countMembers} found one). */
function firstRepeatedKey(text: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i;
      i = closingQuote(text, i);
      if (depth !== 1) continue;
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j])) j++;
      if (text[j] !== ':') continue;
      const key = JSON.parse(text.slice(start, i + 1)) as string;
      if (seen.has(key)) return key;
      seen.add(key);
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}

/** Options of {@link readJsonl}. */
export type JsonlReadOptions = TextReadOptions;

function notFormat(line: number, what: string): FormatError {
  return new FormatError('DATASET_NOT_DECLARED_FORMAT', `line ${line}: ${what}`, { line });
}

/** Reads a JSON-lines byte stream as batches of value records. */
export function readJsonl(source: ByteSource, options: JsonlReadOptions = {}): TabularReader {
  const info: ReadInfo = { columns: [], rowCount: 0, sizeBytes: 0 };
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const maxRecordChars = options.maxRecordChars ?? 16 * 1024 * 1024;
  async function* iterate(): AsyncGenerator<RecordBatch> {
    let buf = '';
    let line = 1;
    let columns: string[] | undefined;
    let ncol = 0;
    let records: unknown[][] = [];
    let lines: number[] = [];
    let firstRow = 1;
    const lineAtEnd = (): number => {
      let n = line;
      for (let i = buf.indexOf('\n'); i !== -1; i = buf.indexOf('\n', i + 1)) n++;
      return n;
    };
    const parseLine = (text: string): void => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw notFormat(line, 'not valid JSON');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw notFormat(line, 'not a JSON object');
      }
      const obj = parsed as Record<string, unknown>;
      if (!columns) {
        columns = Object.keys(obj);
        if (columns.length === 0)
          throw new FormatError('DATASET_EMPTY_FILE', `line ${line}: the first object has no keys`, { line });
        const empty = columns.findIndex((c) => c.trim().length === 0);
        if (empty >= 0) {
          throw new FormatError('DATASET_EMPTY_COLUMN_NAME', `line ${line}: key ${empty + 1} is empty`, {
            line,
          });
        }
        ncol = columns.length;
        info.columns = columns;
      }
      const rec = new Array<unknown>(ncol);
      for (let j = 0; j < ncol; j++) {
        const v = obj[columns[j]];
        if (v === undefined) {
          const column = columns[j];
          throw new FormatError(
            'DATASET_RAGGED_ROW',
            `line ${line}: key ${JSON.stringify(column)} is missing`,
            {
              line,
              row: firstRow + records.length,
              column,
            },
          );
        }
        rec[j] = v;
      }
      let keys = 0;
      for (const _k in obj) keys++;
      if (countMembers(text) !== keys) {
        const column = firstRepeatedKey(text) ?? '';
        throw new FormatError(
          'DATASET_DUPLICATE_COLUMN',
          `line ${line}: key ${JSON.stringify(column)} appears twice`,
          {
            line,
            row: firstRow + records.length,
            column,
          },
        );
      }
      if (keys !== ncol) {
        throw new FormatError(
          'DATASET_RAGGED_ROW',
          `line ${line}: ${keys - ncol} key(s) not in the first line`,
          {
            line,
            row: firstRow + records.length,
          },
        );
      }
      records.push(rec);
      lines.push(line);
    };
    const take = (text: string, final: boolean): void => {
      buf = buf.length > 0 ? buf + text : text;
      let pos = 0;
      const len = buf.length;
      while (pos < len) {
        let nl = buf.indexOf('\n', pos);
        if (nl === -1) {
          if (!final) break;
          nl = len;
        }
        let end = nl;
        if (end > pos && buf.charCodeAt(end - 1) === 13) end--;
        if (end > pos) {
          const text = buf.slice(pos, end);
          if (text.trim().length > 0) parseLine(text);
        }
        line++;
        pos = nl + 1;
      }
      buf = pos >= len ? '' : buf.slice(pos);
      if (buf.length > maxRecordChars) {
        throw new FormatError(
          'DATASET_RECORD_TOO_LARGE',
          `line ${line}: a line is larger than ${maxRecordChars} characters`,
          { line },
        );
      }
    };
    const flush = (): RecordBatch => {
      const batch: RecordBatch = { columns: columns!, records, lines, firstRow, cells: 'value' };
      firstRow += records.length;
      info.rowCount += records.length;
      records = [];
      lines = [];
      return batch;
    };
    for await (const text of decodeText(source, info, options, 'JSON lines', lineAtEnd)) {
      take(text, false);
      if (records.length >= batchSize) yield flush();
    }
    take('', true);
    if (!columns) throw new FormatError('DATASET_EMPTY_FILE', 'The file has no JSON object', {});
    if (records.length > 0) yield flush();
  }
  return { info, [Symbol.asyncIterator]: () => iterate() };
}
