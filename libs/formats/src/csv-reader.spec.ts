import fc from 'fast-check';
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { detectDelimiter, readCsv } from './csv-reader';
import { FormatError } from './errors';
import { readColumns, readRows } from './rows';
import { validateObject } from './validate';

/** Streams bytes in small chunks so chunk boundaries fall everywhere. */
function stream(data: string | Buffer, chunkSize = 7): Readable {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunkSize) chunks.push(buf.subarray(i, i + chunkSize));
  return Readable.from(chunks);
}

async function all(data: string | Buffer, opts: Parameters<typeof readCsv>[1] = {}, chunkSize?: number) {
  const reader = readCsv(stream(data, chunkSize), opts);
  const records: unknown[][] = [];
  const lines: number[] = [];
  for await (const b of reader) {
    records.push(...b.records);
    lines.push(...(b.lines ?? []));
  }
  return { records, lines, info: reader.info };
}

async function rejection(
  data: string | Buffer,
  opts: Parameters<typeof readCsv>[1] = {},
): Promise<FormatError> {
  try {
    await all(data, opts);
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw e;
  }
  throw new Error('expected a FormatError');
}

describe('readCsv', () => {
  it('reads a header and records with physical line numbers', async () => {
    const { records, lines, info } = await all('a,b\n1,2\n\n3,4\n');
    expect(info.columns).toEqual(['a', 'b']);
    expect(records).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(lines).toEqual([2, 4]);
  });

  it('handles CRLF line ends and a missing final newline', async () => {
    const { records } = await all('a,b\r\n1,2\r\n3,4');
    expect(records).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('keeps delimiters, quotes and line breaks inside quoted fields and counts the lines they span', async () => {
    const data = 'id,note\n1,"a, b"\n2,"line one\nline two\r\nline three"\n3,"say ""hi"""\n4,plain\n';
    for (const size of [1, 3, 7, 1000]) {
      const { records, lines } = await all(data, {}, size);
      expect(records).toEqual([
        ['1', 'a, b'],
        ['2', 'line one\nline two\r\nline three'],
        ['3', 'say "hi"'],
        ['4', 'plain'],
      ]);
      expect(lines).toEqual([2, 3, 6, 7]);
    }
  });

  it('reports a ragged row after a multi-line quoted field at its exact line', async () => {
    const e = await rejection('a,b\n1,"x\ny"\n2,3\n4\n');
    expect(e.code).toBe('DATASET_RAGGED_ROW');
    expect(e.line).toBe(5);
    expect(e.row).toBe(3);
  });

  it('reports a ragged row with too many fields', async () => {
    const e = await rejection('a,b\n1,2\n1,2,3\n');
    expect(e).toMatchObject({ code: 'DATASET_RAGGED_ROW', line: 3, row: 2 });
  });

  it('strips a UTF-8 byte order mark from the first column name', async () => {
    const { info } = await all(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('이름,값\n가,1\n')]),
      {},
      2,
    );
    expect(info.columns).toEqual(['이름', '값']);
    expect(info.encoding).toBe('utf-8');
  });

  it.each([
    [',', 'a,b,c\n1,2,3\n'],
    [';', 'a;b;c\n1,5;2,5;3\n'],
    ['\t', 'a\tb\tc\n"x,y"\t2\t3\n'],
    ['|', 'a|b|c\n1|2|3\n'],
  ])('detects the delimiter %j', async (d, data) => {
    const { info, records } = await all(data);
    expect(info.delimiter).toBe(d);
    expect(info.columns).toEqual(['a', 'b', 'c']);
    expect(records[0]).toHaveLength(3);
  });

  it('falls back to a comma for a single-column file', () => {
    expect(detectDelimiter('name\nalpha\nbeta\n')).toBe(',');
  });

  it('decodes CP949 text when CP949 is declared', async () => {
    const bytes = iconv.encode('공장,라인\n울산 1공장,차체-A\n아산 2공장,도장-B\n', 'cp949');
    const { info, records } = await all(bytes, { encoding: 'cp949' }, 5);
    expect(info.encoding).toBe('cp949');
    expect(info.columns).toEqual(['공장', '라인']);
    expect(records).toEqual([
      ['울산 1공장', '차체-A'],
      ['아산 2공장', '도장-B'],
    ]);
  });

  it('decodes EUC-KR text when EUC-KR is declared', async () => {
    const bytes = iconv.encode('검사자,결과\n김철수,합격\n', 'euc-kr');
    const { records } = await all(bytes, { encoding: 'euc-kr' });
    expect(records).toEqual([['김철수', '합격']]);
  });

  it('detects CP949 in auto mode even when the Korean text starts after a long ASCII prefix', async () => {
    const ascii = 'plant,n\n' + 'Ulsan,1\n'.repeat(20_000);
    const bytes = Buffer.concat([Buffer.from(ascii), iconv.encode('광주 3공장,2\n', 'cp949')]);
    const { info, records } = await all(bytes, { encoding: 'auto' }, 65536);
    expect(info.encoding).toBe('cp949');
    expect(records.at(-1)).toEqual(['광주 3공장', '2']);
  });

  it('reads valid UTF-8 as UTF-8 even when CP949 is declared', async () => {
    const { info, records } = await all('공장,n\n울산,1\n', { encoding: 'cp949' });
    expect(info.encoding).toBe('utf-8');
    expect(records).toEqual([['울산', '1']]);
  });

  it('rejects a CP949 file declared as UTF-8 with the line of the first undecodable byte', async () => {
    const bytes = Buffer.concat([
      Buffer.from('plant,n\nUlsan,1\nAsan,2\n'),
      iconv.encode('울산,3\n', 'cp949'),
    ]);
    const e = await rejection(bytes, { encoding: 'utf-8' });
    expect(e.code).toBe('DATASET_UNDECODABLE_BYTES');
    expect(e.line).toBe(4);
    expect(e.message).not.toContain('울산');
  });

  it('rejects invalid CP949 sequences with their line', async () => {
    const bytes = Buffer.concat([
      iconv.encode('공장,n\n울산,1\n', 'cp949'),
      Buffer.from([0x41, 0x2c, 0x80, 0xff, 0x0a]),
    ]);
    const e = await rejection(bytes, { encoding: 'cp949' });
    expect(e).toMatchObject({ code: 'DATASET_UNDECODABLE_BYTES', line: 3 });
  });

  it('rejects a UTF-16 file as undecodable', async () => {
    const e = await rejection(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a\u0000')]));
    expect(e).toMatchObject({ code: 'DATASET_UNDECODABLE_BYTES', line: 1 });
  });

  it('rejects binary garbage declared as CSV', async () => {
    const e = await rejection(Buffer.from('a,b\n1,2\n\u0000\u0001\u0002garbage'));
    expect(e).toMatchObject({ code: 'DATASET_NOT_DECLARED_FORMAT', line: 3 });
  });

  it('rejects a Parquet file declared as CSV', async () => {
    const e = await rejection(Buffer.from('PAR1\u0015\u0004'));
    expect(e.code).toBe('DATASET_NOT_DECLARED_FORMAT');
  });

  it('rejects an empty column name', async () => {
    const e = await rejection('a,,c\n1,2,3\n');
    expect(e).toMatchObject({ code: 'DATASET_EMPTY_COLUMN_NAME', line: 1 });
  });

  it('rejects a duplicate column name, after trimming', async () => {
    const e = await rejection('\n\na, b ,b\n1,2,3\n');
    expect(e).toMatchObject({ code: 'DATASET_DUPLICATE_COLUMN', line: 3, column: 'b' });
  });

  it('rejects a file whose first record is data rather than a header', async () => {
    const e = await rejection('2025-02-13 08:15:00,12.5,OP-1\n2025-02-13 08:15:01,12.7,OP-2\n');
    expect(e).toMatchObject({ code: 'DATASET_MISSING_HEADER', line: 1 });
  });

  it('rejects an empty file', async () => {
    expect((await rejection('')).code).toBe('DATASET_EMPTY_FILE');
    expect((await rejection('\n\r\n')).code).toBe('DATASET_EMPTY_FILE');
  });

  it('rejects an unclosed quote with the line where its record starts', async () => {
    const e = await rejection('a,b\n1,2\n3,"never closed\n4,5\n');
    expect(e).toMatchObject({ code: 'DATASET_INVALID_QUOTING', line: 3 });
  });

  it('rejects characters after a closing quote', async () => {
    const e = await rejection('a,b\n1,2\n3,"x"y\n');
    expect(e).toMatchObject({ code: 'DATASET_INVALID_QUOTING', line: 3 });
  });

  it('keeps a quote inside an unquoted field literally', async () => {
    const { records } = await all('a,b\n12" pipe,2\n');
    expect(records).toEqual([['12" pipe', '2']]);
  });

  it('rejects a record larger than the limit', async () => {
    const e = await rejection('a,b\n1,"' + 'x'.repeat(200_000) + '\n', { maxRecordChars: 1000 });
    expect(e).toMatchObject({ code: 'DATASET_RECORD_TOO_LARGE', line: 2 });
  });

  it('computes the SHA-256 of the raw bytes in the same pass', async () => {
    const data = Buffer.from('a,b\n1,2\n');
    const r = await validateObject({ format: 'CSV', source: stream(data) });
    const { createHash } = await import('node:crypto');
    expect(r.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(r.sizeBytes).toBe(data.length);
  });
});

describe('readCsv select (projection)', () => {
  const csv = 'a,b,c,d\n1,"x,y",3,4\n5,6,"7\n8",9\n\n10,11,12,13\n';

  it('returns only the selected fields, in the selected order, at every chunk boundary', async () => {
    const full = await all(csv, {}, 64);
    for (const chunkSize of [1, 2, 3, 7, 64]) {
      const got = await all(csv, { select: ['d', 'b'] }, chunkSize);
      expect(got.records).toEqual(full.records.map((r) => [r[3], r[1]]));
      expect(got.lines).toEqual(full.lines);
      expect(got.info.columns).toEqual(['a', 'b', 'c', 'd']);
    }
  });

  it('still refuses ragged rows (unquoted and quoted) with the line and row', async () => {
    for (const bad of ['a,b,c\n1,2,3\n4,5\n', 'a,b,c\n1,2,3\n"4",5\n', 'a,b,c\n1,2,3\n4,5,6,7\n']) {
      for (const chunkSize of [1, 5, 100]) {
        const e = await all(bad, { select: ['c'] }, chunkSize).then(
          () => undefined,
          (err: unknown) => err as FormatError,
        );
        expect(e?.code).toBe('DATASET_RAGGED_ROW');
        expect(e).toMatchObject({ line: 3, row: 2 });
      }
    }
  });

  it('refuses a selected column the header lacks', async () => {
    expect((await rejection('a,b\n1,2\n', { select: ['z'] })).code).toBe('DATASET_SCHEMA_MISMATCH');
  });

  describe('utf8AsLatin1 (the materializer’s reads)', () => {
    const columns = [
      { name: '공장', type: 'string' as const },
      { name: 'n', type: 'decimal' as const },
      { name: 'at', type: 'timestamp' as const },
      { name: 'memo', type: 'string' as const },
    ];
    const text =
      '\ufeff공장,n,at,memo\n' +
      '울산 1공장,1.5,2025-01-01T00:00:00Z,"쉼표, 그리고 ""따옴표"""\n' +
      'Asan,-2,2025-01-01 09:00:00+09:00,plain\n' +
      '😀 emoji,3e2,2025-01-02T00:00:00.000Z,\n';
    const typed = async (chunkSize: number, utf8AsLatin1: boolean, select?: string[]) => {
      const out: unknown[] = [];
      for await (const b of readColumns({
        format: 'CSV',
        source: stream(text, chunkSize),
        encoding: 'utf-8',
        columns,
        select,
        utf8AsLatin1,
      }))
        out.push(b.columns);
      return out;
    };

    it('types the same cells as the UTF-8 decoder, whatever the chunk boundaries', async () => {
      for (const chunkSize of [1, 2, 3, 5, 7, 64]) {
        expect(await typed(chunkSize, true)).toEqual(await typed(chunkSize, false));
        expect(await typed(chunkSize, true, ['memo', '공장'])).toEqual(
          await typed(chunkSize, false, ['memo', '공장']),
        );
      }
      const first = ((await typed(3, true))[0] as Record<string, unknown[]>)['공장'];
      expect(first).toEqual(['울산 1공장', 'Asan', '😀 emoji']);
    });

    it('still refuses invalid and truncated UTF-8 with the line', async () => {
      const bad = Buffer.concat([Buffer.from('a,b\n1,2\n'), Buffer.from([0x41, 0x2c, 0xc3, 0x28, 0x0a])]);
      expect(await rejection(bad, { encoding: 'utf-8', utf8AsLatin1: true })).toMatchObject({
        code: 'DATASET_UNDECODABLE_BYTES',
        line: 3,
      });
      const truncated = Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from('울').subarray(0, 2)]);
      expect((await rejection(truncated, { encoding: 'utf-8', utf8AsLatin1: true })).code).toBe(
        'DATASET_UNDECODABLE_BYTES',
      );
    });
  });

  it('readColumns (projected, Latin-1-held UTF-8) types what readRows types (property)', async () => {
    const columns = [
      { name: 'a', type: 'string' as const },
      { name: 'b', type: 'integer' as const },
      { name: 'c', type: 'string' as const },
    ];
    const cell = fc.oneof(
      fc.constantFrom('', 'x', '울산', 'a,b', 'say "hi"', 'two\nlines', 'cr\r\nlf'),
      fc.string({ maxLength: 4 }).filter((t) => !/[\r\n",]/.test(t)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(cell, fc.integer({ min: -99, max: 99 }), cell), { maxLength: 30 }),
        fc.integer({ min: 1, max: 40 }).map((n) => n * 97),
        fc.boolean(),
        fc.constantFrom(['c', 'a'], ['b'], ['a', 'b', 'c']),
        fc.boolean(),
        async (tail, chunkSize, crlf, select, long) => {
          // Past the 64 KiB the delimiter is detected on, records go through the projecting parser.
          const records = long
            ? [...Array.from({ length: 12_000 }, (_, i) => ['p', i % 7, 'q'] as const), ...tail]
            : tail;
          const quote = (t: string) => (/[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t);
          const eol = crlf ? '\r\n' : '\n';
          const text =
            'a,b,c' + eol + records.map(([x, n, y]) => `${quote(x)},${n},${quote(y)}`).join(eol) + eol;
          const got: Record<string, unknown[]> = Object.fromEntries(select.map((c) => [c, []]));
          for await (const b of readColumns({
            format: 'CSV',
            source: stream(text, chunkSize),
            encoding: 'utf-8',
            utf8AsLatin1: true,
            columns,
            select,
            batchSize: 7,
          }))
            for (const c of select) got[c].push(...b.columns[c]);
          const rows: Array<Record<string, unknown>> = [];
          for await (const batch of readRows({ format: 'CSV', source: stream(text, chunkSize), columns }))
            rows.push(...batch);
          for (const c of select) expect(got[c]).toEqual(rows.map((r) => r[c]));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('readColumns still refuses a ragged record', async () => {
    const columns = [
      { name: 'a', type: 'string' as const },
      { name: 'b', type: 'string' as const },
    ];
    const read = async () => {
      for await (const b of readColumns({
        format: 'CSV',
        source: stream('a,b\n1,2\n3\n4,5\n'),
        columns,
        select: ['b'],
      }))
        void b;
    };
    await expect(read()).rejects.toMatchObject({ code: 'DATASET_RAGGED_ROW', line: 3 });
  });
});
