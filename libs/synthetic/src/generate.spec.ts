import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { bufferSource, readRows, validateObject } from '@maxhub/formats';
import { columnsOf, describeKind, generate, generateRows } from './generate';
import { SYNTHETIC_KINDS } from './kinds';

async function bytesOf(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('synthetic datasets', () => {
  it.each(SYNTHETIC_KINDS)('generates the same bytes for the same seed (%s)', async (kind) => {
    const a = await bytesOf(generate({ kind, rows: 3000, seed: 'alpha', format: 'CSV' }));
    const b = await bytesOf(generate({ kind, rows: 3000, seed: 'alpha', format: 'CSV' }));
    const c = await bytesOf(generate({ kind, rows: 3000, seed: 'beta', format: 'CSV' }));
    expect(sha(a)).toBe(sha(b));
    expect(sha(a)).not.toBe(sha(c));
  });

  it('pins the weld-line output so a change of generator is noticed', async () => {
    const rows = [...generateRows({ kind: 'weld-line', rows: 2, seed: 'pin' })];
    expect(Object.keys(rows[0])).toEqual(columnsOf('weld-line').map((c) => c.name));
    expect(rows[0].operator_id).toMatch(/^OP-\d{6}$/);
    expect(rows[0].machine_serial).toMatch(/^HB-WLD-\d{4}-\d{4}$/);
    expect(String(rows[1].timestamp) > String(rows[0].timestamp)).toBe(true);
  });

  it.each(SYNTHETIC_KINDS)('writes a CSV that validates under its own declared schema (%s)', async (kind) => {
    const bytes = await bytesOf(generate({ kind, rows: 5000, seed: 's1', format: 'CSV' }));
    const declaredColumns = columnsOf(kind).map(({ name, type }) => ({ name, type }));
    const r = await validateObject({ format: 'CSV', source: bufferSource(bytes), declaredColumns });
    expect(r.rowCount).toBe(5000);
    expect(r.sha256).toBe(sha(bytes));
    expect(r.columns.map((c) => c.type)).toEqual(columnsOf(kind).map((c) => c.type));
  });

  it.each(SYNTHETIC_KINDS)('infers its own declared types from its CSV (%s)', async (kind) => {
    const bytes = await bytesOf(generate({ kind, rows: 3000, seed: 's2', format: 'CSV' }));
    const r = await validateObject({ format: 'CSV', source: bufferSource(bytes) });
    expect(r.columns.map((c) => c.type)).toEqual(columnsOf(kind).map((c) => c.type));
  });

  it('writes CP949 CSV whose Korean plant names decode back exactly', async () => {
    const bytes = await bytesOf(
      generate({ kind: 'weld-line', rows: 500, seed: 'kr', format: 'CSV', encoding: 'cp949' }),
    );
    expect(bytes.includes(Buffer.from('공장', 'utf8'))).toBe(false);
    const expected = [...generateRows({ kind: 'weld-line', rows: 500, seed: 'kr' })];
    const rows = [];
    for await (const b of readRows({
      format: 'CSV',
      source: bufferSource(bytes),
      encoding: 'auto',
      columns: columnsOf('weld-line'),
    }))
      rows.push(...b);
    expect(rows).toEqual(expected);
    expect(new Set(rows.map((r) => r.plant_name))).toEqual(
      new Set(['울산 1공장', '아산 2공장', '광주 3공장']),
    );
  });

  it.each(['JSONL', 'PARQUET'] as const)('round-trips its rows through %s', async (format) => {
    const kind = 'humanoid-actuator';
    const bytes = await bytesOf(generate({ kind, rows: 2500, seed: 'rt', format, rowGroupSize: 1000 }));
    const rows = [];
    for await (const b of readRows({ format, source: bufferSource(bytes), columns: columnsOf(kind) }))
      rows.push(...b);
    expect(rows).toEqual([...generateRows({ kind, rows: 2500, seed: 'rt' })]);
  });

  it('gives Parquet output that is reproducible byte for byte', async () => {
    const a = await bytesOf(
      generate({ kind: 'ship-block-inspection', rows: 2000, seed: 'p', format: 'PARQUET' }),
    );
    const b = await bytesOf(
      generate({ kind: 'ship-block-inspection', rows: 2000, seed: 'p', format: 'PARQUET' }),
    );
    expect(sha(a)).toBe(sha(b));
  });

  it('suggests classifications: identifiers direct, plant and shift quasi, defects sensitive', () => {
    const cls = Object.fromEntries(columnsOf('weld-line').map((c) => [c.name, c.class]));
    expect(cls).toMatchObject({
      operator_id: 'DIRECT_IDENTIFIER',
      machine_serial: 'DIRECT_IDENTIFIER',
      plant: 'QUASI_IDENTIFIER',
      shift: 'QUASI_IDENTIFIER',
      defect: 'SENSITIVE',
      weld_current_a: 'TRADE_SECRET',
    });
    expect(describeKind('ship-block-inspection').description).toMatch(/shipyard/);
  });

  it('makes defects likelier at high temperature', () => {
    let hot = 0;
    let hotDefects = 0;
    let cool = 0;
    let coolDefects = 0;
    for (const r of generateRows({ kind: 'weld-line', rows: 100_000, seed: 'corr' })) {
      if ((r.temperature_c as number) > 370) {
        hot++;
        if (r.defect) hotDefects++;
      } else {
        cool++;
        if (r.defect) coolDefects++;
      }
    }
    expect(hotDefects / hot).toBeGreaterThan((2 * coolDefects) / cool);
  });

  it('streams lazily: asking for ten million rows yields the first without generating the rest', () => {
    const it = generateRows({ kind: 'weld-line', rows: 10_000_000, seed: 'lazy' });
    const first = it.next();
    expect(first.done).toBe(false);
  });
});
