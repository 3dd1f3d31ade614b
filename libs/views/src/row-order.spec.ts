import fc from 'fast-check';
import type { Row } from '@maxhub/formats';
import { ViewErrorCode } from './errors';
import { manifestKey } from './manifest';
import { materializeView, type MaterializeInput, type RawColumn } from './materialize';
import { createChunkCache, ViewReader } from './reader';
import { RowTagger, rowOrderKey, tagOrder } from './row-order';
import { memoryStore } from './store';

const SECRET = Buffer.alloc(32, 7);
const PREFIX = 'shares/g1/v1/';
const columns: RawColumn[] = [
  { name: 'serial', type: 'string', class: 'DIRECT_IDENTIFIER' },
  { name: 'line', type: 'string', class: 'QUASI_IDENTIFIER' },
  { name: 'shift', type: 'string', class: 'QUASI_IDENTIFIER' },
  { name: 'current', type: 'decimal', class: 'SENSITIVE' },
];
// `serial` is released as it is so that a test can tell which raw row sits where.
const granted = {
  columns: [
    { name: 'serial', transform: { kind: 'keep' } },
    { name: 'line', transform: { kind: 'keep' } },
    { name: 'shift', transform: { kind: 'keep' } },
    { name: 'current', transform: { kind: 'noise', magnitude: 1 } },
  ],
};

