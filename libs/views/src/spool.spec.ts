import fc from 'fast-check';
import type { CellValue } from '@maxhub/formats';
import {
  BlockBuilder,
  cellOf,
  type CellKind,
  Interner,
  packBlocks,
  type SpoolBlock,
  unpackBlocks,
} from './spool';

const cell = fc.oneof(
  fc.constant(null),
  fc.string({ maxLength: 300 }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 'é한', ''),
);
const kind = fc.constantFrom<CellKind>('string', 'number', 'boolean');

describe('spool blocks', () => {
  it('give back every cell exactly, held or packed and unpacked, whatever its type (property)', () => {
    fc.assert(
      fc.property(
        fc.array(kind, { minLength: 1, maxLength: 5 }),
        fc.array(fc.array(cell, { minLength: 5, maxLength: 5 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 16 }),
        (kinds, rows, capacity) => {
          const interner = new Interner();
          const builder = new BlockBuilder(kinds, capacity, interner);
          const blocks: SpoolBlock[] = [];
          rows.forEach((r, i) => {
            if (builder.add(1000 + 7 * i, r)) blocks.push(builder.take());
          });
          if (builder.rows > 0) blocks.push(builder.take());
          const read = (bs: typeof blocks) =>
            bs.flatMap((b) =>
              Array.from({ length: b.rows }, (_, r) => ({
                index: b.index[r],
                cells: kinds.map((_, j) => cellOf(b, kinds, interner.strings, r, j)),
              })),
            );
          const want = rows.map((r, i) => ({ index: 1000 + 7 * i, cells: kinds.map((_, j) => r[j]) }));
          const same = (got: ReturnType<typeof read>) => {
            expect(got).toHaveLength(want.length);
            got.forEach((g, i) => {
              expect(g.index).toBe(want[i].index);
              g.cells.forEach((c, j) => expect(Object.is(c, want[i].cells[j])).toBe(true));
            });
          };
          same(read(blocks));
          const packed = packBlocks(blocks);
          same(read(unpackBlocks(packed, kinds)));
          // Not 8-byte aligned: the arrays are copied out instead of viewed.
          same(read(unpackBlocks(Buffer.concat([Buffer.alloc(1), packed]).subarray(1), kinds)));
          // Packed into a scratch buffer that is large enough and holds older bytes.
          const scratch = Buffer.alloc(packed.length + 64, 0xff);
          expect(packBlocks(blocks, scratch).equals(packed)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps strings past the table’s bound beside the block, and names each held string once', () => {
    const interner = new Interner();
    const kinds: CellKind[] = ['string'];
    const builder = new BlockBuilder(kinds, 70_000, interner);
    for (let i = 0; i < 66_000; i++) builder.add(i, [`s${i}`]);
    builder.add(66_000, ['s1']);
    const block = builder.take();
    expect(interner.strings).toHaveLength(65_534);
    expect(block.others.size).toBe(66_000 - 65_534);
    const values: CellValue[] = Array.from({ length: block.rows }, (_, r) =>
      cellOf(block, kinds, interner.strings, r, 0),
    );
    expect(values[65_999]).toBe('s65999');
    expect(values[66_000]).toBe('s1');
    expect(unpackBlocks(packBlocks([block]), kinds)[0].others.get(65_999)).toBe('s65999');
  });

  it('refuses bytes it did not write', () => {
    const kinds: CellKind[] = ['number'];
    const b = new BlockBuilder(kinds, 4, new Interner());
    b.add(1, [2]);
    const bytes = packBlocks([b.take()]);
    expect(() => unpackBlocks(bytes.subarray(0, bytes.length - 3), kinds)).toThrow();
  });
});
