import { canonicalBytes, parseCanonicalGrant, sha256Hex } from './canonical';
import { ContractErrorCode } from './contract.errors';
import { GRANT_SCHEMA_V2, parseGrantDocument, type GrantDocument } from './grant';
import { DATASET_ID, SCHEMAS, SENSOR_SCHEMA, sampleGrant } from './grant.test-fixtures';
import { renderGrantText } from './render';
import { validateGrantAgainstSchemas, type GrantableSchema } from './validate';

/** The sample grant written as v2: every column's class, export rights, retention, row order. */
function v2(): GrantDocument {
  const doc = sampleGrant();
  const classOf = new Map(SENSOR_SCHEMA.columns.map((c) => [c.name, c.class]));
  return {
    ...doc,
    schema: GRANT_SCHEMA_V2,
    datasets: doc.datasets.map((d) => ({
      ...d,
      columns: d.columns.map((c) => ({ ...c, class: classOf.get(c.name)! })),
    })),
    limits: { ...doc.limits, exports: { allowed: true, maxRowsPerExport: 50_000, perDay: 3 } },
    retention: { viewsDeletedWithinHours: 24 },
    release: { rowOrder: 'PERMUTED_PER_GRANT' },
  };
}

const codes = (doc: GrantDocument, schemas: ReadonlyMap<string, GrantableSchema> = SCHEMAS) =>
  validateGrantAgainstSchemas(doc, schemas).map((p) => `${p.code} at ${p.path}`);

describe('the v2 grant document', () => {
  it('round-trips through its canonical bytes and passes the schema rules', () => {
    const doc = parseGrantDocument(v2());
    expect(parseCanonicalGrant(canonicalBytes(doc))).toEqual(doc);
    expect(codes(doc)).toEqual([]);
  });

  it.each([
    ['limits.exports', (d: GrantDocument) => delete d.limits.exports],
    ['retention', (d: GrantDocument) => delete d.retention],
    ['release', (d: GrantDocument) => delete d.release],
    ['datasets[0].columns[1].class', (d: GrantDocument) => delete d.datasets[0].columns[1].class],
  ])('must state %s', (path, strip) => {
    const doc = v2();
    strip(doc);
    expect(() => parseGrantDocument(doc)).toThrow(
      expect.objectContaining({
        code: ContractErrorCode.CONTRACT_MALFORMED,
        message: expect.stringContaining(path),
      }),
    );
  });

  it('is the only schema that may carry the v2 fields (a v1 document keeps meaning what it did)', () => {
    const doc = { ...v2(), schema: 'maxhub.grant/v1' as const };
    expect(() => parseGrantDocument(doc)).toThrow(/exists only in v2 grants/);
    expect(codes(parseGrantDocument(sampleGrant()))).toEqual([]);
  });

  it('states each column with the class it was published with', () => {
    const doc = v2();
    doc.datasets[0].columns[4].class = 'OTHER';
    expect(codes(doc)).toEqual([
      `${ContractErrorCode.CONTRACT_COLUMN_CLASS_MISMATCH} at datasets[0].columns[4].class`,
    ]);
  });

  it('releases no column published without a class unchanged, and names it', () => {
    const schemas = new Map([
      [
        DATASET_ID,
        {
          columns: SENSOR_SCHEMA.columns.map((c) =>
            c.name === 'defect' ? { ...c, class: 'TRADE_SECRET' as const, defaulted: true } : c,
          ),
        },
      ],
    ]);
    const doc = v2();
    doc.datasets[0].columns[5].class = 'TRADE_SECRET';
    const problems = validateGrantAgainstSchemas(doc, schemas);
    expect(problems.map((p) => p.code)).toEqual([ContractErrorCode.CONTRACT_UNCLASSIFIED_RAW]);
    expect(problems[0].message).toContain('"defect" was published without a class');
    doc.datasets[0].columns[5].transform = { kind: 'drop' };
    expect(validateGrantAgainstSchemas(doc, schemas)).toEqual([]);
  });

  it('carries a publisher’s override of a personal-data detection where the column is, and renders it', () => {
    const schemas = new Map([
      [
        DATASET_ID,
        {
          columns: SENSOR_SCHEMA.columns.map((c) =>
            c.name === 'recipe_temp' ? { ...c, personalDataOverride: { detectedKind: 'PHONE_NUMBER' } } : c,
          ),
        },
      ],
    ]);
    const doc = v2();
    doc.datasets[0].columns.push({ name: 'recipe_temp', class: 'TRADE_SECRET', transform: { kind: 'keep' } });
    expect(codes(doc, schemas)).toEqual([
      `${ContractErrorCode.CONTRACT_PERSONAL_DATA_OVERRIDE} at datasets[0].columns[6].personalDataOverride`,
    ]);
    doc.datasets[0].columns[6].personalDataOverride = { detectedKind: 'PHONE_NUMBER' };
    expect(codes(doc, schemas)).toEqual([]);
    expect(renderGrantText(doc, { sha256: 'x' })).toContain(
      'NOTE: the hub detected personal data (PHONE_NUMBER) in this column; the publisher classed it trade secret.',
    );
    // …and a claimed override the publisher never made is refused too.
    expect(codes(doc)).toEqual([
      `${ContractErrorCode.CONTRACT_PERSONAL_DATA_OVERRIDE} at datasets[0].columns[6].personalDataOverride`,
    ]);
  });

  it('counts every released quasi-identifier, or names the exclusion and its reason', () => {
    const doc = v2();
    doc.datasets[0].kAnonymity!.quasiIdentifiers = ['plant', 'shift_start'];
    expect(codes(doc)).toEqual([
      `${ContractErrorCode.CONTRACT_QUASI_IDENTIFIER_UNCOUNTED} at datasets[0].columns[3]`,
    ]);
    doc.datasets[0].quasiIdentifierExclusions = [
      { column: 'birth_date', reason: 'Generalized to the year; needed whole for the ageing model.' },
    ];
    expect(codes(doc)).toEqual([]);
    const text = renderGrantText(doc, { sha256: 'x' });
    expect(text).toContain(
      'Quasi-identifier birth_date is released outside k-anonymity. Reason: Generalized to the year; needed whole for the ageing model.',
    );
    // A dropped quasi-identifier need not be counted; without k-anonymity every released one must be excluded.
    delete doc.datasets[0].kAnonymity;
    expect(codes(doc).map((c) => c.split(' ')[0])).toEqual([
      ContractErrorCode.CONTRACT_QUASI_IDENTIFIER_UNCOUNTED,
      ContractErrorCode.CONTRACT_QUASI_IDENTIFIER_UNCOUNTED,
    ]);
  });

  it.each([
    ['a column that is no quasi-identifier', 'torque_nm'],
    ['a quasi-identifier the k-anonymity set counts', 'plant'],
  ])('refuses an exclusion of %s', (_what, column) => {
    const doc = v2();
    doc.datasets[0].quasiIdentifierExclusions = [{ column, reason: 'because' }];
    expect(codes(doc)).toEqual([
      `${ContractErrorCode.CONTRACT_EXCLUSION_INVALID} at datasets[0].quasiIdentifierExclusions[0].column`,
    ]);
  });
});

