import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse, type GraphQLError } from 'graphql';
import { inputRefusal, MAX_INPUT_VALUES } from './input-limits';

// The committed schema (a test keeps it equal to the resolvers'), so the rules' coordinates are real.
const schema = buildSchema(readFileSync(join(__dirname, '../../../../schema.gql'), 'utf8'));

const SLICE = `query($g: ID!, $w: [SlicePredicateInput!]) { slice(grantId: $g, datasetId: $g, where: $w) { rowsReturned } }`;
const PUBLISH = `mutation($input: PublishDatasetInput!) { publishDataset(input: $input) { defaultedColumns } }`;
const DRAFT = `mutation($input: DraftGrantInput!) { draftGrant(input: $input) { id } }`;

function refusal(query: string, variables: Record<string, unknown> = {}): GraphQLError | undefined {
  return inputRefusal({ schema, document: parse(query), variables });
}

const publishInput = (edit: Record<string, unknown> = {}) => ({
  companySlug: 'hanbit-motors',
  ticketId: '00000000-0000-4000-8000-000000000000',
  name: '용접 라인 3 weld log',
  classifications: [{ column: 'operator_id', class: 'DIRECT_IDENTIFIER' }],
  ...edit,
});

const draftInput = (edit: Record<string, unknown> = {}, transform: unknown = { kind: 'keep' }) => ({
  grantorCompanySlug: 'hanbit-motors',
  granteeWorkingGroupSlug: 'ai-factory',
  purpose: 'Weld-defect analysis.',
  termFrom: '2026-01-01T00:00:00Z',
  termUntil: '2026-12-31T00:00:00Z',
  datasets: [
    {
      datasetId: '00000000-0000-4000-8000-000000000000',
      version: 1,
      columns: [{ name: 'line', transform }],
    },
  ],
  limits: { rowsPerQuery: 100, queriesPerDay: 10 },
  ...edit,
});

