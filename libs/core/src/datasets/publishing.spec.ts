import { FormatError } from '@maxhub/formats';
import { classifyColumns, partBytes, planUpload, rejectionOf, safeFileName, typeAccepts } from './publishing';

const MiB = 1024 ** 2;
const opts = { maxBytes: 50 * 1024 ** 3, defaultPartBytes: 64 * MiB };

describe('safeFileName', () => {
  it('keeps the last path segment and replaces unsafe characters', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('C:\\exports\\용접 라인 3.csv')).toBe('______3.csv');
    expect(safeFileName('weld-line_3.csv')).toBe('weld-line_3.csv');
  });

  it('refuses names that are empty or only dots', () => {
    expect(safeFileName('')).toBeNull();
    expect(safeFileName('a/..')).toBeNull();
    expect(safeFileName('dir/')).toBeNull();
  });
});

describe('planUpload', () => {
  it('uses a single PUT for a file that fits one part', () => {
    expect(planUpload(10 * MiB, opts)).toEqual({ multipart: false, partSize: null, partCount: null });
  });

  it('splits a larger file into parts of the default size', () => {
    expect(planUpload(200 * MiB, opts)).toEqual({ multipart: true, partSize: 64 * MiB, partCount: 4 });
    expect(partBytes(200 * MiB, 64 * MiB, 4)).toBe(8 * MiB);
  });

  it('grows the parts when 10,000 of them would not hold the file', () => {
    const plan = planUpload(1000 * 1024 * MiB, {
      ...opts,
      maxBytes: 2000 * 1024 * MiB,
      defaultPartBytes: 5 * MiB,
    });
    expect(plan).toMatchObject({ multipart: true, partCount: 10_000 });
  });

  it('refuses a size above the limit, a zero size and a part below 5 MiB', () => {
    expect(planUpload(opts.maxBytes + 1, opts)).toBe('TOO_LARGE');
    expect(planUpload(0, opts)).toBe('EMPTY');
    expect(planUpload(-1, opts)).toBe('SIZE_INVALID');
    expect(planUpload(1.5, opts)).toBe('SIZE_INVALID');
    expect(planUpload(10 * MiB, { ...opts, partSize: MiB })).toBe('PART_SIZE_INVALID');
    expect(planUpload(6 * 1024 * MiB, { ...opts, multipart: false })).toBe('SINGLE_PUT_TOO_LARGE');
  });

  it('honours an explicit multipart request for a small file', () => {
    expect(planUpload(12 * MiB, { ...opts, multipart: true, partSize: 5 * MiB })).toEqual({
      multipart: true,
      partSize: 5 * MiB,
      partCount: 3,
    });
  });
});

describe('classifyColumns', () => {
  const base = { classSource: 'DECLARED', personalData: null, classOverridden: false };
  const rrn = {
    kind: 'RESIDENT_REGISTRATION_NUMBER' as const,
    share: 0.98,
    threshold: 0.5,
    sampledValues: 2048,
  };
  const name = { kind: 'KOREAN_NAME' as const, share: 0.91, threshold: 0.8, sampledValues: 2048 };

  it('marks the columns the publisher left out as defaulted TRADE_SECRET', () => {
    const cols = classifyColumns(
      [
        { name: 'operator_id', type: 'string', nullable: false },
        { name: 'current_a', type: 'decimal', nullable: true },
      ],
      new Map([['operator_id', 'DIRECT_IDENTIFIER' as const]]),
    );
    expect(cols).toEqual([
      {
        name: 'operator_id',
        type: 'string',
        class: 'DIRECT_IDENTIFIER',
        nullable: false,
        defaulted: false,
        ...base,
      },
      {
        name: 'current_a',
        type: 'decimal',
        class: 'TRADE_SECRET',
        nullable: true,
        defaulted: true,
        ...base,
        classSource: 'DEFAULT',
      },
    ]);
  });

  it('makes an unclassified column that looks like personal data DIRECT_IDENTIFIER, as detected', () => {
    const [col] = classifyColumns([{ name: 'jumin', type: 'string', nullable: false }], new Map(), {
      jumin: rrn,
    });
    expect(col).toEqual({
      name: 'jumin',
      type: 'string',
      class: 'DIRECT_IDENTIFIER',
      nullable: false,
      defaulted: false,
      classSource: 'DETECTED',
      personalData: rrn,
      classOverridden: false,
    });
  });

  it('keeps the publisher’s other class for a detected column and records the override', () => {
    const cols = classifyColumns(
      [
        { name: 'inspector', type: 'string', nullable: false },
        { name: 'operator', type: 'string', nullable: false },
      ],
      new Map([
        ['inspector', 'QUASI_IDENTIFIER' as const],
        ['operator', 'DIRECT_IDENTIFIER' as const],
      ]),
      { inspector: name, operator: name },
    );
    expect(cols[0]).toMatchObject({
      class: 'QUASI_IDENTIFIER',
      classSource: 'DECLARED',
      personalData: name,
      classOverridden: true,
    });
    // Classifying it DIRECT_IDENTIFIER confirms the proposal: no override.
    expect(cols[1]).toMatchObject({ class: 'DIRECT_IDENTIFIER', personalData: name, classOverridden: false });
  });

  it('reads only detections of the column itself (a column named "constructor")', () => {
    const cols = classifyColumns([{ name: 'constructor', type: 'string', nullable: true }], new Map(), {});
    expect(cols[0]).toMatchObject({ class: 'TRADE_SECRET', classSource: 'DEFAULT', personalData: null });
  });
});

describe('typeAccepts', () => {
  it('accepts widening confirmations and refuses narrowing ones', () => {
    expect(typeAccepts('decimal', { name: 'a', type: 'integer', nullable: false })).toBe(true);
    expect(typeAccepts('string', { name: 'a', type: 'timestamp', nullable: false })).toBe(true);
    expect(typeAccepts('integer', { name: 'a', type: 'decimal', nullable: false })).toBe(false);
    expect(typeAccepts('date', { name: 'a', type: 'string', nullable: false })).toBe(false);
  });
});

describe('rejectionOf', () => {
  it('keeps code, position and message of a format error', () => {
    const e = new FormatError('DATASET_RAGGED_ROW', 'line 7: 3 fields, expected 4', { line: 7, row: 6 });
    expect(rejectionOf(e)).toEqual({
      code: 'DATASET_RAGGED_ROW',
      message: 'line 7: 3 fields, expected 4',
      line: 7,
      row: 6,
    });
  });
});