describe('renderGrantText in English and Korean', () => {
  const doc = parseGrantDocument(v2());
  const sha = sha256Hex(canonicalBytes(doc));
  const en = renderGrantText(doc, { sha256: sha, lang: 'en' });
  const ko = renderGrantText(doc, { sha256: sha, lang: 'ko' });

  it('says the same terms line for line, from the same document', () => {
    expect(ko.split('\n')).toHaveLength(en.split('\n').length);
    for (const text of [en, ko]) {
      expect(text).toContain(sha);
      expect(text).toContain('50000');
      expect(text).toContain('Press line sensors');
    }
    expect(renderGrantText(doc, { sha256: sha })).toBe(en);
  });

  it('writes every enforced term in each language', () => {
    expect(en).toContain(
      'Whole-view exports are allowed: at most 50000 rows per export and 3 exports per day (UTC).',
    );
    expect(en).toContain('the hub deletes its de-identified views within 24 hours');
    expect(en).toContain('Rows are released in an order shuffled with a key of this grant');
    expect(en).toContain('- defect [sensitive] — released unchanged');
    expect(ko).toContain('전체 뷰 내보내기 허용: 내보내기당 최대 50000행, 하루(UTC) 최대 3회.');
    expect(ko).toContain('24시간 이내에 삭제');
    expect(ko).toContain('행은 이 허가의 키로 섞인 순서로 제공됩니다');
    expect(ko).toContain('- defect [민감정보] — 변경 없이 제공');
    expect(ko).toContain('시간 단위로 일반화');
  });

  it('says exports are forbidden when they are', () => {
    const d = v2();
    d.limits.exports = { allowed: false, maxRowsPerExport: 1, perDay: 1 };
    expect(renderGrantText(d, { sha256: sha })).toContain('Whole-view exports are not allowed');
    expect(renderGrantText(d, { sha256: sha, lang: 'ko' })).toContain('전체 뷰 내보내기는 허용되지 않으며');
  });

  it('writes a v1 document’s export limit as the hub enforces it: an export is a query', () => {
    expect(renderGrantText(sampleGrant(), { sha256: sha })).toContain(
      'An export counts as a query: at most 10000 rows per export.',
    );
  });
});

