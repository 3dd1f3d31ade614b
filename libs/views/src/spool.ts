/**
 * The row shuffler's blocks (row-order.ts): rows packed column by column into typed arrays, so
 * that holding, spooling and reading back a row costs a few typed-array writes and reads instead
 * of JSON. A text cell is the 2-byte id of its string in a bounded table kept for the whole
 * materialization (views are mostly pseudonyms of a few hundred people, hours, plant and line
 * codes: the same strings over and over), so reading a block back builds no string; a number is
 * a float64; a boolean a byte. What these cannot hold — a string past the table's bound, a value
 * of another type than its column's, a non-finite number — is kept beside the block, exactly.
 * Blocks live only as long as one materialization, in its process and its spool objects.
 */
import type { CellValue, ColumnType } from '@maxhub/formats';

/** How a column's cells are packed. */
export type CellKind = 'string' | 'number' | 'boolean';

/** The packing of a column of `type`. */
export function kindOf(type: ColumnType): CellKind {
  switch (type) {
    case 'integer':
    case 'decimal':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'string':
    case 'timestamp':
    case 'date':
      return 'string';
  }
}

/** Bytes a cell of each kind takes in a block. */
const CELL_BYTES: Record<CellKind, number> = { string: 2, number: 8, boolean: 1 };

/** Strings the table holds at most (ids fit 16 bits), and the longest it takes (~100 bytes an entry: a few MB). */
const MAX_STRINGS = 65_534;
const MAX_STRING_LENGTH = 256;

/** The bounded table of strings behind the text cells' ids. */
export class Interner {
  private readonly ids = new Map<string, number>();
  readonly strings: string[] = [];

  /** Per column, the last string asked for and its id: runs of one value (rows come in raw order) skip the map. */
  private readonly lastString: unknown[] = [];
  private readonly lastId: number[] = [];

  /** The id of `s` (a cell of `column`), added while there is room; -1 when the table is full or `s` too long. */
  id(s: string, column: number): number {
    if (this.lastString[column] === s) return this.lastId[column];
    const id = this.lookup(s);
    this.lastString[column] = s;
    this.lastId[column] = id;
    return id;
  }

  private lookup(s: string): number {
    const known = this.ids.get(s);
    if (known !== undefined) return known;
    if (this.strings.length >= MAX_STRINGS || s.length > MAX_STRING_LENGTH) return -1;
    const id = this.strings.length;
    this.strings.push(s);
    this.ids.set(s, id);
    return id;
  }
}

// Text cells: 0 is null, id + 1 a string of the table, OTHER a cell kept beside the block.
const STRING_OTHER = 0xffff;
// Number cells: NaN is null, -Infinity a cell kept beside the block (a real NaN or ±Infinity too).
// Boolean cells: 0 null, 1 false, 2 true, 3 a cell kept beside the block.
const BOOLEAN_OTHER = 3;

type Column = Uint16Array | Float64Array | Uint8Array;

/** A packed block: the rows' indexes in the raw object and their cells by column. */
export interface SpoolBlock {
  rows: number;
  index: Float64Array;
  columns: Column[];
  /** Cells the columns cannot hold, by `row * width + column`. */
  others: Map<number, CellValue>;
}

function allocate(kind: CellKind, n: number): Column {
  return kind === 'string' ? new Uint16Array(n) : kind === 'number' ? new Float64Array(n) : new Uint8Array(n);
}

/** Packs rows into blocks of `capacity` rows. */
export class BlockBuilder {
  private index: Float64Array;
  private columns: Column[];
  private others = new Map<number, CellValue>();
  private n = 0;

  /**
   * `pool` holds spent blocks of this capacity whose arrays may be filled again (a block's arrays
   * are garbage once spooled: reusing them keeps a long materialization from churning through
   * hundreds of MB of typed arrays that only a major GC frees).
   */
  constructor(
    private readonly kinds: readonly CellKind[],
    private readonly capacity: number,
    private readonly interner: Interner,
    private readonly pool: SpoolBlock[] = [],
  ) {
    this.index = new Float64Array(capacity);
    this.columns = kinds.map((k) => allocate(k, capacity));
  }

  /** Rows in the block being filled. */
  get rows(): number {
    return this.n;
  }

  /** Adds the row of raw index `index` (`values` is read, not kept); true when the block is full. */
  add(index: number, values: readonly CellValue[]): boolean {
    const r = this.n;
    const width = this.kinds.length;
    this.index[r] = index;
    for (let j = 0; j < width; j++) {
      const v = values[j];
      const column = this.columns[j];
      switch (this.kinds[j]) {
        case 'string':
          if (v === null || v === undefined) column[r] = 0;
          else {
            const id = typeof v === 'string' ? this.interner.id(v, j) : -1;
            if (id >= 0) column[r] = id + 1;
            else {
              column[r] = STRING_OTHER;
              this.others.set(r * width + j, v);
            }
          }
          break;
        case 'number':
          if (v === null || v === undefined) column[r] = NaN;
          else if (typeof v === 'number' && Number.isFinite(v) && !Object.is(v, -0)) column[r] = v;
          else {
            column[r] = -Infinity;
            this.others.set(r * width + j, v);
          }
          break;
        case 'boolean':
          if (v === null || v === undefined) column[r] = 0;
          else if (typeof v === 'boolean') column[r] = v ? 2 : 1;
          else {
            column[r] = BOOLEAN_OTHER;
            this.others.set(r * width + j, v);
          }
          break;
      }
    }
    return ++this.n === this.capacity;
  }

