/**
 * Slice queries over a view: a column subset, structured `where` predicates on the view's
 * (de-identified) output columns, an order, a page size and an opaque cursor.
 *
 * Order: natural (view) order is the default and is fast at any depth — the cursor is a row
 * offset, and a page is found by binary search over chunk offsets, so page 10,000 costs what
 * page 1 does. With `where`, a page scans forward from the cursor until it has `first` rows or
 * has scanned `scanBudgetRows` rows; then it returns what it has (possibly nothing) and a cursor
 * to continue — every call is bounded. `orderBy` on columns sorts the filtered view in memory,
 * so it is refused (SLICE_ORDER_BY_TOO_LARGE) for views above `orderByMaxRows`; ties are broken
 * by view order, so pages are stable.
 *
 * Cursor: base64url of {"o": offset, "q": first 32 hex of the query hash}. Offsets are not
 * secret (they are positions in what the caller may read anyway); the hash binds a cursor to the
 * query it was issued for (SLICE_CURSOR_INVALID when reused with another).
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { ColumnDeclaration, ColumnType, Row } from '@maxhub/formats';
import { compilePredicates, DeidentificationError, type RowPredicate } from '@maxhub/deidentification';
import { ViewError, ViewErrorCode } from './errors';
import type { ViewReader } from './reader';

/** One sort key. */
export interface SliceOrder {
  column: string;
  direction: 'ASC' | 'DESC';
}

/** What the caller asks. */
export interface SliceRequest {
  /** Output columns to return (all when omitted or empty). */
  columns?: readonly string[] | null;
  /** Structured predicates (AND) on output columns. */
  where?: readonly unknown[] | null;
  orderBy?: readonly SliceOrder[] | null;
  first: number;
  after?: string | null;
}

/** Bounds the caller cannot change. */
export interface SliceLimits {
  /** Largest page: min(grant rows per query, hub hard cap). */
  maxFirst: number;
  /** Views larger than this refuse `orderBy` on a column. */
  orderByMaxRows: number;
  /** Rows one call may scan when filtering. */
  scanBudgetRows: number;
}

/** What the query is about (part of its hash, so cursors do not cross grants or versions). */
export interface SliceScope {
  grantId: string;
  datasetId: string;
  datasetVersionId: string;
}

/** A checked, normalized query. */
export interface CompiledSlice {
  columns: ColumnDeclaration[];
  predicate: RowPredicate | null;
  orderBy: SliceOrder[];
  first: number;
  /** Offset to start at (natural order: row offset; sorted: position in the sorted result). */
  start: number;
  /** SHA-256 (hex) of the normalized query without paging: what cursors are bound to. */
  queryHash: string;
  /** SHA-256 (hex) of the normalized query with `first` and the start offset: what the audit records. */
  pageHash: string;
}

/** One page. */
export interface SlicePage {
  rows: Row[];
  /** Cursor of the next page, or null at the end. */
  nextCursor: string | null;
  /** Rows looked at to build the page. */
  rowsScanned: number;
}

const CURSOR = /^[A-Za-z0-9_-]{1,200}$/;

/**
 * Most predicates an analyst's `where` may hold. Every scanned row is tested against each, so
 * with the scan budget this bounds the work of one call (32 × SLICE_SCAN_BUDGET_ROWS tests);
 * 100,000 predicates used to hold the event loop for seconds.
 */
export const MAX_WHERE_PREDICATES = 32;

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** Encodes a cursor for `offset` under a query hash. */
export function encodeCursor(offset: number, queryHash: string): string {
  return Buffer.from(JSON.stringify({ o: offset, q: queryHash.slice(0, 32) }), 'utf8').toString('base64url');
}

