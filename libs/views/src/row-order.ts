/**
 * The row order of a view: a pseudorandom permutation keyed per grant (invariant 7), so that row
 * positions in one grant's view say nothing about positions in another grant's view of the same
 * data.
 *
 * The order is defined, independently of how it is computed, as: the released rows sorted by a
 * 64-bit tag of their row index in the raw object, `tag(i) = AES-256_k(i)` (the first 8 bytes of
 * one AES block holding `i`), ties (2^-64) by row index. `k` is derived by HKDF from the hub's
 * master secret, the grant and the view, like the de-identification keys. Sorting by the tags of
 * a pseudorandom permutation is a uniformly random order to anyone without the key; it depends
 * only on the grant, the view and which rows are released, so re-materializing writes the same
 * view, and the one- and two-pass materializations agree.
 *
 * Computing it with bounded memory is an external bucket sort ({@link RowShuffler}): rows are
 * routed by the top bits of their tag into 2^b groups (b chosen from the expected row count, so
 * that a group is ~{@link DEFAULT_GROUP_ROWS} rows), each group's rows are packed into small
 * compressed blocks (the chunk format of @maxhub/formats), and when the blocks held in memory pass
 * a byte budget the largest group's blocks are uploaded as one spool object under the view's
 * prefix. Groups are then read back in tag order, one at a time, sorted by tag in memory and
 * emitted. A group larger than expected (the row count was unknown or wrong) is split again by
 * the next bits of the tag, through a spool of its own: memory stays bounded whatever the hint,
 * only time grows. A view that fits in one group never touches the store for this.
 */
import { createCipheriv, hkdfSync, type Cipher } from 'node:crypto';
import {
  type CellValue,
  ChunkedViewWriter,
  type ColumnDeclaration,
  decodeChunkColumns,
  type EncodedChunk,
} from '@maxhub/formats';
import { assertMasterSecret } from '@maxhub/deidentification';
import { ViewError, ViewErrorCode } from './errors';
import type { ViewStore } from './store';

/** Rows a group is sized for when the row count is known (one group is sorted in memory at a time). */
export const DEFAULT_GROUP_ROWS = 65_536;
/** Encoded spool bytes held in memory before the largest group's blocks are uploaded. */
export const DEFAULT_SPOOL_MEMORY_BYTES = 16 * 1024 * 1024;
/** Rows waiting, over all groups, to be packed into blocks. */
const PENDING_ROWS = 65_536;
/** Most groups one level routes to (2^10). */
const MAX_GROUP_BITS = 10;
/** A group is sorted by packing its 32-bit sort key and its position into one double: < 2^20 rows. */
const POSITION_BITS = 20;
const POSITION_SPAN = 2 ** POSITION_BITS;

const HKDF_SALT = Buffer.from('maxhub/views/hkdf-salt/v1', 'utf8');

function lengthPrefixed(parts: readonly string[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const bytes = Buffer.from(part, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length, 0);
    chunks.push(len, bytes);
  }
  return Buffer.concat(chunks);
}

/**
 * The 256-bit row-order key of one view: HKDF-SHA256(ikm = master secret, salt =
 * "maxhub/views/hkdf-salt/v1", info = len‖"maxhub/views/v1" ‖ len‖"row-order" ‖ len‖grantId ‖
 * len‖prefix). Its own salt keeps it apart from every de-identification key; the view prefix
 * names the dataset version, so two datasets of one grant are not permuted alike either.
 */
export function rowOrderKey(
  masterSecret: Buffer | null | undefined,
  grantId: string,
  prefix: string,
): Buffer {
  assertMasterSecret(masterSecret);
  const info = lengthPrefixed(['maxhub/views/v1', 'row-order', grantId, prefix]);
  return Buffer.from(hkdfSync('sha256', masterSecret, HKDF_SALT, info, 32));
}

/** Tags of row indexes: AES-256 of one block per index (ECB here is a batch of PRP calls, not encryption of data). */
export class RowTagger {
  private readonly cipher: Cipher;
  private blocks = Buffer.alloc(0);

