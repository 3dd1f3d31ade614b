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
 * that a group is ~{@link DEFAULT_GROUP_ROWS} rows), each group's rows are packed into blocks of
 * typed arrays (spool.ts), and when the blocks held in memory pass a byte budget the largest
 * group's blocks are gzipped and uploaded as one spool object under the view's prefix. Groups are
 * then read back in tag order, one at a time, sorted by tag in memory and emitted. A group larger
 * than expected (the row count was unknown or wrong) is split again by the next bits of the tag,
 * through a spool of its own: memory stays bounded whatever the hint, only time grows. A view
 * whose blocks fit the budget never touches the store for this.
 */
import { createCipheriv, createHash, hkdfSync, type Cipher } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { CellValue, ColumnDeclaration } from '@maxhub/formats';
import { assertMasterSecret } from '@maxhub/deidentification';
import { ViewError, ViewErrorCode } from './errors';
import {
  BlockBuilder,
  blockBytes,
  cellOf,
  type CellKind,
  Interner,
  kindOf,
  packBlocks,
  type SpoolBlock,
  unpackBlocks,
} from './spool';
import type { ViewStore } from './store';

/** Rows a group is sized for when the row count is known (one group is sorted in memory at a time). */
export const DEFAULT_GROUP_ROWS = 131_072;
/** Bytes of packed blocks held in memory before the largest group's blocks are spooled. */
export const DEFAULT_SPOOL_MEMORY_BYTES = 16 * 1024 * 1024;
/** Rows a group's block holds, spread over the groups (blocks are typed arrays: cheap to hold). */
const PENDING_ROWS = 262_144;
/** The fewest rows in a block. */
const MIN_BLOCK_ROWS = 256;
/** Spent blocks kept for their arrays. */
const POOL_BLOCKS = 64;
/** Most groups one level routes to (2^10). */
const MAX_GROUP_BITS = 10;
/** The least a spool object should hold on average: the group count is capped by the budget / this. */
const MIN_PIECE_BYTES = 128 * 1024;
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
  private view = new DataView(this.blocks.buffer);

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
    if (this.blocks.length < count * 16) {
      // Each block: "row1", 0, then the index as two big-endian 32-bit words (no two indexes
      // share a block); the first two words never change.
      this.blocks = Buffer.alloc(Math.max(count * 16, 2 * this.blocks.length));
      this.view = new DataView(this.blocks.buffer, this.blocks.byteOffset, this.blocks.byteLength);
      for (let at = 0; at < this.blocks.length; at += 16) this.view.setUint32(at, 0x726f7731);
    }
    const v = this.view;
    for (let j = 0; j < count; j++) {
      const i = index(j);
      v.setUint32(j * 16 + 8, Math.floor(i / 0x1_0000_0000));
      v.setUint32(j * 16 + 12, i >>> 0);
    }
    const out = this.cipher.update(this.blocks.subarray(0, count * 16));
    const o = new DataView(out.buffer, out.byteOffset, out.byteLength);
    for (let j = 0; j < count; j++) {
      hi[j] = o.getUint32(j * 16);
      lo[j] = o.getUint32(j * 16 + 4);
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
 * bits before it are the same for all of them), ties by the whole tag, then by position (rows
 * enter a group in raw order, so a tie of whole tags — 2^-64 — is broken by the row index).
 */
