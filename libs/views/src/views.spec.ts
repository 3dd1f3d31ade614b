import fc from 'fast-check';
import { encodeClassKey } from '@maxhub/deidentification';
import { readColumns, type Row } from '@maxhub/formats';
import { ViewError, ViewErrorCode } from './errors';
import { ByteLru } from './lru';
import { manifestKey } from './manifest';
import { deleteView, materializeView, type RawColumn } from './materialize';
import { createChunkCache, ViewReader } from './reader';
import {
  compileSlice,
  decodeCursor,
  encodeCursor,
  MAX_WHERE_PREDICATES,
  runSlice,
  type SliceLimits,
} from './slice';
import { memoryStore } from './store';
import { Readable } from 'node:stream';

const SECRET = Buffer.alloc(32, 7);
const columns: RawColumn[] = [
  { name: 'serial', type: 'string', class: 'DIRECT_IDENTIFIER' },
  { name: 'line', type: 'string', class: 'QUASI_IDENTIFIER' },
  { name: 'shift', type: 'string', class: 'QUASI_IDENTIFIER' },
  { name: 'current', type: 'decimal', class: 'TRADE_SECRET' },
  { name: 'recipe', type: 'string', class: 'TRADE_SECRET' },
  { name: 'defect', type: 'boolean', class: 'SENSITIVE' },
];
const granted = {
  columns: [
    { name: 'serial', transform: { kind: 'pseudonymize' } },
    { name: 'line', transform: { kind: 'keep' } },
    { name: 'shift', transform: { kind: 'keep' } },
    { name: 'current', transform: { kind: 'keep' } },
    { name: 'defect', transform: { kind: 'keep' } },
  ],
};

function rawRows(n: number): Row[] {
  return Array.from({ length: n }, (_, i) => ({
    serial: `CANARY-SN-${i}`,
    line: `L${i % 4}`,
    shift: i % 97 === 0 ? 'RARE' : ['A', 'B', 'C'][i % 3],
    current: 200 + (i % 50),
    recipe: `CANARY-RECIPE-${i}`,
    defect: i % 10 === 0,
  }));
}

function source(rows: Row[], batch = 333) {
  return async function* () {
    for (let i = 0; i < rows.length; i += batch) {
      await Promise.resolve();
      yield rows.slice(i, i + batch);
    }
  };
}

const limits: SliceLimits = { maxFirst: 1000, orderByMaxRows: 100_000, scanBudgetRows: 1_000_000 };
const scope = { grantId: 'g1', datasetId: 'd1', datasetVersionId: 'v1' };

async function setup(n = 2500, extra: object = {}) {
  const store = memoryStore();
  const prefix = 'shares/g1/v1/';
  const manifest = await materializeView({
    store,
    prefix,
    grantId: 'g1',
    masterSecret: SECRET,
    datasetColumns: columns,
    granted: { ...granted, ...extra },
    openRows: source(rawRows(n)),
    chunkRows: 100,
  });
  const reader = await ViewReader.open(store, prefix, createChunkCache(1 << 20));
  return { store, prefix, manifest, reader };
}