  constructor(key: Buffer) {
    if (key.length !== 32) throw new TypeError('a row-order key is 32 bytes');
    this.cipher = createCipheriv('aes-256-ecb', key, null);
    this.cipher.setAutoPadding(false);
  }

  /**
   * Writes the tags of `count` row indexes (`index(j)` for j < count) into `hi` and `lo` (the
   * tag's upper and lower 32 bits). Indexes are whole numbers below 2^53.
   */
  tags(count: number, index: (j: number) => number, hi: Uint32Array, lo: Uint32Array): void {
    if (this.blocks.length < count * 16)
      this.blocks = Buffer.alloc(Math.max(count * 16, 2 * this.blocks.length));
    const b = this.blocks;
    for (let j = 0; j < count; j++) {
      const i = index(j);
      const at = j * 16;
      // "row1", 0, then the index as two 32-bit words: no two indexes share a block.
      b.writeUInt32BE(0x726f7731, at);
      b.writeUInt32BE(0, at + 4);
      b.writeUInt32BE(Math.floor(i / 0x1_0000_0000), at + 8);
      b.writeUInt32BE(i >>> 0, at + 12);
    }
    const out = this.cipher.update(b.subarray(0, count * 16));
    for (let j = 0; j < count; j++) {
      hi[j] = out.readUInt32BE(j * 16);
      lo[j] = out.readUInt32BE(j * 16 + 4);
    }
  }
}

/** The 32 bits of the 64-bit tag (hi ‖ lo) from bit `offset` (0 = the top), zero-filled past the end. */
function key32At(hi: number, lo: number, offset: number): number {
  if (offset === 0) return hi;
  if (offset < 32) return ((hi << offset) | (lo >>> (32 - offset))) >>> 0;
  if (offset === 32) return lo;
  if (offset < 64) return (lo << (offset - 32)) >>> 0;
  return 0;
}

/** `count` (0..32) bits of the tag from bit `offset`. */
function bitsAt(hi: number, lo: number, offset: number, count: number): number {
  if (count === 0) return 0;
  return key32At(hi, lo, offset) >>> (32 - count);
}

/**
 * The order of `n` rows (< 2^20) by tag: positions sorted by the 32 tag bits from `offset` (the
 * bits before it are the same for all of them), ties by the whole tag, then by row index.
 */
export function tagOrder(
  hi: Uint32Array,
  lo: Uint32Array,
  index: ArrayLike<number>,
  n: number,
  offset: number,
): Uint32Array {
  if (n > POSITION_SPAN) throw new RangeError('a group sorted in memory holds fewer than 2^20 rows');
  const packed = new Float64Array(n);
  for (let p = 0; p < n; p++) packed[p] = key32At(hi[p], lo[p], offset) * POSITION_SPAN + p;
  packed.sort();
  const order = new Uint32Array(n);
  for (let p = 0; p < n; p++) order[p] = packed[p] % POSITION_SPAN;
  // Equal 32-bit keys (about n² / 2^33 pairs): order those runs by the whole tag and the index.
  let start = 0;
  while (start < n) {
    const key = Math.floor(packed[start] / POSITION_SPAN);
    let end = start + 1;
    while (end < n && Math.floor(packed[end] / POSITION_SPAN) === key) end++;
    if (end - start > 1) {
      const run = Array.from(order.subarray(start, end));
      run.sort((a, b) => hi[a] - hi[b] || lo[a] - lo[b] || index[a] - index[b]);
      order.set(run, start);
    }
    start = end;
  }
  return order;
}