/** Decodes a cursor; SLICE_CURSOR_INVALID unless it was issued for this query. */
export function decodeCursor(cursor: string, queryHash: string): number {
  const bad = () =>
    new ViewError(ViewErrorCode.SLICE_CURSOR_INVALID, 'the cursor was not issued for this query');
  if (!CURSOR.test(cursor)) throw bad();
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const c = v as { o?: unknown; q?: unknown };
  if (
    typeof v !== 'object' ||
    v === null ||
    !Number.isSafeInteger(c.o) ||
    (c.o as number) < 0 ||
    c.q !== queryHash.slice(0, 32) ||
    Object.keys(v).length !== 2
  )
    throw bad();
  return c.o as number;
}

/**
 * Checks a request against the view's output columns and the limits, and normalizes it.
 * Refusals name the offending column (the caller's own input, a column name, never a value).
 */
export function compileSlice(
  viewColumns: readonly ColumnDeclaration[],
  req: SliceRequest,
  limits: SliceLimits,
  scope: SliceScope,
  rowCount: number,
): CompiledSlice {
  const whereCount = req.where?.length ?? 0;
  if (whereCount > MAX_WHERE_PREDICATES) {
    throw new ViewError(
      ViewErrorCode.SLICE_FILTER_TOO_LARGE,
      `where has ${whereCount} predicates; at most ${MAX_WHERE_PREDICATES} are allowed`,
    );
  }
  const types = new Map<string, ColumnType>(viewColumns.map((c) => [c.name, c.type]));
  const asked = req.columns && req.columns.length > 0 ? [...req.columns] : viewColumns.map((c) => c.name);
  const seen = new Set<string>();
  for (const name of asked) {
    if (!types.has(name))
      throw new ViewError(
        ViewErrorCode.SLICE_COLUMN_NOT_GRANTED,
        `column "${clip(name)}" is not an output column of this grant`,
      );
    if (seen.has(name))
      throw new ViewError(ViewErrorCode.SLICE_COLUMN_NOT_GRANTED, `column "${clip(name)}" is asked twice`);
    seen.add(name);
  }
  const columns = asked.map((name) => ({ name, type: types.get(name)! }));

  if (!Number.isInteger(req.first) || req.first < 1 || req.first > limits.maxFirst) {
    throw new ViewError(ViewErrorCode.SLICE_PAGE_TOO_LARGE, `first must be between 1 and ${limits.maxFirst}`);
  }

  const where = req.where ?? [];
  for (const p of where) {
    const column = (p as { column?: unknown } | null)?.column;
    if (typeof column === 'string' && !types.has(column)) {
      throw new ViewError(
        ViewErrorCode.SLICE_FILTER_COLUMN_NOT_GRANTED,
        `a filter names column "${clip(column)}", which is not an output column of this grant`,
      );
    }
  }
  let predicate: RowPredicate | null = null;
  if (where.length > 0) {
    try {
      predicate = compilePredicates(where, Object.fromEntries(types), {
        maxPredicates: MAX_WHERE_PREDICATES,
      });
    } catch (err) {
      if (err instanceof DeidentificationError)
        throw new ViewError(ViewErrorCode.SLICE_FILTER_INVALID, err.message, { cause: err });
      throw err;
    }
  }

  const orderBy = [...(req.orderBy ?? [])];
  const sortSeen = new Set<string>();
  for (const o of orderBy) {
    if (!types.has(o.column) || sortSeen.has(o.column) || (o.direction !== 'ASC' && o.direction !== 'DESC'))
      throw new ViewError(
        ViewErrorCode.SLICE_ORDER_BY_INVALID,
        `orderBy on "${clip(o.column)}" is not allowed`,
      );
    sortSeen.add(o.column);
  }
  if (orderBy.length > 0 && rowCount > limits.orderByMaxRows) {
    throw new ViewError(
      ViewErrorCode.SLICE_ORDER_BY_TOO_LARGE,
      `orderBy on a column is available for views of at most ${limits.orderByMaxRows} rows; this one has ${rowCount}: page in view order and sort on your side`,
    );
  }

  // Normalized: predicates as parsed JSON in the given order (AND is order-insensitive, but the
  // hash only needs to be stable for one caller's repeated query), columns in asked order.
  const normalized = { v: 1, ...scope, columns: asked, where, orderBy };
  const text = canonicalize(normalized);
  if (text === undefined)
    throw new ViewError(ViewErrorCode.SLICE_FILTER_INVALID, 'the filter is not serializable');
  const queryHash = sha256(text);
  const start = req.after ? decodeCursor(req.after, queryHash) : 0;
  const pageHash = sha256(`${text}\n${req.first}\n${start}`);
  return { columns, predicate, orderBy, first: req.first, start, queryHash, pageHash };
}