describe('materializeView', () => {
  it('writes chunks and a manifest, with dropped columns absent and identifiers pseudonymized', async () => {
    const { store, manifest, reader } = await setup();
    expect(manifest.rowCount).toBe(2500);
    expect(manifest.columns.map((c) => c.name)).toEqual(['serial', 'line', 'shift', 'current', 'defect']);
    expect(manifest.chunks).toHaveLength(25);
    const all = [...store.objects.values()].map((b) => b.toString('latin1')).join('');
    expect(all).not.toContain('CANARY');
    const rows = await reader.rows(0, 3);
    expect(rows[0].serial).toMatch(/^ps_[0-9a-f]+$/);
  });

  it('suppresses classes smaller than k and reports the counts and risk', async () => {
    const { manifest, reader } = await setup(2500, {
      rowFilter: [{ column: 'line', op: 'ne', value: 'L3' }],
      kAnonymity: { k: 30, quasiIdentifiers: ['line', 'shift'], suppressionLimit: 0.05 },
    });
    const s = manifest.view.summary;
    expect(s.rowsIn).toBe(2500);
    expect(s.rowsFiltered).toBe(625);
    expect(s.rowsSuppressed).toBeGreaterThan(0);
    expect(s.rowsOut + s.rowsSuppressed + s.rowsFiltered).toBe(2500);
    expect(s.risk?.k).toBe(30);
    const classes = new Map<string, number>();
    for await (const { rows } of reader.chunks()) {
      for (const r of rows) {
        const key = encodeClassKey([r.line, r.shift]);
        classes.set(key, (classes.get(key) ?? 0) + 1);
      }
    }
    for (const size of classes.values()) expect(size).toBeGreaterThanOrEqual(30);
  });

  it('openColumns over a CSV (projected passes, two-pass path) writes the same view as openRows', async () => {
    const n = 2500;
    const rows = rawRows(n);
    const csv =
      columns.map((c) => c.name).join(',') +
      '\n' +
      rows.map((r) => columns.map((c) => String(r[c.name])).join(',')).join('\n') +
      '\n';
    const extra = {
      rowFilter: [{ column: 'line', op: 'ne', value: 'L3' }],
      kAnonymity: { k: 30, quasiIdentifiers: ['line', 'shift'], suppressionLimit: 0.05 },
    };
    const { store: a, manifest: ma } = await setup(n, extra);
    const b = memoryStore();
    const selects: string[][] = [];
    const mb = await materializeView({
      store: b,
      prefix: 'shares/g1/v1/',
      grantId: 'g1',
      masterSecret: SECRET,
      datasetColumns: columns,
      granted: { ...granted, ...extra },
      chunkRows: 100,
      passes: 2,
      openColumns: (select) => {
        selects.push([...select]);
        return readColumns({ format: 'CSV', source: Readable.from([csv]), columns, select, batchSize: 128 });
      },
    });
    expect([...selects[0]].sort()).toEqual(['line', 'shift']); // pass 1: QIs and filter columns only
    expect(selects[1]).not.toContain('recipe');
    expect(mb.chunks).toEqual(ma.chunks);
    expect(mb.view.summary).toEqual({ ...ma.view.summary, millis: mb.view.summary.millis });
    expect([...b.objects.keys()].sort()).toEqual([...a.objects.keys()].sort());
  });

  it('reads the object once with k-anonymity, and writes what the two-pass path writes', async () => {
    const n = 2500;
    const csv =
      columns.map((c) => c.name).join(',') +
      '\n' +
      rawRows(n)
        .map((r) => columns.map((c) => String(r[c.name])).join(','))
        .join('\n') +
      '\n';
    const extra = {
      rowFilter: [{ column: 'line', op: 'ne', value: 'L3' }],
      kAnonymity: { k: 30, quasiIdentifiers: ['line', 'shift'], suppressionLimit: 0.05 },
    };
    const run = async (passes: 1 | 2) => {
      const store = memoryStore();
      const selects: string[][] = [];
      const manifest = await materializeView({
        store,
        prefix: 'shares/g1/v1/',
        grantId: 'g1',
        masterSecret: SECRET,
        datasetColumns: columns,
        granted: { ...granted, ...extra },
        chunkRows: 100,
        passes,
        openColumns: (select, prefilter) => {
          selects.push([...select]);
          // The grant's row filter types the other columns only in the rows it keeps.
          if (passes === 1) expect(prefilter?.columns).toEqual(['line']);
          return readColumns({
            format: 'CSV',
            source: Readable.from([csv]),
            columns,
            select,
            prefilter,
            batchSize: 128,
          });
        },
      });
      return { store, manifest, selects };
    };
    const one = await run(1);
    const two = await run(2);
    expect(one.selects).toHaveLength(1);
    expect(one.selects[0]).not.toContain('recipe');
    // Rare shifts sit in nearly every chunk: the suppression rewrites most of the view.
    expect(one.manifest.view.summary.rowsSuppressed).toBeGreaterThan(0);
    expect(one.manifest.chunks).toEqual(two.manifest.chunks);
    expect(one.manifest.view.summary).toEqual({
      ...two.manifest.view.summary,
      millis: one.manifest.view.summary.millis,
    });
    expect([...one.store.objects.keys()].sort()).toEqual([...two.store.objects.keys()].sort());
  });

  it('single pass: every class keeps k rows, row numbers stay contiguous, and the view equals the two-pass one (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 900 }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 2, max: 12 }),
        fc.array(fc.integer({ min: 0, max: 899 }), { maxLength: 12 }),
        async (n, chunkRows, k, rare) => {
          const rows = rawRows(n);
          // Rows made unique on their class, scattered over several chunks.
          for (const at of rare) if (at < n) rows[at] = { ...rows[at], shift: `U${at}` };
          const materialize = async (passes: 1 | 2) => {
            const store = memoryStore();
            const prefix = 'shares/g1/v1/';
            try {
              const manifest = await materializeView({
                store,
                prefix,
                grantId: 'g1',
                masterSecret: SECRET,
                datasetColumns: columns,
                granted: {
                  ...granted,
                  kAnonymity: { k, quasiIdentifiers: ['line', 'shift'], suppressionLimit: 0.5 },
                },
                openRows: source(rows, 37),
                chunkRows,
                passes,
              });
              return { store, prefix, manifest };
            } catch (e) {
              return { store, prefix, error: (e as { code?: string }).code };
            }
          };
          const one = await materialize(1);
          const two = await materialize(2);
          expect(one.error).toEqual(two.error);
          if (one.manifest === undefined || two.manifest === undefined) {
            expect(one.store.objects.size).toBe(0);
            return;
          }
          expect(one.manifest.chunks).toEqual(two.manifest.chunks);
          expect(one.manifest.view.summary).toEqual({
            ...two.manifest.view.summary,
            millis: one.manifest.view.summary.millis,
          });
          expect([...one.store.objects.keys()].sort()).toEqual([...two.store.objects.keys()].sort());
          const reader = await ViewReader.open(one.store, one.prefix, createChunkCache(1 << 22));
          const classes = new Map<string, number>();
          let seen = 0;
          for await (const { rows: part } of reader.chunks()) {
            for (const r of part) {
              const key = encodeClassKey([r.line, r.shift]);
              classes.set(key, (classes.get(key) ?? 0) + 1);
              seen++;
            }
          }
          expect(seen).toBe(one.manifest.rowCount);
          for (const size of classes.values()) expect(size).toBeGreaterThanOrEqual(k);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('single pass: leaves the rows of small classes out as the chunks are written, each chunk put once', async () => {
    const rows = rawRows(1000).map((r) => ({ ...r, shift: 'A' }));
    rows[640] = { ...rows[640], shift: 'ALONE' };
    rows[910] = { ...rows[910], shift: 'ALSO-ALONE' };
    const store = memoryStore();
    const puts: string[] = [];
    const put = store.put.bind(store);
    store.put = (key, bytes) => {
      puts.push(key);
      return put(key, bytes);
    };
    const manifest = await materializeView({
      store,
      prefix: 'shares/g1/v1/',
      grantId: 'g1',
      masterSecret: SECRET,
      datasetColumns: columns,
      granted: {
        ...granted,
        kAnonymity: { k: 5, quasiIdentifiers: ['line', 'shift'], suppressionLimit: 0.01 },
      },
      openRows: source(rows),
      chunkRows: 100,
    });
    expect(manifest.rowCount).toBe(998);
    expect(manifest.view.summary.rowsSuppressed).toBe(2);
    expect(manifest.chunks.map((c) => c.rowCount)).toEqual([100, 100, 100, 100, 100, 100, 100, 100, 100, 98]);
    // A view this small is ordered in memory: its ten chunks, then the manifest, nothing rewritten.
    expect(puts.map((k) => k.replace('shares/g1/v1/', ''))).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `chunk-00000${i}.json.gz`),
      'index.json',
    ]);
    expect(await store.list('shares/g1/v1/')).toHaveLength(11);
    const reader = await ViewReader.open(store, 'shares/g1/v1/', createChunkCache(1 << 22));
    const all = await reader.rows(0, 2000);
    expect(all).toHaveLength(998);
    expect(all.some((r) => String(r.shift).includes('ALONE'))).toBe(false);
  });

  it('single pass: a release over the suppression limit leaves neither a manifest nor staged chunks', async () => {
    const store = memoryStore();
    const rows = rawRows(1000).map((r, i) => (i % 9 === 0 ? { ...r, shift: `U${i}` } : r));
    await expect(
      materializeView({
        store,
        prefix: 'shares/g1/v1/',
        grantId: 'g1',
        masterSecret: SECRET,
        datasetColumns: columns,
        granted: {
          ...granted,
          kAnonymity: { k: 3, quasiIdentifiers: ['line', 'shift'], suppressionLimit: 0.05 },
        },
        openRows: source(rows),
        chunkRows: 100,
      }),
    ).rejects.toMatchObject({ code: 'DEID_SUPPRESSION_LIMIT_EXCEEDED' });
    expect(await store.get(manifestKey('shares/g1/v1/'))).toBeUndefined();
    expect(await store.list('shares/g1/v1/')).toEqual([]);
  });

  it('refuses hierarchies without signed levels', async () => {
    await expect(
      setup(10, {
        kAnonymity: {
          k: 2,
          quasiIdentifiers: ['line'],
          hierarchies: { line: [{ method: 'prefix', keep: 1 }] },
        },
      }),
    ).rejects.toMatchObject({ code: ViewErrorCode.VIEW_LEVELS_NOT_FIXED });
  });

  it('removes a half-written previous attempt before writing, and writes the manifest last', async () => {
    const store = memoryStore();
    store.objects.set('shares/g1/v1/chunk-000099.json.gz', Buffer.from('stale'));
    const order: string[] = [];
    const put = store.put.bind(store);
    store.put = (key, bytes) => {
      order.push(key);
      return put(key, bytes);
    };
    await materializeView({
      store,
      prefix: 'shares/g1/v1/',
      grantId: 'g1',
      masterSecret: SECRET,
      datasetColumns: columns,
      granted,
      openRows: source(rawRows(250)),
      chunkRows: 100,
    });
    expect(store.objects.has('shares/g1/v1/chunk-000099.json.gz')).toBe(false);
    expect(order[order.length - 1]).toBe(manifestKey('shares/g1/v1/'));
    expect(order).toHaveLength(4);
  });

  it('leaves no manifest when an upload fails', async () => {
    const store = memoryStore();
    let n = 0;
    store.put = () => (++n === 2 ? Promise.reject(new Error('down')) : Promise.resolve());
    await expect(
      materializeView({
        store,
        prefix: 'shares/g1/v1/',
        grantId: 'g1',
        masterSecret: SECRET,
        datasetColumns: columns,
        granted,
        openRows: source(rawRows(1000)),
        chunkRows: 100,
      }),
    ).rejects.toThrow('down');
    expect(store.objects.has(manifestKey('shares/g1/v1/'))).toBe(false);
  });

  it('deletes a view, manifest first', async () => {
    const { store, prefix } = await setup(300);
    await deleteView(store, prefix);
    expect(await store.list(prefix)).toEqual([]);
    await expect(ViewReader.open(store, prefix, createChunkCache())).rejects.toMatchObject({
      code: ViewErrorCode.VIEW_NOT_FOUND,
    });
  });
});

