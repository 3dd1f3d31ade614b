import { canonicalBytes, parseCanonicalGrant } from './canonical';
import { ContractError, ContractErrorCode } from './contract.errors';
import { parseGrantDocument, parseTerminationDocument, type GrantDocument } from './grant';
import { sampleGrant } from './grant.test-fixtures';
import { renderGrantText } from './render';
import { hasMixedScriptWord, namesConfusable, normalizeName, unsafeTextKind } from './text';

const RLO = '\u202E';
const ZWSP = '\u200B';

function errorOf(fn: () => unknown): ContractError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ContractError) return e;
    throw e;
  }
  throw new Error('expected a ContractError');
}

/** The sample grant as raw JSON input (what a client or the canonical bytes give the parser), edited. */
function rawGrant(edit: (g: GrantDocument) => void): unknown {
  const g = sampleGrant();
  edit(g);
  return JSON.parse(JSON.stringify(g));
}

describe('text rules of the signed grant document', () => {
  it('refuses a purpose with a right-to-left override, naming the field and not echoing the text', () => {
    const e = errorOf(() =>
      parseGrantDocument(
        rawGrant((g) => {
          g.purpose = `Quality analysis only ${RLO}gnitekram rof ton`;
        }),
      ),
    );
    expect(e.code).toBe(ContractErrorCode.CONTRACT_TEXT_UNSAFE);
    expect(e.message).toMatch(/^grant document field purpose contains a bidirectional control character/);
    expect(e.message).not.toContain(RLO);
    expect(e.message).not.toContain('gnitekram');
  });

  it('refuses NUL, control and zero-width characters in every rendered field: names, column labels, value maps and filters', () => {
    const cases: Array<[string, (g: GrantDocument) => void, string]> = [
      ['dataset name', (g) => (g.datasets[0].name = 'Press\u0000line'), 'datasets[0].name'],
      ['company name', (g) => (g.grantor.companyName = `한일${ZWSP}자동차`), 'grantor.companyName'],
      ['group name', (g) => (g.grantee.workingGroupName = 'AI\u001b[2J팩토리'), 'grantee.workingGroupName'],
      [
        'column label',
        (g) => (g.datasets[0].columns[5].name = `defect${RLO}`),
        'datasets[0].columns[5].name',
      ],
      [
        'value map value',
        (g) => {
          const t = g.datasets[0].columns[1].transform;
          if (t.kind === 'generalize' && t.generalization.method === 'map')
            t.generalization.map.Ulsan = `So${ZWSP}uth`;
        },
        'datasets[0].columns[1].transform.generalization.map.*',
      ],
      [
        'filter value',
        (g) => (g.datasets[0].rowFilter = [{ column: 'plant', op: 'eq', value: 'Ulsan\u2066' }]),
        'datasets[0].rowFilter[0].value',
      ],
      ['a raw line break in a name', (g) => (g.datasets[0].name = 'Press\nline'), 'datasets[0].name'],
    ];
    for (const [what, edit, path] of cases) {
      const e = errorOf(() => parseGrantDocument(rawGrant(edit)));
      expect([what, e.code]).toEqual([what, ContractErrorCode.CONTRACT_TEXT_UNSAFE]);
      expect([what, e.message]).toEqual([what, expect.stringContaining(`field ${path} contains`)]);
    }
  });

  it('allows plain line breaks (LF or CR LF) in the purpose only, and renders each line indented', () => {
    const doc = parseGrantDocument(
      rawGrant((g) => {
        g.purpose = 'Line one.\nLine two.\r\nLine three.';
      }),
    );
    const text = renderGrantText(doc, { sha256: '0'.repeat(64) });
    expect(text).toContain('PURPOSE\n  Line one.\n  Line two.\n  Line three.\n');
    const lone = errorOf(() => parseGrantDocument(rawGrant((g) => (g.purpose = 'Line one.\rTERM: forever'))));
    expect(lone.code).toBe(ContractErrorCode.CONTRACT_TEXT_UNSAFE);
    expect(lone.message).toContain('field purpose contains a line break');
  });

  it('refuses a __proto__, constructor or prototype key in a value map instead of silently dropping it', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const json = JSON.stringify(sampleGrant()).replace(
        '"Ulsan":"South"',
        `"${key}":"North","Ulsan":"South"`,
      );
      const raw = JSON.parse(json) as unknown;
      const e = errorOf(() => parseGrantDocument(raw));
      expect([key, e.code]).toEqual([key, ContractErrorCode.CONTRACT_RESERVED_KEY]);
      expect(e.message).toContain(
        'field datasets[0].columns[1].transform.generalization.map has a key named',
      );
    }
  });

  it('refuses a __proto__ key in a k-anonymity hierarchy map', () => {
    const g = sampleGrant();
    g.datasets[0].kAnonymity = {
      k: 5,
      quasiIdentifiers: ['plant'],
      suppressionLimit: 0,
      hierarchies: { plant: [{ method: 'prefix', keep: 1 }] },
    };
    const raw = JSON.parse(
      JSON.stringify(g).replace(
        '"hierarchies":{',
        '"hierarchies":{"__proto__":[{"method":"prefix","keep":0}],',
      ),
    ) as unknown;
    expect(errorOf(() => parseGrantDocument(raw)).code).toBe(ContractErrorCode.CONTRACT_RESERVED_KEY);
  });

  it('refuses canonical bytes that carry a bidirectional override, so such a grant never opens', () => {
    const g = sampleGrant();
    g.purpose = `Research ${RLO}only`;
    const bytes = canonicalBytes(g);
    expect(errorOf(() => parseCanonicalGrant(bytes)).code).toBe(ContractErrorCode.CONTRACT_TEXT_UNSAFE);
  });

  it('refuses a termination reason with a control character, and accepts line breaks in it', () => {
    const base = {
      schema: 'maxhub.grant-termination/v1',
      grantId: '7d0c1c1e-2f55-4c0a-9a43-1f1a2b3c4d5e',
      grantSha256: 'a'.repeat(64),
      party: 'GRANTOR',
      effectiveAt: '2026-05-01T00:00:00Z',
    };
    expect(parseTerminationDocument({ ...base, reason: 'Project ended.\nNo further use.' }).reason).toContain(
      '\n',
    );
    expect(errorOf(() => parseTerminationDocument({ ...base, reason: `Ended${RLO}` })).code).toBe(
      ContractErrorCode.CONTRACT_TEXT_UNSAFE,
    );
  });

  it('renders a control or bidi character of an unparsed document as its code point, never as is', () => {
    const g = sampleGrant();
    g.purpose = `Research ${RLO}only`;
    g.datasets[0].name = `Press${ZWSP}line`;
    const text = renderGrantText(g, { sha256: '0'.repeat(64) });
    expect(text).toContain('Research <U+202E>only');
    expect(text).toContain('Press<U+200B>line');
    expect(text).not.toMatch(/[\u202E\u200B]/);
  });
});

