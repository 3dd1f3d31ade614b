/**
 * Streaming CSV reader.
 *
 * Rules:
 * - Records end at `\n` or `\r\n`; RFC 4180 quoting (`"…"`, `""` inside) may hold delimiters and
 *   line breaks. A quote inside an unquoted field is kept literally (`12" pipe`); a closing quote
 *   followed by anything but a delimiter or line end is DATASET_INVALID_QUOTING.
 * - Completely empty lines are skipped (they still count as lines). A single-column null is
 *   therefore written as `""` by the writer.
 * - Line numbers are physical 1-based lines of the file; an error names the line where the
 *   offending record STARTS (a record with quoted line breaks spans several lines).
 * - Delimiter: declared, or detected among `,` `;` `\t` `|` on the first 64 KiB: outside quotes,
 *   the candidate whose count on the header line is non-zero and equal on the most of the first
 *   50 lines wins (ties: higher count, then the order above); none → `,` (single column).
 * - Header: REQUIRED. The first non-empty record is the header; names are trimmed. It is
 *   rejected when a name is empty (DATASET_EMPTY_COLUMN_NAME), repeated
 *   (DATASET_DUPLICATE_COLUMN) or when any name is a number, date or timestamp — the header is
 *   then missing and the first record is data (DATASET_MISSING_HEADER).
 * - Bytes that are not text (NUL, ZIP/XLSX, gzip, Parquet or PDF magic) → DATASET_NOT_DECLARED_FORMAT.
 */
import {
  type DeclaredEncoding,
  type DetectedEncoding,
  latin1ToUtf8,
  TextChunkDecoder,
  UndecodableBytes,
  Utf8AsLatin1Decoder,
} from './encoding';
import { FormatError } from './errors';
import { classifyText } from './cells';
import { DEFAULT_BATCH_SIZE, type RecordBatch } from './records';

/** Delimiters the reader detects. */
export const CSV_DELIMITERS = [',', ';', '\t', '|'] as const;
/** One of {@link CSV_DELIMITERS}. */
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

/** Any byte stream: a Node Readable, or an async iterable of chunks. */
export type ByteSource = AsyncIterable<Uint8Array | string>;

/** Options common to the text readers. */
export interface TextReadOptions {
  /** Declared encoding; default `'auto'`. */
  encoding?: DeclaredEncoding;
  /** Records per yielded batch (approximate); default 8192. */
  batchSize?: number;
  /** Called with every raw chunk, before decoding (hashing, byte counting). */
  onBytes?: (chunk: Buffer) => void;
  /** Largest record in characters before DATASET_RECORD_TOO_LARGE; default 16 Mi. */
  maxRecordChars?: number;
  /**
   * With `encoding: 'utf-8'` only: decode the (still validated) bytes as Latin-1, one character
   * per byte (see Utf8AsLatin1Decoder: faster, and cells stay one-byte strings). Batches are
   * then marked `latin1: true` and text cells with bytes ≥ 0x80 must be re-decoded
   * (columnConverter does); header names are decoded here.
   */
  utf8AsLatin1?: boolean;
}

/** Options of {@link readCsv}. */
export interface CsvReadOptions extends TextReadOptions {
  /** Declared delimiter; detected when absent. */
  delimiter?: CsvDelimiter;
  /**
   * Projection: only these columns (by header name, in this order) are sliced out of each
   * record; the other fields are scanned (quotes, field count) but never become strings. The
   * batches' `columns` are then these names. Unknown names are DATASET_SCHEMA_MISMATCH.
   */
  select?: readonly string[];
}

/** What a reader learned about the object; filled in as reading proceeds. */
export interface ReadInfo {
  /** Column names in file order (empty until the header is read). */
  columns: string[];
  /** Encoding the bytes were decoded as (`undefined` = pure ASCII so far, valid as both). */
  encoding?: DetectedEncoding;
  /** CSV delimiter used. */
  delimiter?: CsvDelimiter;
  /** Number of data rows read so far. */
  rowCount: number;
  /** Raw bytes read so far. */
  sizeBytes: number;
}

/** A streaming reader: iterate it once for batches; `info` fills in while reading. */
export interface TabularReader extends AsyncIterable<RecordBatch> {
  readonly info: ReadInfo;
}