describe('ViewReader', () => {
  it('refuses a chunk whose bytes differ from the manifest', async () => {
    const { store, prefix, manifest } = await setup(300);
    store.objects.set(`${prefix}chunk-000001.json.gz`, store.objects.get(`${prefix}chunk-000000.json.gz`)!);
    const reader = await ViewReader.open(store, prefix, createChunkCache());
    await expect(reader.chunk(manifest.chunks[1])).rejects.toMatchObject({
      code: ViewErrorCode.VIEW_CORRUPT,
    });
  });

  it('loads a chunk once for concurrent readers', async () => {
    const { reader, manifest } = await setup(300);
    const cache = createChunkCache();
    const r = ViewReader.fromManifest(
      (reader as unknown as { store: never }).store,
      reader.prefix,
      manifest,
      cache,
    );
    await Promise.all(Array.from({ length: 16 }, () => r.rows(150, 10)));
    expect(cache.misses).toBe(1);
  });
});

describe('ByteLru', () => {
  it('evicts the least recently used entries beyond its byte bound', () => {
    const lru = new ByteLru<number>(10);
    lru.set('a', 1, 4);
    lru.set('b', 2, 4);
    lru.peek('a');
    lru.set('c', 3, 4);
    expect(lru.peek('b')).toBeUndefined();
    expect(lru.peek('a')).toBe(1);
    expect(lru.bytes).toBeLessThanOrEqual(10);
  });

  it('never holds more than its bound, whatever the sequence of inserts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ maxLength: 2 }), fc.integer({ min: 0, max: 40 }))),
        fc.integer({ min: 0, max: 60 }),
        (ops, max) => {
          const lru = new ByteLru<number>(max);
          for (const [k, cost] of ops) lru.set(k, cost, cost);
          return lru.bytes <= max && lru.bytes >= 0;
        },
      ),
    );
  });
});

