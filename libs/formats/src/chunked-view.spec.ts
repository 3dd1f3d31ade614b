import {
  ChunkedViewWriter,
  chunkObjectName,
  decodeChunk,
  type EncodedChunk,
  findChunk,
  readChunk,
} from './chunked-view';
import { FormatError } from './errors';
import type { Row } from './schema';

const columns = [
  { name: 'id', type: 'integer' as const },
  { name: 'plant', type: 'string' as const },
  { name: 'ok', type: 'boolean' as const },
];
const rowsOf = (from: number, n: number): Row[] =>
  Array.from({ length: n }, (_, i) => ({
    id: from + i,
    plant: (from + i) % 4 === 0 ? null : '울산',
    ok: (from + i) % 2 === 0,
  }));

describe('chunked view', () => {
  it('cuts rows into chunks of N and indexes each chunk by first row, count, size and checksum', () => {
    const w = new ChunkedViewWriter(columns, { chunkRows: 1000 });
    const chunks: EncodedChunk[] = [];
    for (let i = 0; i < 10; i++) chunks.push(...w.push(rowsOf(i * 350, 350)));
    const end = w.finish();
    chunks.push(...end.chunks);
    expect(chunks.map((c) => c.info.rowCount)).toEqual([1000, 1000, 1000, 500]);
    expect(end.index.rowCount).toBe(3500);
    expect(end.index.chunks.map((c) => c.firstRow)).toEqual([0, 1000, 2000, 3000]);
    expect(end.index.chunks.map((c) => c.byteSize)).toEqual(chunks.map((c) => c.bytes.length));
    expect(chunkObjectName(3)).toBe('chunk-000003.json.gz');
  });

  it('reads a middle page without touching the chunks before it', () => {
    const w = new ChunkedViewWriter(columns, { chunkRows: 100 });
    const stored = new Map<number, Buffer>();
    for (const c of w.push(rowsOf(0, 1050))) stored.set(c.info.index, c.bytes);
    const { chunks, index } = w.finish();
    for (const c of chunks) stored.set(c.info.index, c.bytes);

    const info = findChunk(index, 537)!;
    expect(info.index).toBe(5);
    const chunk = decodeChunk(stored.get(info.index)!, info.sha256);
    expect(chunk.firstRow).toBe(500);
    expect(chunk.rows[537 - chunk.firstRow]).toEqual(rowsOf(537, 1)[0]);
    expect(findChunk(index, 1049)?.index).toBe(10);
    expect(findChunk(index, 1050)).toBeUndefined();
  });

  it('round-trips rows uncompressed as well', () => {
    const w = new ChunkedViewWriter(columns, { chunkRows: 10, compression: 'none' });
    const chunks = [...w.push(rowsOf(0, 25)), ...w.finish().chunks];
    expect(chunks[0].bytes.toString('utf8').startsWith('{"v":1')).toBe(true);
    expect(chunks.flatMap((c) => readChunk(c.bytes))).toEqual(rowsOf(0, 25));
  });

  it('rejects a chunk whose checksum does not match', () => {
    const w = new ChunkedViewWriter(columns, { chunkRows: 10 });
    const [c] = w.push(rowsOf(0, 10));
    const tampered = Buffer.from(c.bytes);
    tampered[tampered.length - 5] ^= 1;
    expect(() => readChunk(tampered, c.info.sha256)).toThrow(FormatError);
    expect(() => readChunk(Buffer.from('not a chunk'))).toThrow(
      expect.objectContaining({ code: 'DATASET_CORRUPT_CHUNK' }) as Error,
    );
  });

  it('dictionary-encodes low-cardinality text columns (version 2) and decodes the same rows', () => {
    const cols = [...columns, { name: 'serial', type: 'string' as const }];
    const rows = rowsOf(0, 250).map((r, i) => ({ ...r, serial: `SN-${i}` }));
    const plain = new ChunkedViewWriter(cols, { chunkRows: 100, compression: 'none' });
    const dict = new ChunkedViewWriter(cols, { chunkRows: 100, compression: 'none', dictionary: true });
    const a = [...plain.push(rows), ...plain.finish().chunks];
    const b = [...dict.push(rows), ...dict.finish().chunks];
    const parsed = JSON.parse(b[0].bytes.toString('utf8')) as { v: number; dict: unknown[] };
    expect(parsed.v).toBe(2);
    // plant (one value and null) by dictionary; serial (all distinct) and non-text columns plain.
    expect(parsed.dict).toEqual([null, [null, '울산'], null, null]);
    expect(b.flatMap((c) => readChunk(c.bytes))).toEqual(rows);
    expect(b.flatMap((c) => readChunk(c.bytes))).toEqual(a.flatMap((c) => readChunk(c.bytes)));
    expect(b[0].bytes.length).toBeLessThan(a[0].bytes.length);
  });

  it('rejects a version-2 chunk whose index lies outside its dictionary', () => {
    const bad = Buffer.from(
      JSON.stringify({ v: 2, firstRow: 0, rowCount: 1, columns: ['plant'], dict: [['a']], data: [[1]] }),
    );
    expect(() => readChunk(bad)).toThrow(expect.objectContaining({ code: 'DATASET_CORRUPT_CHUNK' }) as Error);
    const shape = Buffer.from(
      JSON.stringify({ v: 2, firstRow: 0, rowCount: 1, columns: ['plant'], data: [[0]] }),
    );
    expect(() => readChunk(shape)).toThrow(
      expect.objectContaining({ code: 'DATASET_CORRUPT_CHUNK' }) as Error,
    );
  });
});