describe('unsafeTextKind', () => {
  it('tells the kind of character without returning it, by mode', () => {
    expect(unsafeTextKind('용접 라인 3 weld log', 'line')).toBeNull();
    expect(unsafeTextKind('a\u0000b', 'line')).toBe('NUL');
    expect(unsafeTextKind('a\u0000b', 'opaque')).toBe('NUL');
    expect(unsafeTextKind('a\tb', 'line')).toBe('CONTROL');
    expect(unsafeTextKind('a\nb', 'line')).toBe('LINE_BREAK');
    expect(unsafeTextKind('a\nb\r\nc', 'multiline')).toBeNull();
    expect(unsafeTextKind('a\rb', 'multiline')).toBe('LINE_BREAK');
    expect(unsafeTextKind('a\u202Eb', 'multiline')).toBe('BIDI_CONTROL');
    expect(unsafeTextKind('a\u2067b', 'line')).toBe('BIDI_CONTROL');
    expect(unsafeTextKind('a\u200Bb', 'line')).toBe('INVISIBLE');
    expect(unsafeTextKind('a\u3164b', 'line')).toBe('INVISIBLE');
    expect(unsafeTextKind('a\u2028b', 'multiline')).toBe('LINE_SEPARATOR');
    expect(unsafeTextKind('a\uD800b', 'line')).toBe('LONE_SURROGATE');
    expect(unsafeTextKind('-----BEGIN PKCS7-----\r\nMIIB\r\n', 'opaque')).toBeNull();
  });
});

describe('names', () => {
  it('refuses Latin mixed with Cyrillic (or Latin-looking Greek) in one word, and allows Korean with Latin', () => {
    expect(hasMixedScriptWord('W\u0435ld log')).toBe(true); // Cyrillic е
    expect(hasMixedScriptWord('P\u03BFwer line')).toBe(true); // Greek ο
    expect(hasMixedScriptWord('용접 라인 3 weld log')).toBe(false);
    expect(hasMixedScriptWord('AI팩토리 weld log')).toBe(false);
    expect(hasMixedScriptWord('Coating thickness 5μm')).toBe(false);
    expect(hasMixedScriptWord('Сварка log')).toBe(false); // a Cyrillic word next to a Latin one
  });

  it('finds look-alike names: Cyrillic letters, zero-width spaces, case, full-width forms, I for l', () => {
    expect(namesConfusable('Weld log', 'W\u0435ld log')).toBe(true);
    expect(namesConfusable('Weld log', `Weld l${ZWSP}og`)).toBe(true);
    expect(namesConfusable('Weld log', 'WELD  LOG')).toBe(true);
    expect(namesConfusable('Weld log', 'Ｗｅｌｄ log')).toBe(true);
    expect(namesConfusable('Weld log', 'WeId log')).toBe(true);
    expect(namesConfusable('Weld log', 'Weld 1og')).toBe(true);
    expect(namesConfusable('Modem', 'Modern')).toBe(true);
    expect(namesConfusable('한빛자동차', '한빛자동차\u3164')).toBe(true);
  });

  it('keeps different names apart, and the same name (NFC or NFD) is the same name, not a look-alike', () => {
    expect(namesConfusable('Weld log 2', 'Weld log 3')).toBe(false);
    expect(namesConfusable('AID log', 'ALD log')).toBe(false);
    expect(namesConfusable('용접 로그', '용접 로그 2')).toBe(false);
    expect(namesConfusable('Caf\u00E9', 'Cafe\u0301')).toBe(false);
    expect(normalizeName(' Cafe\u0301 ')).toBe('Caf\u00E9');
  });
});