  /** The rows added since the last call, as a block; the builder starts a new one. */
  take(): SpoolBlock {
    const n = this.n;
    const full = n === this.capacity;
    const block: SpoolBlock = {
      rows: n,
      index: full ? this.index : this.index.slice(0, n),
      columns: full ? this.columns : this.columns.map((c) => c.slice(0, n)),
      others: this.others,
    };
    const reuse = this.pool.pop();
    this.index = reuse?.index ?? new Float64Array(this.capacity);
    this.columns = reuse?.columns ?? this.kinds.map((k) => allocate(k, this.capacity));
    this.others = new Map();
    this.n = 0;
    return block;
  }
}

/** Bytes a block holds (a rough count for the cells kept beside it). */
export function blockBytes(block: SpoolBlock, kinds: readonly CellKind[]): number {
  let perRow = 8; // the row index
  for (const k of kinds) perRow += CELL_BYTES[k];
  return block.rows * perRow + block.others.size * 64;
}

/** Reads cell (`row`, `column`) of a block. */
export function cellOf(
  block: SpoolBlock,
  kinds: readonly CellKind[],
  strings: readonly string[],
  row: number,
  column: number,
): CellValue {
  const c = block.columns[column];
  const v = c[row];
  switch (kinds[column]) {
    case 'string':
      if (v === 0) return null;
      return v === STRING_OTHER ? (block.others.get(row * kinds.length + column) ?? null) : strings[v - 1];
    case 'number':
      if (v !== v) return null;
      return v === -Infinity ? (block.others.get(row * kinds.length + column) ?? null) : v;
    case 'boolean':
      if (v === 0) return null;
      return v === BOOLEAN_OTHER ? (block.others.get(row * kinds.length + column) ?? null) : v === 2;
  }
}

/** A cell kept beside a block, as JSON can hold it (non-finite numbers and -0 by name). */
type Other =
  | [cell: number, value: string | number | boolean | null]
  | [cell: number, special: 'NaN' | 'Inf' | '-Inf' | '-0', _: 0];

function encodeOther(cell: number, v: CellValue): Other {
  if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)))
    return [cell, v !== v ? 'NaN' : v === Infinity ? 'Inf' : v === -Infinity ? '-Inf' : '-0', 0];
  return [cell, v];
}

const SPECIAL: Record<string, number> = { NaN: NaN, Inf: Infinity, '-Inf': -Infinity, '-0': -0 };

function decodeOther(o: Other): [number, CellValue] {
  return o.length === 3 ? [o[0], SPECIAL[o[1]]] : [o[0], o[1]];
}

/**
 * Serializes blocks one after the other: per block a 4-byte row count, a 4-byte length and the
 * JSON of its other cells, padding to 8 bytes, then the row indexes and each column (each padded
 * to 8). Written into `scratch` when it is large enough (the result is then a view of it).
 */
export function packBlocks(blocks: readonly SpoolBlock[], scratch?: Buffer): Buffer {
  const pad = (n: number) => n + ((8 - (n % 8)) % 8);
  const others = blocks.map((b) =>
    Buffer.from(JSON.stringify([...b.others].map(([c, v]) => encodeOther(c, v))), 'utf8'),
  );
  let size = 0;
  blocks.forEach((b, i) => {
    size += 8 + pad(others[i].length);
    for (const a of [b.index, ...b.columns]) size += pad(a.byteLength);
  });
  const out =
    scratch !== undefined && scratch.length >= size ? scratch.subarray(0, size) : Buffer.alloc(size);
  out.fill(0);
  let at = 0;
  blocks.forEach((b, i) => {
    out.writeUInt32LE(b.rows, at);
    out.writeUInt32LE(others[i].length, at + 4);
    others[i].copy(out, at + 8);
    at += 8 + pad(others[i].length);
    for (const a of [b.index, ...b.columns]) {
      out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
      at += pad(a.byteLength);
    }
  });
  return out;
}

/**
 * The blocks of {@link packBlocks}' bytes; throws on bytes it did not write. The blocks' arrays
 * are views of `bytes` when it is 8-byte aligned (it must then not be reused), copies otherwise.
 */
export function unpackBlocks(bytes: Buffer, kinds: readonly CellKind[]): SpoolBlock[] {
  const blocks: SpoolBlock[] = [];
  const aligned = bytes.byteOffset % 8 === 0;
  let at = 0;
  const take = (n: number): number => {
    if (at + n > bytes.length) throw new Error('truncated block');
    const start = at;
    at += n + ((8 - (n % 8)) % 8);
    return start;
  };
  function array<T extends Column>(
    make: new (b: ArrayBuffer, o: number, n: number) => T,
    copy: new (n: number) => T,
    n: number,
    per: number,
  ): T {
    const start = take(n * per);
    if (aligned) return new make(bytes.buffer as ArrayBuffer, bytes.byteOffset + start, n);
    const out = new copy(n);
    bytes.copy(Buffer.from(out.buffer, out.byteOffset, out.byteLength), 0, start, start + n * per);
    return out;
  }
  while (at < bytes.length) {
    const start = take(8);
    const rows = bytes.readUInt32LE(start);
    const length = bytes.readUInt32LE(start + 4);
    const o = take(length);
    const others = JSON.parse(bytes.toString('utf8', o, o + length)) as Other[];
    if (!Array.isArray(others)) throw new Error('not a block');
    const index = array(Float64Array, Float64Array, rows, 8);
    const columns = kinds.map((k): Column =>
      k === 'string'
        ? array(Uint16Array, Uint16Array, rows, 2)
        : k === 'number'
          ? array(Float64Array, Float64Array, rows, 8)
          : array(Uint8Array, Uint8Array, rows, 1),
    );
    blocks.push({ rows, index, columns, others: new Map(others.map(decodeOther)) });
  }
  return blocks;
}
