import type { Predicate } from '../../deidentification/src/spec';
import { ContractError, ContractErrorCode } from './contract.errors';
import { parseGrantDocument, parseTerminationDocument, type GrantDocument } from './grant';
import { DATASET_ID, SCHEMAS, sampleGrant } from './grant.test-fixtures';
import { signerMatchesParty } from './party';
import { renderGrantText } from './render';
import { assertGrantMatchesSchemas, validateGrantAgainstSchemas } from './validate';

function errorOf(fn: () => unknown): ContractError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ContractError) return e;
    throw e;
  }
  throw new Error('expected a ContractError');
}

/** A sample grant with one edit applied to its first dataset. */
function withDataset(edit: (ds: GrantDocument['datasets'][number]) => void): GrantDocument {
  const g = sampleGrant();
  edit(g.datasets[0]);
  return g;
}

function codes(doc: GrantDocument): ContractErrorCode[] {
  return validateGrantAgainstSchemas(doc, SCHEMAS).map((p) => p.code);
}

describe('parseGrantDocument', () => {
  it('accepts the sample grant unchanged', () => {
    expect(parseGrantDocument(sampleGrant())).toEqual(sampleGrant());
  });

  it('fills in transform defaults so the signed form is explicit', () => {
    const raw = sampleGrant() as unknown as {
      datasets: { columns: { transform: Record<string, unknown> }[] }[];
    };
    delete raw.datasets[0].columns[0].transform.bits;
    expect(parseGrantDocument(raw).datasets[0].columns[0].transform).toEqual({
      kind: 'pseudonymize',
      bits: 128,
    });
  });

  it('refuses an unknown key and names its parent path', () => {
    const e = errorOf(() => parseGrantDocument({ ...sampleGrant(), extra: true }));
    expect(e.code).toBe(ContractErrorCode.CONTRACT_MALFORMED);
    expect(e.message).toContain('(root)');
  });

  it('names the path of the first problem without echoing values', () => {
    const g = withDataset((ds) => {
      (ds.columns[1].transform as unknown as { kind: string }).kind = 'SECRET-VALUE-123';
    });
    const e = errorOf(() => parseGrantDocument(g));
    expect(e.code).toBe(ContractErrorCode.CONTRACT_MALFORMED);
    expect(e.message).toContain('datasets[0].columns[1].transform');
    expect(e.message).not.toContain('SECRET-VALUE-123');
  });

  it('says what was expected instead of a validator’s code word', () => {
    const kind = errorOf(() =>
      parseGrantDocument(
        withDataset((ds) => {
          (ds.columns[1].transform as unknown as { kind: string }).kind = 'nope';
        }),
      ),
    );
    expect(kind.message).toMatch(
      /datasets\[0\]\.columns\[1\]\.transform\.kind: it matches none of the shapes/,
    );
    expect(kind.message).not.toMatch(/invalid_union/);
    const limits = errorOf(() =>
      parseGrantDocument({ ...sampleGrant(), limits: { rowsPerQuery: 'many', queriesPerDay: 1 } }),
    );
    expect(limits.message).toMatch(/limits\.rowsPerQuery: expected number/);
    const big = errorOf(() =>
      parseGrantDocument({ ...sampleGrant(), limits: { rowsPerQuery: 100_001, queriesPerDay: 1 } }),
    );
    expect(big.message).toMatch(/too large \(at most 100000\)/);
  });

  it('masks path segments that are data, such as value-map keys', () => {
    const g = withDataset((ds) => {
      ds.columns[1].transform = {
        kind: 'generalize',
        generalization: { method: 'map', map: { 'Plant-Secret-7': 'x'.repeat(201) }, otherwise: '*' },
      };
    });
    const e = errorOf(() => parseGrantDocument(g));
    expect(e.message).toContain('generalization.map.*');
    expect(e.message).not.toContain('Plant-Secret-7');
  });

  it.each([
    [
      'a term that ends before it starts',
      { term: { from: '2027-01-01T00:00:00Z', until: '2026-01-01T00:00:00Z' } },
      ContractErrorCode.CONTRACT_TERM_INVALID,
    ],
    [
      'an empty term',
      { term: { from: '2026-01-01T00:00:00Z', until: '2026-01-01T00:00:00Z' } },
      ContractErrorCode.CONTRACT_TERM_INVALID,
    ],
    [
      'a timestamp with an offset',
      { createdAt: '2026-02-20T08:30:00+09:00' },
      ContractErrorCode.CONTRACT_MALFORMED,
    ],
    ['an impossible date', { createdAt: '2026-02-30T08:30:00Z' }, ContractErrorCode.CONTRACT_MALFORMED],
    ['a purpose over 2000 characters', { purpose: 'x'.repeat(2001) }, ContractErrorCode.CONTRACT_MALFORMED],
    ['version 2 without supersedes', { version: 2 }, ContractErrorCode.CONTRACT_MALFORMED],
    ['supersedes on version 1', { supersedes: 'a'.repeat(64) }, ContractErrorCode.CONTRACT_MALFORMED],
    [
      'rows per query over 100000',
      { limits: { rowsPerQuery: 100001, queriesPerDay: 1 } },
      ContractErrorCode.CONTRACT_MALFORMED,
    ],
    ['no datasets', { datasets: [] }, ContractErrorCode.CONTRACT_MALFORMED],
    ['a grant id that is not a UUID', { grantId: 'grant-1' }, ContractErrorCode.CONTRACT_MALFORMED],
  ])('refuses %s', (_label, patch, code) => {
    expect(errorOf(() => parseGrantDocument({ ...sampleGrant(), ...patch })).code).toBe(code);
  });

  it('accepts version 2 that names the superseded version', () => {
    expect(parseGrantDocument({ ...sampleGrant(), version: 2, supersedes: 'ab'.repeat(32) }).version).toBe(2);
  });

  it('refuses the same column twice in a dataset', () => {
    const g = withDataset((ds) => ds.columns.push({ name: 'defect', transform: { kind: 'drop' } }));
    expect(errorOf(() => parseGrantDocument(g)).message).toContain('datasets[0].columns[6].name');
  });
});

