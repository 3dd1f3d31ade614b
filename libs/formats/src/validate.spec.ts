import { Readable } from 'node:stream';
import { FormatError } from './errors';
import { inferSchema } from './infer';
import { bufferSource } from './parquet-reader';
import type { ColumnDeclaration } from './rows';
import { validateObject } from './validate';

const CANARY = 'CANARY-7f3a';
const src = (s: string): Readable => Readable.from([Buffer.from(s)]);
const declared: ColumnDeclaration[] = [
  { name: 'ts', type: 'timestamp' },
  { name: 'op', type: 'string' },
  { name: 'amps', type: 'decimal' },
  { name: 'ok', type: 'boolean' },
  { name: 'day', type: 'date' },
  { name: 'n', type: 'integer' },
];
const header = 'ts,op,amps,ok,day,n\n';
const good = '2025-02-13 08:15:00,OP-1,221.5,true,2025-02-13,3\n';

async function reject(body: string, columns = declared): Promise<FormatError> {
  try {
    await validateObject({ format: 'CSV', source: src(header + body), declaredColumns: columns });
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw e;
  }
  throw new Error('expected a FormatError');
}

describe('validateObject', () => {
  it('returns the row count, declared columns, observed nullability, size and checksum', async () => {
    const r = await validateObject({
      format: 'CSV',
      source: src(header + good + '2025-02-13T08:15:01+09:00,,,no,,\n'),
      declaredColumns: declared,
    });
    expect(r.rowCount).toBe(2);
    expect(r.columns.find((c) => c.name === 'amps')).toEqual({
      name: 'amps',
      type: 'decimal',
      nullable: true,
    });
    expect(r.columns.find((c) => c.name === 'ts')).toEqual({
      name: 'ts',
      type: 'timestamp',
      nullable: false,
    });
    expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.encoding).toBe('utf-8');
    expect(r.delimiter).toBe(',');
  });

  it.each([
    ['ts', `${CANARY},OP-1,221.5,true,2025-02-13,3\n`, 'timestamp'],
    ['amps', `2025-02-13 08:15:00,OP-1,${CANARY},true,2025-02-13,3\n`, 'decimal'],
    ['ok', `2025-02-13 08:15:00,OP-1,221.5,${CANARY},2025-02-13,3\n`, 'boolean'],
    ['day', `2025-02-13 08:15:00,OP-1,221.5,true,${CANARY},3\n`, 'date'],
    ['n', `2025-02-13 08:15:00,OP-1,221.5,true,2025-02-13,3.5\n`, 'integer'],
  ])(
    'names the line, column %s and expected type of a mismatch, never the value',
    async (column, bad, type) => {
      const e = await reject(good + good + bad);
      expect(e).toMatchObject({ code: 'DATASET_TYPE_MISMATCH', line: 4, row: 3, column });
      expect(e.message).toContain(type);
      expect(e.message).not.toContain(CANARY);
    },
  );

  it('reports a mismatch after a quoted multi-line field at the right line', async () => {
    const e = await reject(
      `2025-02-13 08:15:00,"OP\n1",221.5,true,2025-02-13,3\n` +
        `2025-02-13 08:15:00,OP-1,x,true,2025-02-13,3\n`,
    );
    expect(e).toMatchObject({ code: 'DATASET_TYPE_MISMATCH', line: 4, column: 'amps' });
  });

  it('rejects an empty cell in a column declared not nullable', async () => {
    const cols = declared.map((c) => (c.name === 'op' ? { ...c, nullable: false } : c));
    expect(await reject(good + '2025-02-13 08:15:00,,1,true,2025-02-13,3\n', cols)).toMatchObject({
      code: 'DATASET_NULL_IN_REQUIRED_COLUMN',
      line: 3,
      column: 'op',
    });
  });

  it('rejects a file missing a declared column', async () => {
    expect(await reject(good, [...declared, { name: 'extra', type: 'string' }])).toMatchObject({
      code: 'DATASET_SCHEMA_MISMATCH',
      column: 'extra',
    });
  });

  it('rejects a file with a column that was not declared', async () => {
    expect(await reject(good, declared.slice(1))).toMatchObject({
      code: 'DATASET_SCHEMA_MISMATCH',
      column: 'ts',
    });
  });

  it('rejects a header without data rows as empty', async () => {
    expect((await reject('')).code).toBe('DATASET_EMPTY_FILE');
  });

  it('validates a CSV held behind a random-access source', async () => {
    const r = await validateObject({
      format: 'CSV',
      source: bufferSource(Buffer.from(header + good)),
      declaredColumns: declared,
    });
    expect(r.rowCount).toBe(1);
  });

  it('infers column types from a prefix and stops reading there', async () => {
    let body = header;
    for (let i = 0; i < 50; i++) body += good;
    body += 'not a timestamp,OP-1,x,maybe,y,z\n';
    const r = await inferSchema({ format: 'CSV', source: src(body), sampleRows: 50 });
    expect(r.sampledRows).toBe(50);
    expect(r.columns.map((c) => c.type)).toEqual([
      'timestamp',
      'string',
      'decimal',
      'boolean',
      'date',
      'integer',
    ]);
  });

  it('marks a column nullable when the prefix has empty cells', async () => {
    const r = await inferSchema({ format: 'CSV', source: src('a;b\n1;\n2;x\n') });
    expect(r.delimiter).toBe(';');
    expect(r.columns).toEqual([
      { name: 'a', type: 'integer', nullable: false },
      { name: 'b', type: 'string', nullable: true },
    ]);
  });
});