/** What a {@link RowShuffler} needs. */
export interface RowShufflerOptions {
  store: ViewStore;
  /** Where spool objects go, ending with "/" (under the view's prefix, so deleting the view removes them). */
  spoolPrefix: string;
  tagger: RowTagger;
  /** The columns of a row (the view's output schema). */
  columns: readonly ColumnDeclaration[];
  /** Starts uploading one spool object (the materializer's bounded uploader). */
  put: (key: string, bytes: Buffer) => Promise<void>;
  /** Resolves when every upload started so far is stored (throws the first failure). */
  uploaded: () => Promise<void>;
  /** Rows expected (the raw object's row count is an upper bound): sizes the groups. */
  expectedRows?: number;
  /** Rows a group is sized for; default {@link DEFAULT_GROUP_ROWS}. */
  groupRows?: number;
  /** Encoded bytes held in memory before spooling; default {@link DEFAULT_SPOOL_MEMORY_BYTES}. */
  memoryBytes?: number;
  /** gzip level of the spool blocks; default 1. */
  gzipLevel?: number;
  /** Tag bits already used by the groups above this one (splitting an oversized group). */
  bitOffset?: number;
}

/** A spool object: blocks one after the other, their lengths and SHA-256 known to the shuffler. */
interface Piece {
  key: string;
  lengths: number[];
  shas: string[];
}

/** One group of rows: its pending block, its encoded blocks in memory and its spooled pieces. */
interface Group {
  rows: number;
  writer: ChunkedViewWriter | undefined;
  /** Index of the last row added to the pending block (row indexes are delta-coded per block). */
  last: number;
  blocks: Buffer[];
  shas: string[];
  bytes: number;
  pieces: Piece[];
}

/** A decoded block: row indexes and the rows' values by column. */
interface Block {
  index: number[];
  data: CellValue[][];
}

/**
 * Puts rows into the view's row order with bounded memory (see the module comment). Use:
 * {@link beginRange} and {@link push} for each batch of the raw object, {@link settle} between
 * batches (uploads what was spooled), then {@link drain} once.
 */
export class RowShuffler {
  private readonly width: number;
  private readonly spoolColumns: ColumnDeclaration[];
  private readonly bits: number;
  private readonly bitOffset: number;
  private readonly blockRows: number;
  private readonly groupRows: number;
  private readonly maxGroupRows: number;
  private readonly memoryBytes: number;
  private readonly groups: Group[];
  private readonly scratch: CellValue[];
  private memory = 0;
  private pieces = 0;
  private readonly ready: Array<{ key: string; bytes: Buffer }> = [];
  private rangeFirst = 0;
  private rangeHi = new Uint32Array(0);
  private rangeLo = new Uint32Array(0);
  private finished = false;

  constructor(private readonly o: RowShufflerOptions) {
    this.width = o.columns.length;
    // Column 0 of a spool block: the row index, delta-coded (small numbers, cheap to write and gzip).
    this.spoolColumns = [{ name: '#', type: 'integer' }, ...o.columns.map((c) => ({ ...c }))];
    this.groupRows = Math.max(1, o.groupRows ?? DEFAULT_GROUP_ROWS);
    this.maxGroupRows = Math.min(POSITION_SPAN, 4 * this.groupRows);
    this.bitOffset = o.bitOffset ?? 0;
    const wanted = Math.ceil(Math.log2(Math.max(1, (o.expectedRows ?? 0) / this.groupRows)));
    this.bits = Math.max(0, Math.min(MAX_GROUP_BITS, wanted, 64 - this.bitOffset));
    const groups = 2 ** this.bits;
    this.blockRows = Math.max(128, Math.ceil(Math.min(PENDING_ROWS, this.groupRows) / groups));
    this.memoryBytes = o.memoryBytes ?? DEFAULT_SPOOL_MEMORY_BYTES;
    this.groups = Array.from({ length: groups }, () => ({
      rows: 0,
      writer: undefined,
      last: 0,
      blocks: [],
      shas: [],
      bytes: 0,
      pieces: [],
    }));
    this.scratch = new Array<CellValue>(this.width + 1).fill(null);
  }

  /** Rows pushed so far. */
  get rows(): number {
    return this.groups.reduce((n, g) => n + g.rows, 0);
  }