const PREFIX_CHARS = 64 * 1024;
const QUOTED_RE = /"(?:[^"]|"")*"/g;

/** Detects the delimiter of a CSV prefix (see the module rules). */
export function detectDelimiter(sample: string): CsvDelimiter {
  const unquoted = sample.replace(QUOTED_RE, '""');
  const lines = unquoted.split('\n').filter((l) => l.trim().length > 0);
  if (lines.length > 1 && !sample.endsWith('\n')) lines.pop(); // maybe cut mid-line
  const head = lines.slice(0, 50);
  let best: CsvDelimiter = ',';
  let bestScore = -1;
  let bestCount = 0;
  for (const d of CSV_DELIMITERS) {
    const counts = head.map((l) => l.split(d).length - 1);
    const h = counts[0] ?? 0;
    if (h === 0) continue;
    const score = counts.filter((c) => c === h).length;
    if (score > bestScore || (score === bestScore && h > bestCount)) {
      best = d;
      bestScore = score;
      bestCount = h;
    }
  }
  return best;
}

/** Rejects objects whose first bytes say they are not text. */
export function sniffBinary(first: Uint8Array, declared: string): void {
  const magic = (...b: number[]) => b.every((x, i) => first[i] === x);
  let kind: string | undefined;
  if (magic(0x50, 0x41, 0x52, 0x31)) kind = 'a Parquet file';
  else if (magic(0x50, 0x4b, 0x03, 0x04)) kind = 'a ZIP archive (XLSX?)';
  else if (magic(0x1f, 0x8b)) kind = 'gzip-compressed';
  else if (magic(0x25, 0x50, 0x44, 0x46)) kind = 'a PDF document';
  if (kind) {
    throw new FormatError('DATASET_NOT_DECLARED_FORMAT', `The object is ${kind}, not ${declared}`, {
      line: 1,
    });
  }
}

interface QuotedRecord {
  fields: string[];
  next: number;
  newlines: number;
}

/**
 * Incremental CSV record parser. Fast path: a line without a quote is `split` natively;
 * lines with quotes go through an RFC 4180 state machine that may span chunks.
 */
export class CsvRecordParser {
  /** Physical line number at the start of the unconsumed text. */
  line = 1;
  private buf = '';
  private readonly delimCode: number;
  private pick: Int32Array | undefined;
  private pickSlot: Int32Array | undefined;
  private expect = 0;
  /** Set when a record had the wrong field count in projection mode (parsing stops there). */
  ragged: { at: number; got: number } | undefined;

  constructor(readonly delimiter: CsvDelimiter) {
    this.delimCode = delimiter.charCodeAt(0);
  }

  /** Lines touched so far, counting the unconsumed remainder (for error positions). */
  lineAtEnd(): number {
    let n = this.line;
    for (let i = this.buf.indexOf('\n'); i !== -1; i = this.buf.indexOf('\n', i + 1)) n++;
    return n;
  }

  /**
   * From now on, records hold only the fields at `indexes` (file positions, in that order), and a
   * record with a field count other than `expect` stops parsing and sets {@link ragged}.
   */
  project(indexes: readonly number[], expect: number): void {
    this.pick = Int32Array.from(indexes);
    this.expect = expect;
    const slot = new Int32Array(expect).fill(-1);
    indexes.forEach((fileIndex, k) => (slot[fileIndex] = k));
    this.pickSlot = slot;
  }

  /** Characters buffered without a complete record. */
  get pendingChars(): number {
    return this.buf.length;
  }