describe('the GraphQL input guard', () => {
  it('refuses 100,000 predicates in a where variable after reading only the list length', () => {
    let reads = 0;
    const watched = {
      get column() {
        reads++;
        return 'line';
      },
      op: 'eq',
      value: 'L1',
    };
    const r = refusal(SLICE, { g: 'x', w: new Array<unknown>(100_000).fill(watched) });
    expect(r?.message).toBe('where has 100000 predicates; at most 32 are allowed');
    expect(r?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INPUT_TOO_MANY_ITEMS' });
    expect(reads).toBe(0);
  });

  it('refuses 33 predicates written in the document, and accepts 32', () => {
    const where = (n: number) =>
      `[${Array.from({ length: n }, () => '{column: "line", op: eq, value: "L1"}').join(',')}]`;
    const q = (n: number) => `{ slice(grantId: "g", datasetId: "d", where: ${where(n)}) { rowsReturned } }`;
    expect(refusal(q(33))?.message).toBe('where has 33 predicates; at most 32 are allowed');
    expect(refusal(q(32))).toBeUndefined();
  });

  it('refuses an in-list of 1,001 values and a 1,001-character operand, naming the field', () => {
    const values = Array.from({ length: 1001 }, (_, i) => `L${i}`);
    expect(refusal(SLICE, { g: 'x', w: [{ column: 'line', op: 'in', values }] })?.message).toBe(
      'where[0].values has 1001 values; at most 1000 are allowed',
    );
    const long = refusal(SLICE, { g: 'x', w: [{ column: 'line', op: 'prefix', value: 'L'.repeat(1001) }] });
    expect(long?.message).toBe('where[0].value is longer than 1000 characters');
    expect(long?.extensions?.reason).toBe('INPUT_TOO_LONG');
    expect(
      refusal(SLICE, { g: 'x', w: [{ column: 'line', op: 'in', values: values.slice(0, 1000) }] }),
    ).toBeUndefined();
  });

  it('refuses a NUL anywhere, naming the field and not echoing the value', () => {
    const r = refusal(PUBLISH, { input: publishInput({ name: 'weld\u0000log' }) });
    expect(r?.message).toMatch(/^input\.name contains a NUL character \(U\+0000\)/);
    expect(r?.extensions?.reason).toBe('INPUT_TEXT_UNSAFE');
    expect(r?.message).not.toContain('weld');
    expect(refusal(PUBLISH, { input: publishInput({ tags: ['ok', 'bad\u0000'] }) })?.message).toMatch(
      /^input\.tags\[1\] contains a NUL/,
    );
    expect(
      refusal(PUBLISH, {
        input: publishInput({ classifications: [{ column: 'a\u0000', class: 'OTHER' }] }),
      })?.message,
    ).toMatch(/^input\.classifications\[0\]\.column contains a NUL/);
    expect(refusal(`{ datasets(tag: "a\\u0000") { id } }`)?.message).toMatch(/^tag contains a NUL/);
  });

  it('refuses bidi controls and zero-width characters in rendered text, allows line breaks only in multi-line fields', () => {
    expect(refusal(DRAFT, { input: draftInput({ purpose: 'Research \u202Eonly' }) })?.message).toMatch(
      /^input\.purpose contains a bidirectional control character/,
    );
    expect(refusal(DRAFT, { input: draftInput({ purpose: 'Line one.\nLine two.\r\n' }) })).toBeUndefined();
    expect(refusal(DRAFT, { input: draftInput({ purpose: 'One.\rTwo.' }) })?.message).toMatch(
      /^input\.purpose contains a line break/,
    );
    expect(refusal(PUBLISH, { input: publishInput({ name: 'Weld\nlog' }) })?.message).toMatch(
      /^input\.name contains a line break/,
    );
    expect(refusal(PUBLISH, { input: publishInput({ name: 'Weld\u200Blog' }) })?.message).toMatch(
      /^input\.name contains an invisible character/,
    );
    expect(refusal(PUBLISH, { input: publishInput({ description: 'Line 3.\nSensors.' }) })).toBeUndefined();
  });

  it('checks the strings inside JSON values, showing only known field names on the path', () => {
    const transform = {
      kind: 'generalize',
      generalization: { method: 'map', map: { L1: 'North\u202E', L2: 'South' } },
    };
    const r = refusal(DRAFT, { input: draftInput({}, transform) });
    expect(r?.message).toMatch(
      /^input\.datasets\[0\]\.columns\[0\]\.transform\.generalization\.map\.\* contains a bidirectional/,
    );
  });

  it('refuses a __proto__, constructor or prototype key in a value map, from variables or written in the document', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const variables = JSON.parse(
        JSON.stringify({ input: draftInput() }).replace(
          '"transform":{"kind":"keep"}',
          `"transform":{"kind":"generalize","generalization":{"method":"map","map":{"${key}":"x","L1":"y"}}}`,
        ),
      ) as Record<string, unknown>;
      const r = refusal(DRAFT, variables);
      expect([key, r?.extensions?.reason]).toEqual([key, 'INPUT_RESERVED_KEY']);
      expect(r?.message).toBe(
        'input.datasets[0].columns[0].transform.generalization.map has a key named __proto__, constructor or prototype, which a value map may not use',
      );
    }
    const literal = `mutation { draftGrant(input: { grantorCompanySlug: "a", granteeWorkingGroupSlug: "b", purpose: "p",
      termFrom: "2026-01-01T00:00:00Z", termUntil: "2026-12-31T00:00:00Z", limits: { rowsPerQuery: 1, queriesPerDay: 1 },
      datasets: [{ datasetId: "d", version: 1, columns: [{ name: "line",
        transform: { kind: "generalize", generalization: { method: "map", map: { __proto__: "x" } } } }] }] }) { id } }`;
    expect(refusal(literal)?.extensions?.reason).toBe('INPUT_RESERVED_KEY');
  });

  it('leaves opaque fields alone but for NUL: PEM with CR LF, a large signature', () => {
    const pem = '-----BEGIN CERTIFICATE REQUEST-----\r\nMIIB\r\n-----END CERTIFICATE REQUEST-----\r\n';
    expect(
      refusal(
        `mutation($c: String!) { issueCertificate(input: { csrPem: $c, userEmail: "a@b.kr", orgKind: COMPANY }) { id } }`,
        {
          c: pem,
        },
      ),
    ).toBeUndefined();
    expect(
      refusal(
        `mutation($s: String!) { attachGrantSignature(grantId: "g", version: 1, signature: $s) { version } }`,
        {
          s: 'A'.repeat(1_000_000),
        },
      ),
    ).toBeUndefined();
  });

  it('stops reading after MAX_INPUT_VALUES values in all', () => {
    const huge = Object.fromEntries(Array.from({ length: MAX_INPUT_VALUES + 1 }, (_, i) => [`q${i}`, 1]));
    const r = refusal(DRAFT, {
      input: draftInput({
        datasets: [
          {
            datasetId: 'd',
            version: 1,
            columns: [{ name: 'line', transform: { kind: 'keep' } }],
            kAnonymity: huge,
          },
        ],
      }),
    });
    expect(r?.extensions?.reason).toBe('INPUT_TOO_LARGE');
  });
});