describe('the risk review written into a v2 grant', () => {
  const review = {
    schema: 'maxhub.risk-review/v1' as const,
    reportSha256: 'ab'.repeat(32),
    metric: 'DM_STAR' as const,
    rows: 1200,
    rowsSuppressed: 7,
    classes: 31,
    smallestClass: 5,
    uniqueRowsBefore: 640,
    uniqueRowsAfter: 0,
    highestRisk: '0.2',
    averageRisk: '0.026587',
    informationLoss: '0.031246',
  };
  function reviewed(): GrantDocument {
    const doc = v2();
    for (const c of doc.datasets[0].columns)
      if (['plant', 'shift_start', 'birth_date'].includes(c.name)) c.transform = { kind: 'keep' };
    doc.datasets[0].kAnonymity = {
      k: 5,
      quasiIdentifiers: ['plant', 'shift_start', 'birth_date'],
      suppressionLimit: 0.04,
      hierarchies: { plant: [], shift_start: [{ method: 'time', level: 'day' }] },
      levels: { plant: 1, shift_start: 1, birth_date: 0 },
    };
    doc.datasets[0].riskReview = { ...review };
    return doc;
  }

  it('round-trips and renders its figures, its report hash and the chosen levels in both languages', () => {
    const doc = parseGrantDocument(reviewed());
    expect(parseCanonicalGrant(canonicalBytes(doc))).toEqual(doc);
    expect(codes(doc)).toEqual([]);
    const sha = sha256Hex(canonicalBytes(doc));
    const en = renderGrantText(doc, { sha256: sha });
    expect(en).toContain('of 1200 rows, 7 are suppressed');
    expect(en).toContain('31 classes are released, the smallest of 5 rows');
    expect(en).toContain('highest 0.2, average 0.026587');
    expect(en).toContain('640 in the raw data, 0 released');
    expect(en).toContain('information loss (normalized, 0 to 1): 0.031246');
    expect(en).toContain(`SHA-256: ${'ab'.repeat(32)}`);
    expect(en).toContain('plant: withheld in every row (*) for k-anonymity (level 1)');
    expect(en).toContain('DM* (sum of squared class sizes)');
    const ko = renderGrantText(doc, { sha256: sha, lang: 'ko' });
    expect(ko).toContain('전체 1200행 중 7행이 삭제됩니다');
    expect(ko).toContain('31개 동등 클래스');
    expect(ko).toContain(`SHA-256: ${'ab'.repeat(32)}`);
    expect(ko).toContain('모든 행에서 값을 제공하지 않음(*)');
  });

  it('says, before the review, that the levels are not chosen and the version cannot be signed yet', () => {
    const doc = reviewed();
    delete doc.datasets[0].riskReview;
    delete doc.datasets[0].kAnonymity!.levels;
    const parsed = parseGrantDocument(doc);
    const sha = sha256Hex(canonicalBytes(parsed));
    expect(renderGrantText(parsed, { sha256: sha })).toContain(
      'The levels of plant, shift_start are not chosen yet',
    );
    expect(renderGrantText(parsed, { sha256: sha, lang: 'ko' })).toContain('아직 선택되지 않았습니다');
  });

  it('refuses figures that are not whole or decimal text, and the review in a v1 grant', () => {
    const bad = reviewed();
    (bad.datasets[0].riskReview as Record<string, unknown>).highestRisk = 0.2;
    expect(() => parseGrantDocument(bad)).toThrow(
      expect.objectContaining({ code: ContractErrorCode.CONTRACT_MALFORMED }),
    );
    const v1 = { ...reviewed(), schema: 'maxhub.grant/v1' as const };
    expect(() => parseGrantDocument(v1)).toThrow(/exists only in v2 grants/);
  });
});

describe('a shifted date’s time of day, in words', () => {
  const shifted = (timeOfDay?: unknown) => {
    const doc = v2();
    doc.datasets[0].columns[2] = {
      name: 'shift_start',
      class: 'QUASI_IDENTIFIER',
      transform: {
        kind: 'shiftDate',
        maxDays: 30,
        entityColumn: 'operator_id',
        ...(timeOfDay === undefined ? {} : { timeOfDay }),
      } as never,
    };
    const parsed = parseGrantDocument(doc);
    return [renderGrantText(parsed, { sha256: 'x' }), renderGrantText(parsed, { sha256: 'x', lang: 'ko' })];
  };

  it('says plainly what each treatment keeps, in both languages', () => {
    const [keepEn, keepKo] = shifted();
    expect(keepEn).toContain(
      'the time of day is kept exactly (it is the same in every grant and can match rows across grants)',
    );
    expect(keepKo).toContain('시각은 그대로 유지');
    const [hourEn, hourKo] = shifted({ mode: 'truncate', to: 'hour' });
    expect(hourEn).toContain('the time of day is cut to the hour (minutes and seconds are not released)');
    expect(hourKo).toContain('시각은 시 단위로 절삭');
    const [dayEn] = shifted({ mode: 'truncate', to: 'day' });
    expect(dayEn).toContain('the time of day is not released');
    const [jitterEn, jitterKo] = shifted({ mode: 'jitter', minutes: 45 });
    expect(jitterEn).toContain('moved by a secret random offset of up to ±45 minutes for each row');
    expect(jitterKo).toContain('최대 ±45분');
  });
});