  /** Parses every complete record of the buffered text plus `text` into `records`/`lines`. */
  feed(text: string, records: string[][], lines: number[], final: boolean): void {
    const buf = this.buf.length > 0 ? this.buf + text : text;
    const len = buf.length;
    const delim = this.delimiter;
    let pos = 0;
    let line = this.line;
    let quoteAt = buf.indexOf('"');
    while (pos < len) {
      let nl = buf.indexOf('\n', pos);
      if (nl === -1) {
        if (!final) break;
        nl = len;
      }
      if (quoteAt !== -1 && quoteAt < pos) quoteAt = buf.indexOf('"', pos);
      if (quoteAt === -1 || quoteAt > nl) {
        let end = nl;
        if (end > pos && buf.charCodeAt(end - 1) === 13) end--;
        if (end > pos) {
          if (this.pickSlot === undefined) records.push(buf.slice(pos, end).split(delim));
          else {
            const rec = this.pickLine(buf, pos, end);
            if (rec === undefined) {
              this.ragged = { at: records.length, got: this.lastCount };
              break;
            }
            records.push(rec);
          }
          lines.push(line);
        }
        line++;
        pos = nl + 1;
        continue;
      }
      const r = this.parseQuoted(buf, pos, final, line);
      if (!r) break;
      if (this.pick !== undefined) {
        if (r.fields.length !== this.expect) {
          this.ragged = { at: records.length, got: r.fields.length };
          break;
        }
        const picked = new Array<string>(this.pick.length);
        for (let k = 0; k < this.pick.length; k++) picked[k] = r.fields[this.pick[k]];
        records.push(picked);
      } else records.push(r.fields);
      lines.push(line);
      line += r.newlines;
      pos = r.next;
    }
    this.buf = pos >= len ? '' : buf.slice(pos);
    this.line = line;
  }

  private lastCount = 0;

  /** The picked fields of an unquoted line [pos, end), or undefined when its field count is wrong. */
  private pickLine(buf: string, pos: number, end: number): string[] | undefined {
    const slot = this.pickSlot!;
    const expect = this.expect;
    const rec = new Array<string>(this.pick!.length);
    const delim = this.delimiter;
    let field = 0;
    let start = pos;
    // indexOf (native, vectorized) per field rather than a charCodeAt loop over every character.
    for (;;) {
      let d = buf.indexOf(delim, start);
      if (d === -1 || d > end) d = end;
      if (field < expect) {
        const k = slot[field];
        if (k >= 0) rec[k] = buf.slice(start, d);
      }
      field++;
      if (d === end) break;
      start = d + 1;
    }
    if (field !== expect) {
      this.lastCount = field;
      return undefined;
    }
    return rec;
  }

  private parseQuoted(buf: string, pos: number, final: boolean, line: number): QuotedRecord | undefined {
    const fields: string[] = [];
    const len = buf.length;
    const dc = this.delimCode;
    let i = pos;
    let newlines = 0;
    for (;;) {
      if (i < len && buf.charCodeAt(i) === 34) {
        let j = i + 1;
        let value = '';
        for (;;) {
          const q = buf.indexOf('"', j);
          if (q === -1) {
            if (final) {
              throw new FormatError(
                'DATASET_INVALID_QUOTING',
                `line ${line}: a quoted field is never closed`,
                { line },
              );
            }
            return undefined;
          }
          if (q + 1 >= len && !final) return undefined;
          if (buf.charCodeAt(q + 1) === 34) {
            value += buf.slice(j, q + 1);
            j = q + 2;
            continue;
          }
          value += buf.slice(j, q);
          for (let k = buf.indexOf('\n', i + 1); k !== -1 && k < q; k = buf.indexOf('\n', k + 1)) newlines++;
          i = q + 1;
          break;
        }
        fields.push(value);
        if (i >= len) return { fields, next: len, newlines: newlines + 1 };
        const c = buf.charCodeAt(i);
        if (c === dc) {
          i++;
          continue;
        }
        if (c === 10) return { fields, next: i + 1, newlines: newlines + 1 };
        if (c === 13) {
          if (i + 1 >= len) return final ? { fields, next: len, newlines: newlines + 1 } : undefined;
          if (buf.charCodeAt(i + 1) === 10) return { fields, next: i + 2, newlines: newlines + 1 };
        }
        const at = line + newlines;
        throw new FormatError(
          'DATASET_INVALID_QUOTING',
          `line ${at}: characters follow the closing quote of a field`,
          { line: at },
        );
      }
      let n = buf.indexOf('\n', i);
      if (n === -1) {
        if (!final) return undefined;
        n = len;
      }
      const d = buf.indexOf(this.delimiter, i);
      if (d !== -1 && d < n) {
        fields.push(buf.slice(i, d));
        i = d + 1;
        continue;
      }
      let end = n;
      if (end > i && buf.charCodeAt(end - 1) === 13) end--;
      fields.push(buf.slice(i, end));
      return { fields, next: n + 1, newlines: newlines + 1 };
    }
  }
}