describe('slice', () => {
  it('refuses a where of 33 predicates before compiling any, naming the count and the limit of 32', async () => {
    const { reader } = await setup(200);
    const cols = reader.manifest.columns;
    const where = (n: number) => Array.from({ length: n }, () => ({ column: 'line', op: 'ne', value: 'L9' }));
    let err: unknown;
    try {
      compileSlice(cols, { where: where(MAX_WHERE_PREDICATES + 1), first: 10 }, limits, scope, 200);
    } catch (e) {
      err = e;
    }
    expect((err as ViewError).code).toBe(ViewErrorCode.SLICE_FILTER_TOO_LARGE);
    expect((err as Error).message).toBe('where has 33 predicates; at most 32 are allowed');
    const ok = compileSlice(cols, { where: where(MAX_WHERE_PREDICATES), first: 10 }, limits, scope, 200);
    expect(ok.predicate).not.toBeNull();
  });

  it('refuses a column, a filter column or an order column the view does not have', async () => {
    const { reader } = await setup(200);
    const cols = reader.manifest.columns;
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as ViewError).code;
      }
      return undefined;
    };
    expect(code(() => compileSlice(cols, { columns: ['recipe'], first: 10 }, limits, scope, 200))).toBe(
      ViewErrorCode.SLICE_COLUMN_NOT_GRANTED,
    );
    expect(
      code(() =>
        compileSlice(
          cols,
          { where: [{ column: 'recipe', op: 'eq', value: 'x' }], first: 10 },
          limits,
          scope,
          200,
        ),
      ),
    ).toBe(ViewErrorCode.SLICE_FILTER_COLUMN_NOT_GRANTED);
    expect(
      code(() =>
        compileSlice(
          cols,
          { where: [{ column: 'current', op: 'eq', value: 'x' }], first: 10 },
          limits,
          scope,
          200,
        ),
      ),
    ).toBe(ViewErrorCode.SLICE_FILTER_INVALID);
    expect(code(() => compileSlice(cols, { first: 1001 }, limits, scope, 200))).toBe(
      ViewErrorCode.SLICE_PAGE_TOO_LARGE,
    );
    expect(
      code(() =>
        compileSlice(
          cols,
          { orderBy: [{ column: 'current', direction: 'ASC' }], first: 1 },
          { ...limits, orderByMaxRows: 10 },
          scope,
          200,
        ),
      ),
    ).toBe(ViewErrorCode.SLICE_ORDER_BY_TOO_LARGE);
  });

  it('refuses a cursor reused with a different query', async () => {
    const { reader } = await setup(500);
    const cols = reader.manifest.columns;
    const q = compileSlice(cols, { first: 10 }, limits, scope, 500);
    const page = await runSlice(reader, q, limits);
    expect(() =>
      compileSlice(cols, { first: 10, columns: ['line'], after: page.nextCursor }, limits, scope, 500),
    ).toThrow(expect.objectContaining({ code: ViewErrorCode.SLICE_CURSOR_INVALID }));
    expect(() =>
      compileSlice(cols, { first: 10, after: page.nextCursor }, limits, { ...scope, grantId: 'g2' }, 500),
    ).toThrow(ViewError);
  });

  it('pages through the whole view exactly once, in any page size, with or without a filter (property)', async () => {
    const { reader } = await setup(1234);
    const cols = reader.manifest.columns;
    const everything = await reader.rows(0, 5000);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 700 }),
        fc.constantFrom(null, 'L1', 'L2'),
        async (first, budget, line) => {
          const lim = { ...limits, scanBudgetRows: budget };
          const where = line ? [{ column: 'line', op: 'eq', value: line }] : [];
          const expected = everything.filter((r) => !line || r.line === line);
          const got: Row[] = [];
          let after: string | null = null;
          for (let guard = 0; guard < 10_000; guard++) {
            const q = compileSlice(cols, { first, where, after }, lim, scope, reader.rowCount);
            const page = await runSlice(reader, q, lim);
            expect(page.rows.length).toBeLessThanOrEqual(first);
            got.push(...page.rows);
            if (page.nextCursor === null) break;
            after = page.nextCursor;
          }
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('answers every column, some columns or reordered columns with exactly those values; only every column in view order shares the (frozen) cached rows', async () => {
    const { reader } = await setup(300);
    const cols = reader.manifest.columns;
    const names = cols.map((c) => c.name);
    const cached = await reader.rows(0, 20);
    for (const asked of [undefined, names, names.slice(1), [...names].reverse(), ['defect']]) {
      const q = compileSlice(cols, { columns: asked, first: 20 }, limits, scope, reader.rowCount);
      const page = await runSlice(reader, q, limits);
      const want = asked ?? names;
      expect(page.rows).toEqual(cached.map((r) => Object.fromEntries(want.map((n) => [n, r[n]]))));
      for (const r of page.rows) expect(Object.keys(r)).toEqual(want);
      // Every column in view order: the cached rows themselves; anything else: copies.
      const same = page.rows.every((r, i) => r === cached[i]);
      expect(same).toBe(asked === undefined || asked === names);
    }
    expect(cached.every((r) => Object.isFrozen(r))).toBe(true);
  });

  it('pages a sorted view in a stable total order (property)', async () => {
    const { reader } = await setup(600);
    const cols = reader.manifest.columns;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 250 }),
        fc.constantFrom<'ASC' | 'DESC'>('ASC', 'DESC'),
        async (first, direction) => {
          const got: Row[] = [];
          let after: string | null = null;
          for (;;) {
            const q = compileSlice(
              cols,
              { first, after, orderBy: [{ column: 'current', direction }] },
              limits,
              scope,
              600,
            );
            const page = await runSlice(reader, q, limits);
            got.push(...page.rows);
            if (!page.nextCursor) break;
            after = page.nextCursor;
          }
          expect(got).toHaveLength(600);
          for (let i = 1; i < got.length; i++) {
            const d = (got[i].current as number) - (got[i - 1].current as number);
            expect(direction === 'ASC' ? d >= 0 : d <= 0).toBe(true);
          }
          expect(new Set(got.map((r) => r.serial)).size).toBe(600);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('decodes only cursors it encoded for the same query hash (property)', () => {
    const hash = 'a'.repeat(64);
    fc.assert(
      fc.property(
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        (o) => decodeCursor(encodeCursor(o, hash), hash) === o,
      ),
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          decodeCursor(s, hash);
          return false;
        } catch (e) {
          return (e as ViewError).code === ViewErrorCode.SLICE_CURSOR_INVALID;
        }
      }),
    );
  });
});