describe('parseTerminationDocument', () => {
  const t = {
    schema: 'maxhub.grant-termination/v1',
    grantId: sampleGrant().grantId,
    grantSha256: 'cd'.repeat(32),
    party: 'GRANTOR',
    reason: 'Purpose fulfilled',
    effectiveAt: '2026-09-01T00:00:00Z',
  };

  it('accepts a termination by either party', () => {
    expect(parseTerminationDocument(t)).toEqual(t);
    expect(parseTerminationDocument({ ...t, party: 'GRANTEE' }).party).toBe('GRANTEE');
  });

  it('refuses an unknown party and unknown keys', () => {
    expect(errorOf(() => parseTerminationDocument({ ...t, party: 'ADMIN' })).code).toBe(
      ContractErrorCode.CONTRACT_MALFORMED,
    );
    expect(errorOf(() => parseTerminationDocument({ ...t, note: 'x' })).code).toBe(
      ContractErrorCode.CONTRACT_MALFORMED,
    );
  });
});

describe('validateGrantAgainstSchemas', () => {
  it('finds no problem in the sample grant', () => {
    expect(validateGrantAgainstSchemas(sampleGrant(), SCHEMAS)).toEqual([]);
    expect(() => assertGrantMatchesSchemas(sampleGrant(), SCHEMAS)).not.toThrow();
  });

  it('reports a dataset without a known schema', () => {
    expect(codes(sampleGrant()).length).toBe(0);
    expect(validateGrantAgainstSchemas(sampleGrant(), new Map()).map((p) => p.code)).toEqual([
      ContractErrorCode.CONTRACT_DATASET_UNKNOWN,
    ]);
  });

  it('reports a column that is not in the schema', () => {
    expect(
      codes(withDataset((ds) => ds.columns.push({ name: 'salary', transform: { kind: 'keep' } }))),
    ).toEqual([ContractErrorCode.CONTRACT_UNKNOWN_COLUMN]);
  });

  it('reports a shiftDate entity column that is not in the schema', () => {
    const g = withDataset((ds) => {
      ds.columns[2].transform = { kind: 'shiftDate', maxDays: 30, entityColumn: 'machine' };
    });
    expect(codes(g)).toEqual([ContractErrorCode.CONTRACT_UNKNOWN_COLUMN]);
  });

  it.each([
    ['kept raw', { kind: 'keep' }],
    ['prefix-generalized', { kind: 'generalize', generalization: { method: 'prefix', keep: 3 } }],
  ] as const)('refuses a direct identifier %s', (_label, transform) => {
    const g = withDataset((ds) => {
      ds.columns[0].transform = transform;
    });
    expect(codes(g)).toEqual([ContractErrorCode.CONTRACT_RAW_DIRECT_IDENTIFIER]);
  });

  it('allows a direct identifier to be dropped or pseudonymized', () => {
    expect(codes(withDataset((ds) => (ds.columns[0].transform = { kind: 'drop' })))).toEqual([]);
  });

  it.each([
    [
      'time generalization on a string column',
      1,
      { kind: 'generalize', generalization: { method: 'time', level: 'day' } },
    ],
    [
      'hour generalization on a date column',
      3,
      { kind: 'generalize', generalization: { method: 'time', level: 'hour' } },
    ],
    ['noise on a boolean column', 5, { kind: 'noise', magnitude: 1, relative: false }],
    ['noise on a timestamp column', 2, { kind: 'noise', magnitude: 1, relative: false }],
    ['a date shift on a number column', 4, { kind: 'shiftDate', maxDays: 10, entityColumn: 'operator_id' }],
    [
      'interval generalization on a string column',
      1,
      { kind: 'generalize', generalization: { method: 'interval', width: 10 } },
    ],
    [
      'prefix generalization on a number column',
      4,
      { kind: 'generalize', generalization: { method: 'prefix', keep: 2 } },
    ],
  ] as const)('refuses %s', (_label, index, transform) => {
    const g = withDataset((ds) => {
      ds.columns[index].transform = transform;
    });
    expect(codes(g)).toContain(ContractErrorCode.CONTRACT_TRANSFORM_TYPE_MISMATCH);
  });

  it('reports a row filter on a column that is not in the schema', () => {
    const g = withDataset((ds) => ds.rowFilter?.push({ column: 'line', op: 'eq', value: 'L1' }));
    expect(codes(g)).toEqual([ContractErrorCode.CONTRACT_FILTER_UNKNOWN_COLUMN]);
  });

  it.each([
    ['a string compared with a number column', { column: 'torque_nm', op: 'gt', value: 'high' }],
    ['an ordering on a boolean column', { column: 'defect', op: 'lt', value: true }],
    ['a prefix on a number column', { column: 'recipe_temp', op: 'prefix', value: '1' }],
    ['a fraction on an integer column', { column: 'recipe_temp', op: 'in', values: [1, 2.5] }],
  ] as const)('reports a filter with %s', (_label, predicate) => {
    const g = withDataset((ds) => ds.rowFilter?.push(predicate as unknown as Predicate));
    expect(codes(g)).toEqual([ContractErrorCode.CONTRACT_FILTER_TYPE_MISMATCH]);
  });

  it('reports a quasi-identifier that is not released', () => {
    const g = withDataset((ds) => {
      if (ds.kAnonymity) ds.kAnonymity.quasiIdentifiers = ['plant', 'recipe_temp'];
    });
    expect(codes(g)).toEqual([ContractErrorCode.CONTRACT_UNKNOWN_QUASI_IDENTIFIER]);
  });

  it('reports a k-anonymity level outside its hierarchy', () => {
    const g = withDataset((ds) => {
      ds.columns.find((c) => c.name === 'plant')!.transform = { kind: 'keep' };
      ds.kAnonymity = {
        k: 5,
        quasiIdentifiers: ['plant'],
        suppressionLimit: 0,
        hierarchies: { plant: [{ method: 'prefix', keep: 1 }] },
        levels: { plant: 3 },
      };
    });
    expect(codes(g)).toEqual([ContractErrorCode.CONTRACT_KANONYMITY_INVALID]);
  });

  it('refuses a hierarchy on a quasi-identifier that another transform than keep releases', () => {
    const g = withDataset((ds) => {
      ds.kAnonymity = {
        k: 5,
        quasiIdentifiers: ['plant'],
        suppressionLimit: 0,
        hierarchies: { plant: [{ method: 'prefix', keep: 1 }] },
      };
    });
    expect(codes(g)).toEqual([ContractErrorCode.CONTRACT_KANONYMITY_INVALID]);
  });

  it('accepts ARX shapes: the top level `*` of a hierarchy, and a QI whose only generalization is `*`', () => {
    const keepPlant = (ds: GrantDocument['datasets'][number]) => {
      ds.columns.find((c) => c.name === 'plant')!.transform = { kind: 'keep' };
    };
    const top = withDataset((ds) => {
      keepPlant(ds);
      ds.kAnonymity = {
        k: 5,
        quasiIdentifiers: ['plant'],
        suppressionLimit: 0,
        hierarchies: { plant: [{ method: 'prefix', keep: 1 }] },
        levels: { plant: 2 },
      };
    });
    expect(codes(top)).toEqual([]);
    const starOnly = withDataset((ds) => {
      keepPlant(ds);
      ds.kAnonymity = {
        k: 5,
        quasiIdentifiers: ['plant'],
        suppressionLimit: 0,
        hierarchies: { plant: [] },
        levels: { plant: 1 },
      };
    });
    expect(codes(starOnly)).toEqual([]);
    const beyond = withDataset((ds) => {
      keepPlant(ds);
      ds.kAnonymity = {
        k: 5,
        quasiIdentifiers: ['plant'],
        suppressionLimit: 0,
        hierarchies: { plant: [] },
        levels: { plant: 2 },
      };
    });
    expect(codes(beyond)).toEqual([ContractErrorCode.CONTRACT_KANONYMITY_INVALID]);
  });

  it('reports a reversed term on a document built without the parser', () => {
    const g = { ...sampleGrant(), term: { from: '2027-01-01T00:00:00Z', until: '2026-01-01T00:00:00Z' } };
    expect(codes(g)).toEqual([ContractErrorCode.CONTRACT_TERM_INVALID]);
  });

  it('throws the first problem with its code and path from assertGrantMatchesSchemas', () => {
    const g = withDataset((ds) => (ds.columns[0].transform = { kind: 'keep' }));
    const e = errorOf(() => assertGrantMatchesSchemas(g, SCHEMAS));
    expect(e.code).toBe(ContractErrorCode.CONTRACT_RAW_DIRECT_IDENTIFIER);
    expect(e.message).toContain('datasets[0].columns[0].transform');
  });
});