export function tagOrder(hi: Uint32Array, lo: Uint32Array, n: number, offset: number): Uint32Array {
  if (n > POSITION_SPAN) throw new RangeError('a group sorted in memory holds fewer than 2^20 rows');
  const packed = new Float64Array(n);
  for (let p = 0; p < n; p++) packed[p] = key32At(hi[p], lo[p], offset) * POSITION_SPAN + p;
  packed.sort();
  const order = new Uint32Array(n);
  for (let p = 0; p < n; p++) order[p] = packed[p] % POSITION_SPAN;
  // Equal 32-bit keys (about n² / 2^33 pairs): order those runs by the whole tag and the position.
  let start = 0;
  while (start < n) {
    const key = Math.floor(packed[start] / POSITION_SPAN);
    let end = start + 1;
    while (end < n && Math.floor(packed[end] / POSITION_SPAN) === key) end++;
    if (end - start > 1) {
      const run = Array.from(order.subarray(start, end));
      run.sort((a, b) => hi[a] - hi[b] || lo[a] - lo[b] || a - b);
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
  /** Packed bytes held in memory before spooling; default {@link DEFAULT_SPOOL_MEMORY_BYTES}. */
  memoryBytes?: number;
  /** The least a spool object should hold on average; default 128 KiB (caps the group count). */
  minPieceBytes?: number;
  /** gzip level of the spool objects; default 1. */
  gzipLevel?: number;
  /** Tag bits already used by the groups above this one (splitting an oversized group). */
  bitOffset?: number;
  /** The string table of the shuffler that split a group (its blocks' ids refer to it). */
  interner?: Interner;
}

/** A spool object and the SHA-256 of its bytes as uploaded. */
interface Piece {
  key: string;
  sha256: string;
}

/** One group of rows: the block being filled, its packed blocks in memory and its spooled pieces. */
interface Group {
  rows: number;
  builder: BlockBuilder | undefined;
  blocks: SpoolBlock[];
  bytes: number;
  pieces: Piece[];
}

/**
 * Puts rows into the view's row order with bounded memory (see the module comment). Use:
 * {@link beginRange} and {@link push} for each batch of the raw object, {@link settle} between
 * batches (uploads what was spooled), then {@link drain} once.
 */
export class RowShuffler {
  private readonly width: number;
  private readonly kinds: CellKind[];
  private readonly interner: Interner;
  private readonly bits: number;
  private readonly bitOffset: number;
  private readonly blockRows: number;
  private readonly groupRows: number;
  private readonly maxGroupRows: number;
  private readonly memoryBytes: number;
  private readonly groups: Group[];
  private memory = 0;
  private pieces = 0;
  /** Spent blocks whose arrays the builders fill again, and the buffer pieces are packed in. */
  private readonly pool: SpoolBlock[] = [];
  private scratch: Buffer = Buffer.alloc(0);
  private readonly ready: Array<{ key: string; bytes: Buffer }> = [];
  private rangeFirst = 0;
  private rangeHi = new Uint32Array(0);
  private rangeLo = new Uint32Array(0);
  private finished = false;

  constructor(private readonly o: RowShufflerOptions) {
    this.width = o.columns.length;
    this.kinds = o.columns.map((c) => kindOf(c.type));
    this.interner = o.interner ?? new Interner();
    this.memoryBytes = o.memoryBytes ?? DEFAULT_SPOOL_MEMORY_BYTES;
    this.bitOffset = o.bitOffset ?? 0;
    const expected = o.expectedRows ?? 0;
    const target = Math.max(1, o.groupRows ?? DEFAULT_GROUP_ROWS);
    // Enough groups for ~target rows each, but no more than keep a spool object near
    // MIN_PIECE_BYTES (the budget is shared by the groups): larger groups, fewer and larger PUTs.
    const wanted = Math.ceil(Math.log2(Math.max(1, expected / target)));
    const minPiece = Math.max(1, o.minPieceBytes ?? MIN_PIECE_BYTES);
    const byBudget = Math.max(0, Math.floor(Math.log2(Math.max(1, this.memoryBytes / minPiece))));
    this.bits = Math.max(0, Math.min(MAX_GROUP_BITS, wanted, byBudget, 64 - this.bitOffset));
    const groups = 2 ** this.bits;
    this.groupRows = Math.max(target, Math.ceil(expected / groups));
    this.maxGroupRows = Math.min(POSITION_SPAN, 2 * this.groupRows);
    this.blockRows = Math.max(MIN_BLOCK_ROWS, Math.ceil(Math.min(PENDING_ROWS, this.groupRows) / groups));
    this.groups = Array.from({ length: groups }, () => ({
      rows: 0,
      builder: undefined,
      blocks: [],
      bytes: 0,
      pieces: [],
    }));
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
    g.builder ??= new BlockBuilder(this.kinds, this.blockRows, this.interner, this.pool);
    g.rows++;
    if (g.builder.add(index, values)) this.keep(g, g.builder.take());
  }

  /** Holds a packed block in memory; past the byte budget, spools the largest group's blocks. */
  private keep(g: Group, block: SpoolBlock): void {
    const bytes = blockBytes(block, this.kinds);
    g.blocks.push(block);
    g.bytes += bytes;
    this.memory += bytes;
    while (this.memory > this.memoryBytes) {
      let largest = 0;
      for (let i = 1; i < this.groups.length; i++)
        if (this.groups[i].bytes > this.groups[largest].bytes) largest = i;
      const l = this.groups[largest];
      if (l.bytes === 0) break;
      const key = `${this.o.spoolPrefix}${largest}-${this.pieces++}.gz`;
      const plain = packBlocks(l.blocks, this.scratch);
      if (plain.length > this.scratch.length) this.scratch = plain;
      const packed = gzipSync(plain, { level: this.o.gzipLevel ?? 1 });
      // The spooled blocks' arrays are filled again by the builders.
      for (const b of l.blocks)
        if (b.rows === this.blockRows && this.pool.length < POOL_BLOCKS) this.pool.push(b);
      l.pieces.push({ key, sha256: createHash('sha256').update(packed).digest('hex') });
      this.ready.push({ key, bytes: packed });
      this.memory -= l.bytes;
      l.blocks = [];
      l.bytes = 0;
    }
  }

  /** Uploads the spool objects made since the last call (through the bounded uploader). */
  async settle(): Promise<void> {
    while (this.ready.length > 0) {
      const { key, bytes } = this.ready.shift()!;
      await this.o.put(key, bytes);
    }
  }

  /** Ends the input: the blocks being filled are kept, what waits to be spooled is uploaded. */
  private async finish(): Promise<void> {
    if (this.finished) return;
    for (const g of this.groups) {
      if (g.builder !== undefined && g.builder.rows > 0) this.keep(g, g.builder.take());
      g.builder = undefined;
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
    const { kinds, width } = this;
    const strings = this.interner.strings;
    for (let gi = 0; gi < this.groups.length; gi++) {
      const g = this.groups[gi];
      if (g.rows === 0) continue;
      if (g.rows > this.maxGroupRows && this.bitOffset + this.bits < 64) {
        await this.split(gi, emit, afterGroup);
      } else {
        // The group's blocks stay as they are; a row is found by its block and its place there.
        const n = g.rows;
        const index = new Float64Array(n);
        const blockOf = new Uint32Array(n);
        const rowOf = new Uint32Array(n);
        const blocks: SpoolBlock[] = [];
        let at = 0;
        for await (const block of this.blocksOf(g)) {
          const m = block.rows;
          if (at + m > n) throw corrupt();
          index.set(block.index, at);
          blockOf.fill(blocks.length, at, at + m);
          for (let r = 0; r < m; r++) rowOf[at + r] = r;
          blocks.push(block);
          at += m;
        }
        if (at !== n) throw corrupt();
        const hi = new Uint32Array(n);
        const lo = new Uint32Array(n);
        this.o.tagger.tags(n, (j) => index[j], hi, lo);
        const order = tagOrder(hi, lo, n, this.bitOffset + this.bits);
        for (let p = 0; p < n; p++) {
          const r = order[p];
          const block = blocks[blockOf[r]];
          const k = rowOf[r];
          for (let j = 0; j < width; j++) values[j] = cellOf(block, kinds, strings, k, j);
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
    g.bytes = 0;
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
      interner: this.interner,
    });
    const values = new Array<CellValue>(this.width).fill(null);
    const { kinds, width } = this;
    const strings = this.interner.strings;
    let hi = new Uint32Array(0);
    let lo = new Uint32Array(0);
    for await (const block of this.blocksOf(g)) {
      const m = block.rows;
      if (hi.length < m) {
        hi = new Uint32Array(m);
        lo = new Uint32Array(m);
      }
      this.o.tagger.tags(m, (j) => block.index[j], hi, lo);
      for (let r = 0; r < m; r++) {
        for (let j = 0; j < width; j++) values[j] = cellOf(block, kinds, strings, r, j);
        sub.pushTagged(block.index[r], hi[r], lo[r], values);
      }
      await sub.settle();
    }
    // The group's own spool is read: remove it before the sub-groups' rows are read back.
    await this.release(g);
    await sub.drain(emit, afterGroup);
  }

  /** The group's blocks in the order they were packed: spooled pieces first, then those in memory. */
  private async *blocksOf(g: Group): AsyncGenerator<SpoolBlock> {
    for (const piece of g.pieces) {
      const stored = await this.o.store.get(piece.key);
      if (stored === undefined)
        throw new ViewError(ViewErrorCode.VIEW_STORAGE_FAILED, 'a spooled part of the view is missing');
      if (createHash('sha256').update(stored).digest('hex') !== piece.sha256) throw corrupt();
      let blocks: SpoolBlock[];
      try {
        blocks = unpackBlocks(gunzipSync(stored), this.kinds);
      } catch (cause) {
        throw new ViewError(ViewErrorCode.VIEW_CORRUPT, 'a spooled part of the view cannot be read', {
          cause,
        });
      }
      yield* blocks;
    }
    yield* g.blocks;
  }
}

const corrupt = () =>
  new ViewError(ViewErrorCode.VIEW_CORRUPT, 'a spooled part of the view does not match what was written');