function rawRows(n: number): Row[] {
  return Array.from({ length: n }, (_, i) => ({
    serial: `SN-${i}`,
    line: `L${i % 4}`,
    shift: i % 97 === 0 ? 'RARE' : ['A', 'B', 'C'][i % 3],
    current: 200 + (i % 50),
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

async function materialize(n: number, extra: Partial<MaterializeInput> = {}, rows = rawRows(n)) {
  const store = memoryStore();
  const puts: string[] = [];
  const put = store.put.bind(store);
  store.put = (key, bytes) => {
    puts.push(key);
    return put(key, bytes);
  };
  const manifest = await materializeView({
    store,
    prefix: PREFIX,
    grantId: 'g1',
    masterSecret: SECRET,
    datasetColumns: columns,
    granted,
    openRows: source(rows),
    chunkRows: 100,
    ...extra,
  });
  const reader = await ViewReader.open(store, extra.prefix ?? PREFIX, createChunkCache(1 << 24));
  const viewRows = await reader.rows(0, n + 1);
  return { store, puts, manifest, rows: viewRows, serials: viewRows.map((r) => r.serial as string) };
}

/** Smallest t with P(X ≥ t) < p for X ~ Poisson(mean): a bound chance stays under but for a 1-in-1/p fluke. */
function poissonBound(mean: number, p: number): number {
  let term = Math.exp(-mean);
  let below = 0;
  for (let t = 0; ; t++) {
    if (1 - below < p) return t;
    below += term;
    term *= mean / (t + 1);
  }
}

describe('row order', () => {
  it('writes every released row once, in an order that is not the raw order', async () => {
    const { serials, manifest } = await materialize(2500);
    expect(manifest.rowCount).toBe(2500);
    expect([...serials].sort()).toEqual(
      rawRows(2500)
        .map((r) => r.serial as string)
        .sort(),
    );
    const position = serials.map((s) => Number(s.slice(3)));
    // Rank correlation of raw index and view position: ~0 for a random order (sd 1/√n = 0.02).
    const n = position.length;
    const mean = (n - 1) / 2;
    let cov = 0;
    let v = 0;
    position.forEach((raw, at) => {
      cov += (raw - mean) * (at - mean);
      v += (at - mean) ** 2;
    });
    expect(Math.abs(cov / v)).toBeLessThan(0.1);
    expect(position.filter((raw, at) => raw === at).length).toBeLessThan(poissonBound(1, 1e-9));
  });

  it('gives two grants of one dataset orders that match at no more positions than chance', async () => {
    const n = 3000;
    const a = await materialize(n, { grantId: 'grant-a' });
    const b = await materialize(n, { grantId: 'grant-b' });
    // Two independent uniform orders of n rows agree at Poisson(1) positions: n × 1/n.
    const same = a.serials.filter((s, i) => b.serials[i] === s).length;
    expect(same).toBeLessThan(poissonBound(1, 1e-9));
    expect(a.manifest.chunks.map((c) => c.sha256)).not.toEqual(b.manifest.chunks.map((c) => c.sha256));
  });

  it('writes the same bytes when the view is materialized again, and a different order for another dataset version', async () => {
    const one = await materialize(1500);
    const two = await materialize(1500);
    expect(two.manifest.chunks).toEqual(one.manifest.chunks);
    const other = await materialize(1500, { prefix: 'shares/g1/v2/' });
    expect(other.serials).not.toEqual(one.serials);
  });

  it('writes the same view in memory, spooled or with groups split again, whatever the row count hint (property)', async () => {
    let spooled = 0;
    let split = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2500 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 64, max: 16_384 }),
        fc.integer({ min: 1, max: 4096 }),
        fc.constantFrom<'none' | 'exact' | 'low' | 'high'>('none', 'exact', 'low', 'high'),
        fc.integer({ min: 1, max: 300 }),
        async (n, groupRows, memoryBytes, minPieceBytes, hint, chunkRows) => {
          const reference = await materialize(n, { chunkRows });
          const expectedRows = { none: undefined, exact: n, low: Math.floor(n / 9), high: n * 7 }[hint];
          const got = await materialize(n, {
            chunkRows,
            expectedRows,
            rowOrder: { groupRows, memoryBytes, minPieceBytes },
          });
          expect(got.manifest.chunks).toEqual(reference.manifest.chunks);
          // Nothing of the spool is left beside the view.
          expect((await got.store.list(PREFIX)).sort()).toEqual((await reference.store.list(PREFIX)).sort());
          const spool = got.puts.filter((k) => k.includes('/spool/'));
          // Spooled from several groups at once (their pieces are named by group).
          if (new Set(spool.map((k) => k.split('/spool/')[1].split('-')[0])).size > 1) spooled++;
          if (spool.some((k) => /\/spool\/\d+\//.test(k))) split++;
        },
      ),
      { numRuns: 40 },
    );
    expect(spooled).toBeGreaterThan(0);
    expect(split).toBeGreaterThan(0);
  });

  it('sorts no group larger than planned: a row count unknown or too low has groups split again', async () => {
    const spy = jest.spyOn(RowTagger.prototype, 'tags');
    try {
      for (const expectedRows of [undefined, 10, 6000, 1_000_000]) {
        spy.mockClear();
        const { manifest } = await materialize(6000, {
          expectedRows,
          rowOrder: { groupRows: 200 },
          openRows: source(rawRows(6000), 50),
        });
        expect(manifest.rowCount).toBe(6000);
        // Tags are computed per raw batch (50 rows here), per block re-routed and per group sorted.
        const largest = Math.max(...spy.mock.calls.map(([count]) => count));
        expect(largest).toBeLessThanOrEqual(2 * 200);
      }
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses a spool object changed in the bucket (VIEW_CORRUPT) and leaves nothing behind', async () => {
    const store = memoryStore();
    const get = store.get.bind(store);
    store.get = async (key) => {
      const bytes = await get(key);
      if (bytes === undefined || !key.includes('/spool/')) return bytes;
      const changed = Buffer.from(bytes);
      changed[changed.length - 5] ^= 1;
      return changed;
    };
    await expect(
      materializeView({
        store,
        prefix: PREFIX,
        grantId: 'g1',
        masterSecret: SECRET,
        datasetColumns: columns,
        granted,
        openRows: source(rawRows(2000)),
        chunkRows: 100,
        expectedRows: 2000,
        rowOrder: { groupRows: 100, memoryBytes: 1024 },
      }),
    ).rejects.toMatchObject({ code: ViewErrorCode.VIEW_CORRUPT });
    expect(await store.get(manifestKey(PREFIX))).toBeUndefined();
    expect(await store.list(PREFIX)).toEqual([]);
  });
});

describe('rowOrderKey and tags', () => {
  it('derives a different key per grant and per view, and refuses a short master secret', () => {
    const k = rowOrderKey(SECRET, 'g1', PREFIX);
    expect(k).toHaveLength(32);
    expect(rowOrderKey(SECRET, 'g1', PREFIX)).toEqual(k);
    expect(rowOrderKey(SECRET, 'g2', PREFIX)).not.toEqual(k);
    expect(rowOrderKey(SECRET, 'g1', 'shares/g1/v2/')).not.toEqual(k);
    expect(() => rowOrderKey(Buffer.alloc(16, 1), 'g1', PREFIX)).toThrow(
      expect.objectContaining({ code: 'DEID_KEY_TOO_SHORT' }),
    );
  });

  it('orders by the whole tag and then the position when the first 32 bits tie', () => {
    const hi = Uint32Array.from([7, 7, 7, 3, 7]);
    const lo = Uint32Array.from([9, 1, 9, 5, 0]);
    expect([...tagOrder(hi, lo, 5, 0)]).toEqual([3, 4, 1, 0, 2]);
    // From bit 32 on only `lo` is compared first; `hi` and the position break its ties.
    expect([...tagOrder(hi, lo, 5, 32)]).toEqual([4, 1, 3, 0, 2]);
  });

  it('puts a given row at every position about equally often over many grants', () => {
    const n = 6;
    const counts = new Array<number>(n).fill(0);
    const grants = 3000;
    const hi = new Uint32Array(n);
    const lo = new Uint32Array(n);
    for (let g = 0; g < grants; g++) {
      new RowTagger(rowOrderKey(SECRET, `grant-${g}`, PREFIX)).tags(n, (j) => j, hi, lo);
      const order = tagOrder(hi, lo, n, 0);
      counts[order.indexOf(0)]++;
    }
    // χ² with 5 degrees of freedom: 20.5 is its 0.999 quantile.
    const expected = grants / n;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(20.5);
  });
});
