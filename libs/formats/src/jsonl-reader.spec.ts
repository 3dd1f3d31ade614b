import { Readable } from 'node:stream';
import { FormatError } from './errors';
import { readJsonl } from './jsonl-reader';
import { validateObject } from './validate';

const src = (s: string | Buffer): Readable => Readable.from([typeof s === 'string' ? Buffer.from(s) : s]);

async function rejection(s: string | Buffer): Promise<FormatError> {
  try {
    for await (const _ of readJsonl(src(s))) void _;
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw e;
  }
  throw new Error('expected a FormatError');
}

describe('readJsonl', () => {
  it('takes the columns and their order from the first line', async () => {
    const reader = readJsonl(src('{"b":1,"a":"x"}\n\n{"a":"y","b":2}\n'));
    const batches = [];
    for await (const b of reader) batches.push(b);
    expect(reader.info.columns).toEqual(['b', 'a']);
    expect(batches[0].records).toEqual([
      [1, 'x'],
      [2, 'y'],
    ]);
    expect(batches[0].lines).toEqual([1, 3]);
  });

  it('rejects a line with a missing key as a ragged row', async () => {
    expect(await rejection('{"a":1,"b":2}\n{"a":1}\n')).toMatchObject({
      code: 'DATASET_RAGGED_ROW',
      line: 2,
      column: 'b',
    });
  });

  it('rejects a line with an extra key as a ragged row', async () => {
    expect(await rejection('{"a":1}\n{"a":1}\n{"a":1,"c":3}\n')).toMatchObject({
      code: 'DATASET_RAGGED_ROW',
      line: 3,
    });
  });

  it('rejects a key repeated within a line, naming it, even when spelled with an escape', async () => {
    expect(await rejection('{"a":1,"b":2,"a":3}\n')).toMatchObject({
      code: 'DATASET_DUPLICATE_COLUMN',
      line: 1,
      column: 'a',
    });
    expect(await rejection('{"a":1,"b":2}\n{"a":1,"b":2,"\\u0062":3}\n')).toMatchObject({
      code: 'DATASET_DUPLICATE_COLUMN',
      line: 2,
      column: 'b',
    });
  });

  it('is not fooled by colons, braces, quotes and escapes inside keys and values', async () => {
    const text = '{"a:b" : "x:{y}[", "c":"\\"}:\\\\", "d":null}\n{"a:b":"","c":"q","d":1}\n';
    const reader = readJsonl(src(text));
    const batches = [];
    for await (const b of reader) batches.push(b);
    expect(reader.info.columns).toEqual(['a:b', 'c', 'd']);
    expect(batches[0].records[0]).toEqual(['x:{y}[', '"}:\\', null]);
  });

  it('rejects a line that is JSON but not an object', async () => {
    expect(await rejection('{"a":1}\n[1]\n')).toMatchObject({ code: 'DATASET_NOT_DECLARED_FORMAT', line: 2 });
  });

  it('rejects a line that is not JSON without echoing it', async () => {
    const e = await rejection('{"a":1}\n{"a":1}\n{"a": secret-value}\n');
    expect(e).toMatchObject({ code: 'DATASET_NOT_DECLARED_FORMAT', line: 3 });
    expect(e.message).not.toContain('secret');
  });

  it('rejects an empty key', async () => {
    expect(await rejection('{"":1}\n')).toMatchObject({ code: 'DATASET_EMPTY_COLUMN_NAME', line: 1 });
  });

  it('rejects an empty file', async () => {
    expect((await rejection('\n\n')).code).toBe('DATASET_EMPTY_FILE');
  });

  it('rejects a value of the wrong declared type with its line and column', async () => {
    const data = '{"t":"2025-01-01T00:00:00Z","n":1}\n{"t":"2025-01-01T00:00:01Z","n":"two"}\n';
    await expect(
      validateObject({
        format: 'JSONL',
        source: src(data),
        declaredColumns: [
          { name: 't', type: 'timestamp' },
          { name: 'n', type: 'integer' },
        ],
      }),
    ).rejects.toMatchObject({ code: 'DATASET_TYPE_MISMATCH', line: 2, row: 2, column: 'n' });
  });

  it('infers types over the whole object when none are declared', async () => {
    const data = '{"n":1,"d":"2025-01-01","s":null}\n{"n":2.5,"d":"2025-01-02","s":"x"}\n';
    const r = await validateObject({ format: 'JSONL', source: src(data) });
    expect(r.columns).toEqual([
      { name: 'n', type: 'decimal', nullable: false },
      { name: 'd', type: 'date', nullable: false },
      { name: 's', type: 'string', nullable: true },
    ]);
  });

  it('rejects nested objects as a type mismatch', async () => {
    await expect(validateObject({ format: 'JSONL', source: src('{"a":{"b":1}}\n') })).rejects.toMatchObject({
      code: 'DATASET_TYPE_MISMATCH',
      line: 1,
      column: 'a',
    });
  });
});