/** Validates a header record and returns the trimmed names (see the module rules). */
export function checkHeader(raw: readonly string[], line: number): string[] {
  const names = raw.map((n) => n.trim());
  const seen = new Set<string>();
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (name.length === 0) {
      throw new FormatError('DATASET_EMPTY_COLUMN_NAME', `line ${line}: column ${i + 1} has an empty name`, {
        line,
      });
    }
    if (seen.has(name)) {
      throw new FormatError(
        'DATASET_DUPLICATE_COLUMN',
        `line ${line}: column ${JSON.stringify(name)} appears twice`,
        {
          line,
          column: name,
        },
      );
    }
    seen.add(name);
  }
  for (let i = 0; i < names.length; i++) {
    const t = classifyText(names[i]);
    if (t === 'integer' || t === 'decimal' || t === 'date' || t === 'timestamp') {
      throw new FormatError(
        'DATASET_MISSING_HEADER',
        `line ${line}: the first record looks like data (column ${i + 1} is a ${t}); a header row is required`,
        { line },
      );
    }
  }
  return names;
}

function toBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Newlines in `b` before `end` (error paths only). */
export function newlinesBefore(b: Buffer, end: number): number {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1 && i < end; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * Shared byte → text plumbing of CSV and JSONL: hashing hook, binary sniffing, NUL bytes,
 * decoding, and turning decode failures into line numbers. `lineAtEnd` tells where the
 * consumer is; it is only called on error paths.
 */
export async function* decodeText(
  source: ByteSource,
  info: ReadInfo,
  options: TextReadOptions,
  declared: string,
  lineAtEnd: () => number,
): AsyncGenerator<string, void> {
  const decoder =
    options.utf8AsLatin1 === true && options.encoding === 'utf-8'
      ? new Utf8AsLatin1Decoder()
      : new TextChunkDecoder(options.encoding ?? 'auto');
  let first = true;
  for await (const c of source) {
    const chunk = toBuffer(c);
    if (chunk.length === 0) continue;
    info.sizeBytes += chunk.length;
    options.onBytes?.(chunk);
    if (first) {
      first = false;
      if (
        chunk.length >= 2 &&
        ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))
      ) {
        throw new FormatError(
          'DATASET_UNDECODABLE_BYTES',
          'line 1: UTF-16 is not supported; export as UTF-8 or CP949',
          { line: 1 },
        );
      }
      sniffBinary(chunk, declared);
    }
    const nul = chunk.indexOf(0);
    if (nul !== -1) {
      const line = lineAtEnd() + newlinesBefore(chunk, nul);
      throw new FormatError(
        'DATASET_NOT_DECLARED_FORMAT',
        `line ${line}: NUL byte — binary data is not ${declared}`,
        {
          line,
        },
      );
    }
    let text: string;
    try {
      text = decoder.write(chunk);
    } catch (e) {
      if (e instanceof UndecodableBytes) {
        const line = lineAtEnd() + e.newlinesBefore;
        throw new FormatError(
          'DATASET_UNDECODABLE_BYTES',
          `line ${line}: ${e.reason}`,
          { line },
          { cause: e },
        );
      }
      throw e;
    }
    info.encoding = decoder.encoding;
    if (text.length > 0) yield text;
  }
  try {
    const tail = decoder.end();
    if (tail.length > 0) yield tail;
  } catch (e) {
    if (e instanceof UndecodableBytes) {
      const line = lineAtEnd();
      throw new FormatError('DATASET_UNDECODABLE_BYTES', `line ${line}: ${e.reason}`, { line }, { cause: e });
    }
    throw e;
  }
  info.encoding = decoder.encoding;
}

