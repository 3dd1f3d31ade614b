import type { Readable } from 'node:stream';
import { bufferSource, type DatasetFormat, validateObject } from '@maxhub/formats';
import { generate } from './generate';
import { SYNTHETIC_KINDS } from './kinds';

async function bytesOf(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

// The manufacturing data the hub is for must not be flagged as personal data: plant codes and
// Korean plant names, line and station ids, operator and inspector ids, serials, timestamps,
// dates, measurements, counters, Korean yard names and failure modes.
describe('personal-data detection on the synthetic manufacturing datasets', () => {
  const cases = SYNTHETIC_KINDS.flatMap((kind) =>
    (['CSV', 'JSONL', 'PARQUET'] as DatasetFormat[]).flatMap((format) =>
      ['a', 'b'].map((seed) => [kind, format, seed] as const),
    ),
  );

  it.each(cases)('flags no column of %s (%s, seed %s)', async (kind, format, seed) => {
    const bytes = await bytesOf(generate({ kind, rows: 6000, seed, format }));
    const r = await validateObject({ format, source: bufferSource(bytes) });
    expect(r.personalData).toEqual({});
  });

  it('flags no column of CP949 weld-line CSV', async () => {
    const bytes = await bytesOf(
      generate({ kind: 'weld-line', rows: 3000, seed: 'kr', format: 'CSV', encoding: 'cp949' }),
    );
    const r = await validateObject({ format: 'CSV', source: bufferSource(bytes) });
    expect(r.encoding).toBe('cp949');
    expect(r.personalData).toEqual({});
  });
});
