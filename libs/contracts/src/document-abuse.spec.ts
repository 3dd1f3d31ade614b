import fc from 'fast-check';
import { leastCpuMs } from '@maxhub/testing';
import { compilePredicates } from '../../deidentification/src/predicates';
import { DeidentificationError } from '../../deidentification/src/errors';
import { assertCanonical, canonicalBytes, parseCanonicalTermination, sha256Hex } from './canonical';
import { ContractError } from './contract.errors';
import { parseGrantDocument } from './grant';
import { SCHEMAS, sampleGrant } from './grant.test-fixtures';
import { renderGrantText } from './render';
import { validateGrantAgainstSchemas } from './validate';

/**
 * Generated hostile grant documents, termination bytes and slice predicates, through the steps
 * the hub runs on them before anything is stored or served. Each must end in a coded refusal
 * (ContractError / DeidentificationError, never another exception) or an accepted value, within
 * the CPU a request may cost before it is refused.
 */
const BUDGET_MS = 100;

const cpuMs = (work: () => void) => leastCpuMs(work, BUDGET_MS);

function outcome(work: () => void): 'ok' | 'refused' {
  try {
    work();
    return 'ok';
  } catch (e) {
    if (e instanceof ContractError || e instanceof DeidentificationError) return 'refused';
    throw e;
  }
}

/** The hub's draft path on a document: model, schemas, canonical bytes, the rendering lawyers read. */
function draft(raw: unknown): void {
  const doc = parseGrantDocument(raw);
  if (validateGrantAgainstSchemas(doc, SCHEMAS).length) return;
  const bytes = canonicalBytes(doc);
  renderGrantText(doc, { sha256: sha256Hex(bytes) });
}

/** Sets `value` at a random place of a copy of the sample grant (a path of keys, made if missing). */
const mutatedGrant = fc
  .record({
    path: fc.array(
      fc.oneof(
        fc.constantFrom(
          'datasets',
          'columns',
          'transform',
          'limits',
          'purpose',
          '__proto__',
          'map',
          'kAnonymity',
          'rowFilter',
        ),
        fc.nat(3).map(String),
        fc.string({ maxLength: 8 }),
      ),
      { minLength: 1, maxLength: 6 },
    ),
    value: fc.oneof(
      fc.anything({ maxDepth: 4, maxKeys: 8 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.integer({ min: 1, max: 200_000 }).map((n) => 'x'.repeat(n)),
      fc
        .integer({ min: 1, max: 100_000 })
        .map((n) => Array.from({ length: n }, (_, i) => ({ column: `c${i}`, op: 'eq', value: i }))),
      fc
        .integer({ min: 1, max: 20_000 })
        .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']))),
      fc.constantFrom(1e308, -0, Number.MAX_SAFE_INTEGER + 2, '\u202Eexe.gpj', '\u0000', 'a\r\nb'),
    ),
  })
  .map(({ path, value }) => {
    const root = JSON.parse(JSON.stringify(sampleGrant())) as Record<string, unknown>;
    let at: Record<string, unknown> = root;
    for (const key of path.slice(0, -1)) {
      const next = Object.hasOwn(at, key) ? at[key] : undefined;
      if (next === null || typeof next !== 'object') {
        const made: Record<string, unknown> = {};
        Object.defineProperty(at, key, { value: made, enumerable: true, writable: true, configurable: true });
        at = made;
      } else at = next as Record<string, unknown>;
    }
    Object.defineProperty(at, path[path.length - 1], {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    return root;
  });

describe('generated hostile grant documents', () => {
  it('each is refused with a ContractError or accepted, within the CPU budget', () => {
    fc.assert(
      fc.property(mutatedGrant, (raw) => {
        let result = '';
        const ms = cpuMs(() => (result = outcome(() => draft(raw))));
        return ms < BUDGET_MS && (result === 'ok' || result === 'refused');
      }),
      { numRuns: 250, seed: 20261207 },
    );
  });

  it('caller bytes offered as a termination document: nesting, size, duplicates and non-JSON', () => {
    const cases = [
      '['.repeat(100_000) + ']'.repeat(100_000),
      '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000),
      `{"a":"${'x'.repeat(2 * 1024 * 1024)}"}`,
      '{"a":1,"a":2}',
      '\u0000\u0001',
      JSON.stringify({ schema: 'maxhub.grant-termination/v1', ['__proto__']: { admin: true } }),
    ];
    for (const text of cases) {
      const ms = cpuMs(() => {
        expect(outcome(() => parseCanonicalTermination(assertCanonicalBytes(text)))).toBe('refused');
      });
      expect({ text: text.slice(0, 20), fast: ms < BUDGET_MS }).toEqual({
        text: text.slice(0, 20),
        fast: true,
      });
    }
  });

  it('random bytes as a termination document are refused with a ContractError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        const ms = cpuMs(() => {
          if (outcome(() => assertCanonical(bytes)) === 'ok') outcome(() => parseCanonicalTermination(bytes));
        });
        return ms < BUDGET_MS;
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

function assertCanonicalBytes(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

describe('generated slice predicates', () => {
  const types = { line: 'string', current: 'decimal', ok: 'boolean', at: 'timestamp' } as const;
  const rows = Array.from({ length: 2000 }, (_, i) => ({
    line: `L${i % 7}`,
    current: i / 3,
    ok: i % 2 === 0,
    at: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`,
  }));
  const predicate = fc.oneof(
    fc.record({
      column: fc.constantFrom('line', 'current', 'ok', 'at', 'nope', ''),
      op: fc.constantFrom('eq', 'ne', 'lt', 'gte', 'prefix', 'like'),
      value: fc.oneof(fc.string({ maxLength: 2000 }), fc.double(), fc.boolean()),
    }),
    fc.record({
      column: fc.constantFrom('line', 'current'),
      op: fc.constantFrom('in', 'notIn'),
      values: fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.integer()), { maxLength: 1500 }),
    }),
    fc.anything({ maxDepth: 2 }),
  );
  it('each list is refused with a coded error or compiled and run over 2,000 rows, within the CPU budget', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(predicate, { maxLength: 60 }),
          fc
            .integer({ min: 51, max: 200_000 })
            .map((n) => Array(n).fill({ column: 'line', op: 'eq', value: 'L1' })),
        ),
        (list) => {
          const ms = cpuMs(() => {
            outcome(() => {
              const test = compilePredicates(list, types);
              for (const r of rows) test(r);
            });
          });
          return ms < BUDGET_MS;
        },
      ),
      { numRuns: 200, seed: 11 },
    );
  });
});