/** Reads a CSV byte stream as batches of string records (header excluded). */
export function readCsv(source: ByteSource, options: CsvReadOptions = {}): TabularReader {
  const info: ReadInfo = { columns: [], rowCount: 0, sizeBytes: 0 };
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const maxRecordChars = options.maxRecordChars ?? 16 * 1024 * 1024;
  const latin1 = options.utf8AsLatin1 === true && options.encoding === 'utf-8';
  async function* iterate(): AsyncGenerator<RecordBatch> {
    let parser: CsvRecordParser | undefined;
    let prefix = '';
    let columns: string[] | undefined;
    let ncol = 0;
    let records: string[][] = [];
    let lines: number[] = [];
    let checked = 0;
    let firstRow = 1;
    const lineAtEnd = (): number => {
      if (parser) return parser.lineAtEnd();
      let n = 1;
      for (let i = prefix.indexOf('\n'); i !== -1; i = prefix.indexOf('\n', i + 1)) n++;
      return n;
    };
    const take = (text: string, final: boolean): void => {
      if (!parser) {
        prefix += text;
        if (prefix.length < PREFIX_CHARS && !final) return;
        const delimiter = options.delimiter ?? detectDelimiter(prefix);
        info.delimiter = delimiter;
        parser = new CsvRecordParser(delimiter);
        text = prefix;
        prefix = '';
      }
      parser.feed(text, records, lines, final);
      if (!columns) {
        if (records.length === 0) {
          if (parser.pendingChars > maxRecordChars) tooLarge(parser.line);
          return;
        }
        const header = checkHeader(latin1 ? records[0].map(latin1ToUtf8) : records[0], lines[0]);
        ncol = header.length;
        info.columns = header;
        records.shift();
        lines.shift();
        columns = header;
        if (options.select !== undefined) {
          const at = new Map(header.map((c, i) => [c, i]));
          const indexes = options.select.map((name) => {
            const i = at.get(name);
            if (i === undefined) {
              throw new FormatError(
                'DATASET_SCHEMA_MISMATCH',
                `column ${JSON.stringify(name)} is not in the file`,
                { column: name },
              );
            }
            return i;
          });
          // Records parsed together with the header: check and project them here.
          for (; checked < records.length; checked++) {
            if (records[checked].length !== ncol) ragged(checked, records[checked].length);
            records[checked] = indexes.map((i) => records[checked][i]);
          }
          parser.project(indexes, ncol);
          columns = [...options.select];
        }
      }
      if (parser.ragged !== undefined) ragged(parser.ragged.at, parser.ragged.got);
      if (options.select !== undefined) {
        checked = records.length;
        if (parser.pendingChars > maxRecordChars) tooLarge(parser.line);
        return;
      }
      for (; checked < records.length; checked++) {
        if (records[checked].length !== ncol) {
          const line = lines[checked];
          const got = records[checked].length;
          throw new FormatError(
            'DATASET_RAGGED_ROW',
            `line ${line}: ${got} field${got === 1 ? '' : 's'} where the header has ${ncol}`,
            { line, row: firstRow + checked },
          );
        }
      }
      if (parser.pendingChars > maxRecordChars) tooLarge(parser.line);
    };
    const ragged = (at: number, got: number): never => {
      const line = lines[at] ?? parser?.line ?? 1;
      throw new FormatError(
        'DATASET_RAGGED_ROW',
        `line ${line}: ${got} field${got === 1 ? '' : 's'} where the header has ${ncol}`,
        { line, row: firstRow + at },
      );
    };
    const tooLarge = (line: number): never => {
      throw new FormatError(
        'DATASET_RECORD_TOO_LARGE',
        `line ${line}: a record is larger than ${maxRecordChars} characters (unclosed quote?)`,
        { line },
      );
    };
    const flush = (): RecordBatch => {
      const batch: RecordBatch = { columns: columns!, records, lines, firstRow, cells: 'text' };
      if (latin1) batch.latin1 = true;
      firstRow += records.length;
      info.rowCount += records.length;
      records = [];
      lines = [];
      checked = 0;
      return batch;
    };
    for await (const text of decodeText(source, info, options, 'CSV', lineAtEnd)) {
      take(text, false);
      if (records.length >= batchSize && columns) yield flush();
    }
    take('', true);
    if (!columns) throw new FormatError('DATASET_EMPTY_FILE', 'The file has no header row', {});
    if (records.length > 0) yield flush();
  }
  return { info, [Symbol.asyncIterator]: () => iterate() };
}