  /** Computes the tags of raw rows `first … first + length - 1` (the next {@link push} calls' rows). */
  beginRange(first: number, length: number): void {
    if (this.rangeHi.length < length) {
      this.rangeHi = new Uint32Array(Math.max(length, 2 * this.rangeHi.length));
      this.rangeLo = new Uint32Array(this.rangeHi.length);
    }
    this.rangeFirst = first;
    this.o.tagger.tags(length, (j) => first + j, this.rangeHi, this.rangeLo);
  }

  /** Adds the row of raw index `index` (within the current range); `values` is copied from, not kept. */
  push(index: number, values: readonly CellValue[]): void {
    const at = index - this.rangeFirst;
    this.pushTagged(index, this.rangeHi[at], this.rangeLo[at], values);
  }

  private pushTagged(index: number, hi: number, lo: number, values: readonly CellValue[]): void {
    if (this.finished) throw new Error('RowShuffler is finished');
    const g = this.groups[bitsAt(hi, lo, this.bitOffset, this.bits)];
    g.writer ??= new ChunkedViewWriter(this.spoolColumns, {
      chunkRows: this.blockRows,
      gzipLevel: this.o.gzipLevel ?? 1,
      dictionary: true,
    });
    const s = this.scratch;
    s[0] = index - g.last;
    g.last = index;
    for (let j = 0; j < this.width; j++) s[j + 1] = values[j];
    g.rows++;
    const block = g.writer.pushValues(s);
    if (block !== undefined) {
      g.last = 0;
      this.keep(g, block);
    }
  }

  /** Holds an encoded block in memory; past the byte budget, spools the largest group's blocks. */
  private keep(g: Group, block: EncodedChunk): void {
    g.blocks.push(block.bytes);
    g.shas.push(block.info.sha256);
    g.bytes += block.bytes.length;
    this.memory += block.bytes.length;
    while (this.memory > this.memoryBytes) {
      let largest = this.groups[0];
      for (const x of this.groups) if (x.bytes > largest.bytes) largest = x;
      if (largest.bytes === 0) break;
      const key = `${this.o.spoolPrefix}${this.groups.indexOf(largest)}-${this.pieces++}.gz`;
      largest.pieces.push({ key, lengths: largest.blocks.map((b) => b.length), shas: largest.shas });
      this.ready.push({ key, bytes: Buffer.concat(largest.blocks) });
      this.memory -= largest.bytes;
      largest.blocks = [];
      largest.shas = [];
      largest.bytes = 0;
    }
  }

  /** Uploads the spool objects made since the last call (through the bounded uploader). */
  async settle(): Promise<void> {
    while (this.ready.length > 0) {
      const { key, bytes } = this.ready.shift()!;
      await this.o.put(key, bytes);
    }
  }

  /** Ends the input: the pending blocks are packed, what waits to be spooled is uploaded. */
  private async finish(): Promise<void> {
    if (this.finished) return;
    for (const g of this.groups) {
      if (g.writer === undefined) continue;
      for (const block of g.writer.finish().chunks) this.keep(g, block);
      g.writer = undefined;
    }
    this.finished = true;
    await this.settle();
  }

  /**
   * Emits every row in the view's order: `emit` gets one reused array per row (copy what it
   * keeps); `afterGroup` runs after each group (the caller uploads the chunks it completed).
   * Spool objects are removed as their group is done.
   */
  async drain(emit: (values: readonly CellValue[]) => void, afterGroup: () => Promise<void>): Promise<void> {
    await this.finish();
    await this.o.uploaded();
    const values = new Array<CellValue>(this.width).fill(null);
    for (let gi = 0; gi < this.groups.length; gi++) {
      const g = this.groups[gi];
      if (g.rows === 0) continue;
      if (g.rows > this.maxGroupRows && this.bitOffset + this.bits < 64) {
        await this.split(gi, emit, afterGroup);
      } else {
        const n = g.rows;
        const index = new Array<number>(n);
        const data: CellValue[][] = Array.from({ length: this.width }, () => new Array<CellValue>(n));
        let at = 0;
        for await (const block of this.blocksOf(g)) {
          const m = block.index.length;
          for (let r = 0; r < m; r++) index[at + r] = block.index[r];
          for (let j = 0; j < this.width; j++) {
            const from = block.data[j];
            const to = data[j];
            for (let r = 0; r < m; r++) to[at + r] = from[r];
          }
          at += m;
        }
        if (at !== n) throw corrupt();
        const hi = new Uint32Array(n);
        const lo = new Uint32Array(n);
        this.o.tagger.tags(n, (j) => index[j], hi, lo);
        const order = tagOrder(hi, lo, index, n, this.bitOffset + this.bits);
        for (let p = 0; p < n; p++) {
          const r = order[p];
          for (let j = 0; j < this.width; j++) values[j] = data[j][r];
          emit(values);
        }
      }
      await afterGroup();
      await this.release(g);
    }
  }

