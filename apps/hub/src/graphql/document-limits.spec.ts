import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, getIntrospectionQuery, parse } from 'graphql';
import {
  inspectDocument,
  introspectionAllowance,
  measureDocument,
  operationComplexity,
} from './document-limits';

const schema = buildSchema(readFileSync(join(__dirname, '../../../../schema.gql'), 'utf8'));
const LIMITS = {
  maxDepth: 10,
  maxAliases: 30,
  maxDirectives: 50,
  maxFragments: 50,
  maxRepeatedFieldPairs: 20_000,
  maxTokens: 5000,
};

/** Fragments that each spread the next twice: 2^n fields described in n lines. */
function fanOut(n: number, leaf = '__typename'): string {
  const parts = ['query { ...F0 }'];
  for (let i = 0; i < n; i++) parts.push(`fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
  parts.push(`fragment F${n} on Query { ${leaf} }`);
  return parts.join('\n');
}

describe('measureDocument', () => {
  it('measures a 2^40 fan-out in linear time, counting aliases with their multiplicity', () => {
    const m = measureDocument(parse(fanOut(40, 'a: __typename')));
    expect(m.fragments).toBe(41);
    expect(m.operations[0].aliases).toBe(2 ** 40);
    expect(m.operations[0].depth).toBe(1);
  });

  it('cuts fragment cycles instead of overflowing the stack (GraphQL validation refuses them)', () => {
    const m = measureDocument(
      parse('{ ...A } fragment A on Query { x { ...B } } fragment B on X { y { ...A } }'),
    );
    expect(m.operations[0].depth).toBe(2);
  });

  it('counts depth through fragments and inline fragments, and directives', () => {
    const m = measureDocument(
      parse(
        'query Q($s: Boolean!) { a @include(if: $s) { ... on A { b { ...C } } } } fragment C on B { c { d @skip(if: $s) } }',
      ),
    );
    expect(m.operations[0]).toEqual({ name: 'Q', depth: 4, aliases: 0 });
    expect(m.directives).toBe(2);
  });
});

describe('inspectDocument', () => {
  it('refuses a document over the token limit while parsing it', () => {
    expect(inspectDocument(`{ ${'a '.repeat(6000)}}`, LIMITS)?.extensions.reason).toBe(
      'GRAPHQL_TOO_MANY_TOKENS',
    );
  });

  it('leaves syntax errors to GraphQL and passes a document within every limit', () => {
    expect(inspectDocument('{ me { ', LIMITS)).toBeUndefined();
    expect(inspectDocument('{ me { person { email } } }', LIMITS)).toBeUndefined();
  });

  it('names the limit a document breaks', () => {
    expect(inspectDocument(fanOut(60), LIMITS)?.message).toBe(
      'The document defines 61 fragments; at most 50 are allowed.',
    );
    expect(inspectDocument(`{ ${'x @a '.repeat(51)}}`, LIMITS)?.extensions.reason).toBe(
      'GRAPHQL_TOO_MANY_DIRECTIVES',
    );
  });
});

describe('operationComplexity', () => {
  const cost = (query: string, variables?: Record<string, unknown>) =>
    operationComplexity({ schema, document: parse(query), variables });

  it('charges a list without `first` ten rows of its fields', () => {
    expect(cost('{ grants { id state } }')).toBe(1 + 10 * 2);
  });

  it('reads `first` from the document, its variable, or the argument’s declared default', () => {
    const page = (first: string) => `{ auditEntries(companySlug: "x"${first}) { entries { seq } } }`;
    expect(cost(page(', first: 7'))).toBe(1 + 1 + 7 * 1);
    expect(
      cost('query($n: Int!) { auditEntries(companySlug: "x", first: $n) { entries { seq } } }', { n: 40 }),
    ).toBe(1 + 1 + 40 * 1);
    expect(cost('query($n: Int = 3) { auditEntries(companySlug: "x", first: $n) { entries { seq } } }')).toBe(
      1 + 1 + 3 * 1,
    );
    expect(cost(page(''))).toBe(1 + 1 + 100 * 1); // first: Int! = 100
  });

  it('charges a page object (not a list) its own fields once and its entries `first` times', () => {
    expect(
      cost('{ auditEntries(companySlug: "x", first: 1000) { entries { seq action } nextCursor } }'),
    ).toBe(1 + (1 + 1000 * 2) + 1);
  });

  it('charges a page’s rows its size, so aliased pages add up: one 10,000-row slice fits, two do not', () => {
    expect(cost('{ slice(grantId: "g", datasetId: "d", first: 10000) { rows nextCursor } }')).toBe(
      1 + (1 + 10000) + 1,
    );
    const two =
      '{ a: slice(grantId: "g", datasetId: "d", first: 10000) { rows } b: slice(grantId: "g", datasetId: "d", first: 10000) { rows } }';
    expect(cost(two)).toBeGreaterThan(20_000);
  });

  it('charges an object once and a list of objects without a page size ten times', () => {
    expect(cost('{ me { person { email } } companies { slug } }')).toBe(1 + 1 * (1 + 1) + 1 + 10 * 1);
  });

  it('multiplies nested lists', () => {
    expect(cost('{ grants { versions { signatures { signedAt } } } }')).toBe(1 + 10 * (1 + 10 * (1 + 10)));
  });

  it('computes a 2^60 fan-out in linear time', () => {
    expect(cost(fanOut(60))).toBe(2 ** 60);
  });

  it('charges introspection at the schema’s real sizes: the standard query fits its allowance, a nested one does not', () => {
    const standard = cost(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }));
    const allowance = introspectionAllowance(schema);
    expect(standard).toBeLessThanOrEqual(allowance);
    expect(
      cost(
        '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }',
      ),
    ).toBeGreaterThan(2 * allowance + 5000);
  });
});
