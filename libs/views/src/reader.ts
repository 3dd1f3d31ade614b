/**
 * Reading a materialized view: the manifest once, then only the chunks a page needs (found by
 * binary search on row offsets), each verified against the SHA-256 the manifest lists, decoded
 * once and kept in a byte-bounded LRU shared by every reader of the process.
 */
import { chunkObjectName, decodeChunk, findChunk, type ChunkInfo, type Row } from '@maxhub/formats';
import { ViewError, ViewErrorCode } from './errors';
import { ByteLru } from './lru';
import { manifestKey, parseManifest, type ViewManifest } from './manifest';
import type { ViewStore } from './store';

/** Decoded chunk rows as the cache holds them. */
export type ChunkRows = readonly Row[];

/** Rough in-memory cost of a decoded chunk: per cell and per row overheads of V8 objects. */
export function decodedCost(info: ChunkInfo, columns: number): number {
  return info.rowCount * (64 + columns * 40) + info.byteSize;
}

/** Creates the process-wide chunk cache (default 256 MiB). */
export function createChunkCache(maxBytes = 256 * 1024 * 1024): ByteLru<ChunkRows> {
  return new ByteLru<ChunkRows>(maxBytes);
}

/** Reads one view. Cheap to create once the manifest is known. */
export class ViewReader {
  private constructor(
    private readonly store: ViewStore,
    readonly prefix: string,
    readonly manifest: ViewManifest,
    private readonly cache: ByteLru<ChunkRows>,
  ) {}

  /** Opens a view by reading its manifest; VIEW_NOT_FOUND when there is none. */
  static async open(store: ViewStore, prefix: string, cache: ByteLru<ChunkRows>): Promise<ViewReader> {
    const bytes = await store.get(manifestKey(prefix));
    if (bytes === undefined)
      throw new ViewError(ViewErrorCode.VIEW_NOT_FOUND, 'the view is not materialized');
    return new ViewReader(store, prefix, parseManifest(bytes), cache);
  }

  /** A reader over an already parsed manifest (the hub caches manifests of READY views). */
  static fromManifest(
    store: ViewStore,
    prefix: string,
    manifest: ViewManifest,
    cache: ByteLru<ChunkRows>,
  ): ViewReader {
    return new ViewReader(store, prefix, manifest, cache);
  }

  /** Rows in the view. */
  get rowCount(): number {
    return this.manifest.rowCount;
  }

  /** The rows of chunk `info`, verified and decoded (cached). */
  chunk(info: ChunkInfo): Promise<ChunkRows> {
    // Content-addressed: the same bytes are the same rows, whatever view they belong to.
    return this.cache.get(info.sha256, () => this.load(info));
  }

  /** The rows of chunk `info`, verified and decoded, without touching the cache (exports). */
  async chunkUncached(info: ChunkInfo): Promise<ChunkRows> {
    return this.cache.peek(info.sha256) ?? (await this.load(info)).value;
  }

  private async load(info: ChunkInfo): Promise<{ value: ChunkRows; cost: number }> {
    {
      const bytes = await this.store.get(
        `${this.prefix}${chunkObjectName(info.index, this.manifest.compression)}`,
      );
      if (bytes === undefined)
        throw new ViewError(ViewErrorCode.VIEW_NOT_FOUND, 'a chunk of the view is missing');
      let rows: Row[];
      try {
        const decoded = decodeChunk(bytes, info.sha256);
        if (decoded.firstRow !== info.firstRow || decoded.rows.length !== info.rowCount)
          throw new Error('chunk mismatch');
        rows = decoded.rows;
        // Cached rows are shared by every request that reads them (a page asking for every
        // column answers with them as they are): frozen, so that nothing can change one.
        for (const r of rows) Object.freeze(r);
      } catch (cause) {
        throw new ViewError(ViewErrorCode.VIEW_CORRUPT, 'a chunk of the view does not match its manifest', {
          cause,
        });
      }
      return { value: rows, cost: decodedCost(info, this.manifest.columns.length) };
    }
  }

  /** The chunk holding row `offset` and its rows, or undefined past the end. */
  async chunkAt(offset: number): Promise<{ info: ChunkInfo; rows: ChunkRows } | undefined> {
    const info = findChunk(this.manifest, offset);
    if (info === undefined) return undefined;
    return { info, rows: await this.chunk(info) };
  }

  /** Up to `count` rows from `offset` in natural order. */
  async rows(offset: number, count: number): Promise<Row[]> {
    const out: Row[] = [];
    let at = offset;
    while (out.length < count) {
      const c = await this.chunkAt(at);
      if (c === undefined) break;
      const from = at - c.info.firstRow;
      const take = Math.min(count - out.length, c.info.rowCount - from);
      for (let i = 0; i < take; i++) out.push(c.rows[from + i]);
      at += take;
    }
    return out;
  }

  /**
   * Every chunk from the one holding `offset`, in order. Exports pass `cache: false` so that one
   * whole-view stream does not evict the chunks interactive queries are using.
   */
  async *chunks(
    offset = 0,
    opts: { cache?: boolean } = {},
  ): AsyncGenerator<{ info: ChunkInfo; rows: ChunkRows }> {
    const cached = opts.cache ?? true;
    let c = findChunk(this.manifest, offset);
    while (c !== undefined) {
      yield { info: c, rows: cached ? await this.chunk(c) : await this.chunkUncached(c) };
      c = this.manifest.chunks[c.index + 1];
    }
  }
}