  /** Forgets a group's rows once they were read; its spool objects are removed. */
  private async release(g: Group): Promise<void> {
    const keys = g.pieces.map((p) => p.key);
    g.pieces = [];
    g.blocks = [];
    g.shas = [];
    if (keys.length > 0) await this.o.store.remove(keys);
  }

  /** A group larger than planned: routed again by the next bits of the tag, through its own spool. */
  private async split(
    gi: number,
    emit: (values: readonly CellValue[]) => void,
    afterGroup: () => Promise<void>,
  ): Promise<void> {
    const g = this.groups[gi];
    const sub = new RowShuffler({
      ...this.o,
      spoolPrefix: `${this.o.spoolPrefix}${gi}/`,
      expectedRows: g.rows,
      bitOffset: this.bitOffset + this.bits,
    });
    let hi = new Uint32Array(0);
    let lo = new Uint32Array(0);
    const values = new Array<CellValue>(this.width).fill(null);
    for await (const block of this.blocksOf(g)) {
      const m = block.index.length;
      if (hi.length < m) {
        hi = new Uint32Array(m);
        lo = new Uint32Array(m);
      }
      this.o.tagger.tags(m, (j) => block.index[j], hi, lo);
      for (let r = 0; r < m; r++) {
        for (let j = 0; j < this.width; j++) values[j] = block.data[j][r];
        sub.pushTagged(block.index[r], hi[r], lo[r], values);
      }
      await sub.settle();
    }
    // The group's own spool is read: remove it before the sub-groups' rows are read back.
    await this.release(g);
    await sub.drain(emit, afterGroup);
  }

  /** The group's blocks in the order they were written: spooled pieces first, then those in memory. */
  private async *blocksOf(g: Group): AsyncGenerator<Block> {
    for (const piece of g.pieces) {
      const bytes = await this.o.store.get(piece.key);
      if (bytes === undefined)
        throw new ViewError(ViewErrorCode.VIEW_STORAGE_FAILED, 'a spooled part of the view is missing');
      let at = 0;
      for (let b = 0; b < piece.lengths.length; b++) {
        yield decodeBlock(bytes.subarray(at, at + piece.lengths[b]), piece.shas[b]);
        at += piece.lengths[b];
      }
      if (at !== bytes.length) throw corrupt();
    }
    const blocks = g.blocks;
    const shas = g.shas;
    for (let b = 0; b < blocks.length; b++) yield decodeBlock(blocks[b], shas[b]);
  }
}

const corrupt = () =>
  new ViewError(ViewErrorCode.VIEW_CORRUPT, 'a spooled part of the view does not match what was written');

/** Decodes a spool block (verified against its SHA-256) into row indexes and values. */
function decodeBlock(bytes: Buffer, sha256: string): Block {
  let data: CellValue[][];
  try {
    data = decodeChunkColumns(bytes, sha256).data;
  } catch (cause) {
    throw new ViewError(
      ViewErrorCode.VIEW_CORRUPT,
      'a spooled part of the view does not match what was written',
      {
        cause,
      },
    );
  }
  const deltas = data[0];
  const index = new Array<number>(deltas.length);
  let last = 0;
  for (let r = 0; r < deltas.length; r++) {
    last += deltas[r] as number;
    index[r] = last;
  }
  return { index, data: data.slice(1) };
}
