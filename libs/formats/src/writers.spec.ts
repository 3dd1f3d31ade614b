import { Readable } from 'node:stream';
import fc from 'fast-check';
import { readCsv } from './csv-reader';
import { readRows } from './rows';
import type { Row } from './schema';
import { CsvEncoder, writeCsv, writeJsonl } from './writers';

async function bytesOf(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

function chunked(buf: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  return Readable.from(parts);
}

const cell = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom(
    '',
    '"',
    '""',
    ',',
    ';',
    '\t',
    '|',
    '\n',
    '\r\n',
    '\r',
    '울산 1공장',
    'a,"b"\nc',
    ' lead',
    'trail ',
  ),
  fc
    .array(fc.constantFrom('"', ',', '\n', '\r', ';', '가', '힣', 'x', ' '), { maxLength: 12 })
    .map((a) => a.join('')),
);

describe('writers', () => {
  it('quotes only what needs quoting and writes CRLF records', () => {
    const enc = new CsvEncoder(['a', 'b']);
    expect(enc.header()).toBe('a,b\r\n');
    expect(
      enc.encode([
        { a: 'x,y', b: 'say "hi"' },
        { a: null, b: 2.5 },
      ]),
    ).toBe('"x,y","say ""hi"""\r\n,2.5\r\n');
  });

  it('writes a single-column null as "" so the reader does not skip it', async () => {
    const bytes = await bytesOf(writeCsv(['only'], [[{ only: null }, { only: 'x' }]]));
    expect(bytes.toString()).toBe('only\r\n""\r\nx\r\n');
    const rows: Row[] = [];
    for await (const b of readRows({
      format: 'CSV',
      source: Readable.from([bytes]),
      columns: [{ name: 'only', type: 'string' }],
    }))
      rows.push(...b);
    expect(rows).toEqual([{ only: null }, { only: 'x' }]);
  });

  it('round-trips arbitrary strings with quotes, delimiters, line breaks and Korean text through CSV', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(cell, cell, cell), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 64 }),
        async (tuples, chunkSize) => {
          const rows = tuples.map(([a, b, c]) => ({ a, b, c }));
          const bytes = await bytesOf(writeCsv(['a', 'b', 'c'], [rows]));
          const reader = readCsv(chunked(bytes, chunkSize));
          const got: unknown[][] = [];
          for await (const batch of reader) got.push(...batch.records);
          expect(reader.info.columns).toEqual(['a', 'b', 'c']);
          expect(reader.info.delimiter).toBe(',');
          expect(got).toEqual(tuples);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('round-trips typed rows through JSON lines', async () => {
    const columns = [
      { name: 'n', type: 'integer' as const },
      { name: 's', type: 'string' as const },
      { name: 'b', type: 'boolean' as const },
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            n: fc.option(fc.maxSafeInteger()),
            s: fc.option(fc.string({ minLength: 1 })),
            b: fc.option(fc.boolean()),
          }),
          {
            minLength: 1,
            maxLength: 20,
          },
        ),
        async (rows) => {
          const bytes = await bytesOf(writeJsonl(columns, [rows]));
          const got: Row[] = [];
          for await (const b of readRows({ format: 'JSONL', source: chunked(bytes, 5), columns }))
            got.push(...b);
          expect(got).toEqual(rows);
        },
      ),
      { numRuns: 100 },
    );
  });
});
