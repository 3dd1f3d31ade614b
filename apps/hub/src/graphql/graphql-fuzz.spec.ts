import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { leastCpuMs } from '@maxhub/testing';
import { buildSchema, parse, validate } from 'graphql';
import { inspectDocument, operationComplexity } from './document-limits';

/**
 * Hostile documents through the hub's gate in its order: the /graphql guard (token limit, then
 * shape limits), GraphQL's own validation rules, then the complexity estimate. Every document
 * must be decided (refused or passed) within the CPU budget a request may cost before refusal.
 */
const schema = buildSchema(readFileSync(join(__dirname, '../../../../schema.gql'), 'utf8'));
const LIMITS = {
  maxDepth: 10,
  maxAliases: 30,
  maxDirectives: 50,
  maxFragments: 50,
  maxRepeatedFieldPairs: 20_000,
  maxTokens: 5000,
};
const BUDGET_MS = 100;

function decide(source: string): 'refused' | 'passed' {
  if (source.length > 65_536) return 'refused';
  if (inspectDocument(source, LIMITS)) return 'refused';
  let document;
  try {
    document = parse(source, { maxTokens: LIMITS.maxTokens });
  } catch {
    return 'refused';
  }
  if (validate(schema, document).length) return 'refused';
  return operationComplexity({ schema, document }) > 20_000 ? 'refused' : 'passed';
}

const cpuMs = (work: () => void) => leastCpuMs(work, BUDGET_MS);

const FIELDS = ['__typename', 'me { person { email } }', 'companies { slug nameKo }', 'grants { id state }'];

/** A document of fragments on Query spreading each other (cycles included), aliases and fields. */
const documents = fc
  .record({
    fragments: fc.integer({ min: 1, max: 120 }),
    spreads: fc.array(fc.array(fc.nat(), { maxLength: 4 }), { maxLength: 120 }),
    fields: fc.array(fc.tuple(fc.nat(), fc.constantFrom(...FIELDS), fc.boolean()), { maxLength: 200 }),
    repeat: fc.integer({ min: 1, max: 700 }),
    depth: fc.integer({ min: 0, max: 40 }),
  })
  .map(({ fragments, spreads, fields, repeat, depth }) => {
    const bodies: string[][] = Array.from({ length: fragments }, () => []);
    spreads.forEach((targets, i) => {
      for (const t of targets) bodies[i % fragments].push(`...F${t % fragments}`);
    });
    fields.forEach(([at, field, aliased], i) =>
      bodies[at % fragments].push(aliased ? `a${i}: ${field}` : field),
    );
    const nest = `${'me { '.repeat(depth)}__typename${' }'.repeat(depth)}`;
    const head = `query Q { ...F0 ${nest} ${'me { person { email } } '.repeat(repeat)}}`;
    return [head, ...bodies.map((b, i) => `fragment F${i} on Query { ${b.join(' ') || '__typename'} }`)].join(
      '\n',
    );
  });

describe('GraphQL abuse: generated documents are decided within the CPU budget', () => {
  it('the fixed worst cases: fan-out, cycles, repeated fields, deep nesting', () => {
    const fan = (n: number) =>
      [
        'query { ...F0 }',
        ...Array.from({ length: n }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`),
        `fragment F${n} on Query { __typename }`,
      ].join('\n');
    const cases = [
      fan(30),
      fan(49),
      fan(300),
      'query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }',
      `{ ${'me { person { email } } '.repeat(620)}}`,
      `{ ${'me { '.repeat(1200)}__typename${' }'.repeat(1200)} }`,
      `{ ${Array.from({ length: 1600 }, (_, i) => `a${i}: __typename`).join(' ')} }`,
    ];
    for (const source of cases) {
      let verdict = '';
      const ms = cpuMs(() => (verdict = decide(source)));
      expect({ head: source.slice(0, 40), ms: ms < BUDGET_MS }).toEqual({
        head: source.slice(0, 40),
        ms: true,
      });
      expect(verdict).toBeDefined();
    }
  });

  it('fast-check: documents of fragments spreading each other, aliases and repeated fields', () => {
    fc.assert(
      fc.property(documents, (source) => {
        const ms = cpuMs(() => decide(source));
        return ms < BUDGET_MS;
      }),
      { numRuns: 300, seed: 20261207 },
    );
  });
});
