import type { Readable } from 'node:stream';
import { FormatError } from './errors';
import { bufferSource, type RandomAccessSource, readParquet } from './parquet-reader';
import { type ColumnDeclaration, readRows } from './rows';
import type { Row } from './schema';
import { validateObject } from './validate';
import { writeParquet } from './writers';

async function bytesOf(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

const columns: ColumnDeclaration[] = [
  { name: 'id', type: 'integer', nullable: false },
  { name: 'name', type: 'string' },
  { name: 'amps', type: 'decimal' },
  { name: 'ok', type: 'boolean' },
  { name: 'ts', type: 'timestamp' },
  { name: 'day', type: 'date' },
];

function rows(n: number): Row[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i,
    name: i % 7 === 0 ? null : `울산-${i}`,
    amps: i % 5 === 0 ? null : i / 4,
    ok: i % 3 === 0,
    ts: new Date(Date.UTC(2025, 1, 13) + i * 1000).toISOString(),
    day: i % 11 === 0 ? null : '2025-02-13',
  }));
}

/** Counts the bytes requested, to prove reads are ranged. */
function counting(source: RandomAccessSource): RandomAccessSource & { largest: number } {
  const s = {
    size: source.size,
    largest: 0,
    read: (a: number, b: number) => {
      s.largest = Math.max(s.largest, b - a);
      return source.read(a, b);
    },
  };
  return s;
}

describe('Parquet', () => {
  it('round-trips typed rows through the writer and the reader row group by row group', async () => {
    const input = rows(2500);
    const bytes = await bytesOf(
      writeParquet(columns, [input.slice(0, 1000), input.slice(1000)], { rowGroupSize: 1000 }),
    );
    const reader = readParquet(bufferSource(bytes), { batchSize: 600 });
    const firstRows: number[] = [];
    for await (const b of reader) firstRows.push(b.firstRow);
    expect(reader.info.rowGroups).toBe(3);
    expect(reader.info.types).toEqual(columns.map((c) => c.type));
    expect(firstRows).toEqual([1, 601, 1001, 1601, 2001]);

    const out: Row[] = [];
    for await (const b of readRows({ format: 'PARQUET', source: bufferSource(bytes), columns }))
      out.push(...b);
    expect(out).toEqual(input);
  });

  it('never reads more than about one row group at a time', async () => {
    const bytes = await bytesOf(writeParquet(columns, [rows(60_000)], { rowGroupSize: 10_000 }));
    const source = counting(bufferSource(bytes));
    let n = 0;
    for await (const b of readParquet(source)) n += b.records.length;
    expect(n).toBe(60_000);
    expect(source.largest).toBeLessThan(bytes.length / 3);
  });

  it('validates a Parquet object and hashes every byte exactly once', async () => {
    const bytes = await bytesOf(writeParquet(columns, [rows(3000)], { rowGroupSize: 1000 }));
    const r = await validateObject({
      format: 'PARQUET',
      source: bufferSource(bytes),
      declaredColumns: columns,
    });
    const { createHash } = await import('node:crypto');
    expect(r.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(r.sizeBytes).toBe(bytes.length);
    expect(r.rowCount).toBe(3000);
    expect(r.columns.find((c) => c.name === 'amps')?.nullable).toBe(true);
  });

  it('rejects a declared type the Parquet values do not have, naming the row', async () => {
    const bytes = await bytesOf(writeParquet(columns, [rows(10)]));
    const declared = columns.map((c) => (c.name === 'name' ? { ...c, type: 'integer' as const } : c));
    await expect(
      validateObject({ format: 'PARQUET', source: bufferSource(bytes), declaredColumns: declared }),
    ).rejects.toMatchObject({
      code: 'DATASET_TYPE_MISMATCH',
      row: 2,
      column: 'name',
    });
  });

  it('rejects an object without the Parquet magic bytes', async () => {
    const e = await validateObject({
      format: 'PARQUET',
      source: bufferSource(Buffer.from('a,b\n1,2\n3,4\n5,6\n')),
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FormatError);
    expect(e).toMatchObject({ code: 'DATASET_NOT_DECLARED_FORMAT' });
  });

  it('rejects an empty object', async () => {
    await expect(
      validateObject({ format: 'PARQUET', source: bufferSource(Buffer.alloc(0)) }),
    ).rejects.toMatchObject({ code: 'DATASET_EMPTY_FILE' });
  });

  it('rejects a truncated Parquet file as not Parquet', async () => {
    const bytes = await bytesOf(writeParquet(columns, [rows(100)]));
    const broken = Buffer.concat([bytes.subarray(0, 40), bytes.subarray(bytes.length - 30)]);
    await expect(validateObject({ format: 'PARQUET', source: bufferSource(broken) })).rejects.toMatchObject({
      code: 'DATASET_NOT_DECLARED_FORMAT',
    });
  });

  it('lets a failing read of the source through as it is, not as a malformed file', async () => {
    // A stalled or unreachable store is storage trouble to retry, never a verdict on the data.
    const bytes = await bytesOf(writeParquet(columns, [rows(3000)], { rowGroupSize: 1000 }));
    class StoreDown extends Error {}
    const failingAfter = (ok: number): RandomAccessSource => {
      let reads = 0;
      return {
        size: bytes.length,
        read: (a, b) =>
          reads++ < ok ? bufferSource(bytes).read(a, b) : Promise.reject(new StoreDown('down')),
      };
    };
    const drain = async (source: RandomAccessSource) => {
      for await (const b of readParquet(source)) void b;
    };
    // The footer (the third read, after both magic numbers), then a row group.
    await expect(drain(failingAfter(2))).rejects.toBeInstanceOf(StoreDown);
    await expect(drain(failingAfter(3))).rejects.toBeInstanceOf(StoreDown);
  });
});