describe('renderGrantText', () => {
  const sha = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  const text = renderGrantText(sampleGrant(), { sha256: sha });

  it('mentions every granted column with its treatment', () => {
    for (const c of sampleGrant().datasets[0].columns) expect(text).toContain(`- ${c.name} — `);
    expect(text).toContain(
      'operator_id — replaced by a keyed pseudonym (128 bits), unlinkable across grants',
    );
    expect(text).toContain('shift_start — generalized to the hour');
    expect(text).toContain('torque_nm — perturbed by random noise of up to ±5% of the value');
    expect(text).toContain('All other columns of this dataset are withheld.');
  });

  it('names the parties as given, including Korean names', () => {
    expect(text).toContain('한일자동차 [company: hanil-motors]');
    expect(text).toContain('AI 팩토리 [working group: ai-factory]');
  });

  it('states the purpose, term, filter, k-anonymity, limits and the SHA-256', () => {
    expect(text).toContain(sampleGrant().purpose);
    expect(text).toContain('From 2026-03-01T00:00:00Z until 2027-02-28T23:59:59Z');
    expect(text).toContain('torque_nm is between 0 and 500 (inclusive)');
    expect(text).toContain('shared by at least 5 rows');
    expect(text).toContain('at most 4% of rows');
    expect(text).toContain('At most 10000 rows per query and 500 queries per day.');
    expect(text).toContain(sha);
    expect(text).toContain(DATASET_ID);
  });
});

describe('signerMatchesParty', () => {
  const doc = sampleGrant();

  it('matches grantor legal staff and grantee legal staff', () => {
    expect(signerMatchesParty({ orgKind: 'company', orgSlug: 'hanil-motors', role: 'LEGAL' }, doc)).toBe(
      'GRANTOR',
    );
    expect(signerMatchesParty({ orgKind: 'working-group', orgSlug: 'ai-factory', role: 'LEGAL' }, doc)).toBe(
      'GRANTEE',
    );
  });

  it('matches nobody else', () => {
    expect(
      signerMatchesParty({ orgKind: 'working-group', orgSlug: 'hanil-motors', role: 'LEGAL' }, doc),
    ).toBeNull();
    expect(signerMatchesParty({ orgKind: 'company', orgSlug: 'ai-factory', role: 'LEGAL' }, doc)).toBeNull();
    expect(
      signerMatchesParty({ orgKind: 'company', orgSlug: 'hanil-motors', role: 'ANALYST' }, doc),
    ).toBeNull();
    expect(signerMatchesParty({ orgKind: 'company', orgSlug: 'other-co', role: 'LEGAL' }, doc)).toBeNull();
  });
});