function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}

function project(row: Row, columns: readonly ColumnDeclaration[]): Row {
  const out: Row = {};
  for (const c of columns) out[c.name] = row[c.name] ?? null;
  return out;
}

/**
 * The projection of a view's rows onto the asked columns. A decoded chunk row holds every output
 * column of the view, in the view's order, each a JSON value (never undefined): when the asked
 * columns are exactly those, in that order (the default, no `columns` argument), the row itself
 * is the answer — shared with the chunk cache, which nothing downstream mutates — instead of a
 * copy of every row of every page.
 */
function projection(sample: Row | undefined, columns: readonly ColumnDeclaration[]): (row: Row) => Row {
  if (sample !== undefined) {
    const keys = Object.keys(sample);
    if (keys.length === columns.length && keys.every((k, i) => k === columns[i].name)) return (row) => row;
  }
  return (row) => project(row, columns);
}

function compareCells(a: Row[string] | undefined, b: Row[string] | undefined): number {
  const an = a === null || a === undefined;
  const bn = b === null || b === undefined;
  if (an || bn) return an && bn ? 0 : an ? 1 : -1; // nulls last
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Runs a compiled slice on a view. */
export async function runSlice(
  reader: ViewReader,
  q: CompiledSlice,
  limits: SliceLimits,
): Promise<SlicePage> {
  return q.orderBy.length > 0 ? sorted(reader, q) : natural(reader, q, limits);
}

async function natural(reader: ViewReader, q: CompiledSlice, limits: SliceLimits): Promise<SlicePage> {
  const rows: Row[] = [];
  let at = q.start;
  let scanned = 0;
  if (q.predicate === null) {
    const page = await reader.rows(at, q.first);
    const as = projection(page[0], q.columns);
    for (const r of page) rows.push(as(r));
    at += rows.length;
    scanned = rows.length;
  } else {
    const test = q.predicate;
    outer: for await (const { info, rows: chunk } of reader.chunks(at)) {
      for (let i = at - info.firstRow; i < chunk.length; i++) {
        if (rows.length === q.first || scanned >= limits.scanBudgetRows) break outer;
        scanned++;
        at = info.firstRow + i + 1;
        if (test(chunk[i])) rows.push(project(chunk[i], q.columns));
      }
    }
  }
  return {
    rows,
    nextCursor: at < reader.rowCount ? encodeCursor(at, q.queryHash) : null,
    rowsScanned: scanned,
  };
}

async function sorted(reader: ViewReader, q: CompiledSlice): Promise<SlicePage> {
  const all: Row[] = [];
  for await (const { rows } of reader.chunks(0)) {
    for (const r of rows) if (q.predicate === null || q.predicate(r)) all.push(r);
  }
  const keys = q.orderBy;
  // Array.prototype.sort is stable: ties keep view order.
  all.sort((a, b) => {
    for (const k of keys) {
      const c = compareCells(a[k.column], b[k.column]);
      if (c !== 0) return k.direction === 'ASC' ? c : -c;
    }
    return 0;
  });
  const page = all.slice(q.start, q.start + q.first).map((r) => project(r, q.columns));
  const next = q.start + page.length;
  return {
    rows: page,
    nextCursor: next < all.length ? encodeCursor(next, q.queryHash) : null,
    rowsScanned: reader.rowCount,
  };
}
