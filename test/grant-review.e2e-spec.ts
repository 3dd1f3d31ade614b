import { createHash } from 'node:crypto';
import { parseCanonicalGrant, renderGrantText } from '@maxhub/contracts';
import { signDetached } from '@maxhub/pki';
import { weldGrantTerms } from '@maxhub/testing';
import { type GqlResult, TestContext } from './support/test-context';
import { newQueryFixture, type QueryFixture } from './support/views';

const VERSION_FIELDS = `grantId version state sha256 canonicalDocument text
  riskReview { status errorCode errorMessage datasets {
    datasetId metric levels rows rowsSuppressed classes smallestClass uniqueRowsBefore uniqueRowsAfter
    highestRisk averageRisk informationLoss reportSha256 report } }`;
const DRAFT = `mutation($input: DraftGrantInput!) { draftGrant(input: $input) { ${VERSION_FIELDS} } }`;
const GRANT = `query($id: ID!) { grant(id: $id) { currentVersion { ${VERSION_FIELDS} } } }`;
const ATTACH = `mutation($g: ID!, $s: String!, $p: GrantParty) { attachGrantSignature(grantId: $g, version: 1, signature: $s, party: $p) { state } }`;

interface ReviewedVersion {
  grantId: string;
  state: string;
  sha256: string;
  canonicalDocument: string;
  text: string;
  riskReview: {
    status: string;
    errorCode: string | null;
    errorMessage: string | null;
    datasets: Array<Record<string, unknown> & { report: string; reportSha256: string }>;
  } | null;
}

const reasonOf = (r: GqlResult) => r.errors?.[0]?.extensions?.reason;

/** The weld terms with hierarchies (and no levels): the worker's review must choose them. */
function reviewedTerms(f: QueryFixture, lineMap: Record<string, string>, keepTime = true, k = 15) {
  const terms = weldGrantTerms(f.dataset);
  // With hierarchies a quasi-identifier is kept: its level, not a transform, decides what is released.
  const time = terms.datasets[0].columns.find((c) => c.name === 'welded_at')!;
  if (keepTime) time.transform = { kind: 'keep' };
  terms.datasets[0].kAnonymity = {
    // Each raw timestamp holds 10 rows (row i's second and hour follow i mod 60): k = 15 needs the hour.
    k,
    quasiIdentifiers: ['line', 'welded_at'],
    suppressionLimit: 0.1,
    hierarchies: {
      line: [{ method: 'map', map: lineMap, otherwise: '*' }],
      welded_at: [
        { method: 'time', level: 'hour' },
        { method: 'time', level: 'day' },
      ],
    },
  } as never;
  return terms;
}

describe('the risk review of a drafted grant (e2e, worker, real PostgreSQL and MinIO)', () => {
  let ctx: TestContext;
  let f: QueryFixture;

  beforeAll(async () => {
    ctx = await TestContext.create();
    f = await newQueryFixture(ctx);
  }, 180_000);
  afterAll(async () => ctx?.close());

  async function draft(lineMap: Record<string, string>, keepTime = true, k?: number) {
    const now = Date.now();
    return ctx.gql<{ draftGrant: ReviewedVersion }>(
      DRAFT,
      {
        input: {
          grantorCompanySlug: f.company.slug,
          granteeWorkingGroupSlug: f.group.slug,
          purpose: 'Weld-defect analysis (risk review tests).',
          termFrom: new Date(now - 3600_000).toISOString(),
          termUntil: new Date(now + 30 * 86_400_000).toISOString(),
          ...reviewedTerms(f, lineMap, keepTime, k),
        },
      },
      f.grantor.token,
    );
  }

  async function reviewed(grantId: string): Promise<ReviewedVersion> {
    for (let i = 0; i < 300; i++) {
      const g = await ctx.gqlOk<{ grant: { currentVersion: ReviewedVersion } }>(
        GRANT,
        { id: grantId },
        f.grantor.token,
      );
      if (g.grant.currentVersion.riskReview?.status !== 'PENDING') return g.grant.currentVersion;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('the review stayed PENDING');
  }

  const sign = (signer: QueryFixture['grantor'], doc: string) =>
    signDetached(Buffer.from(doc, 'utf8'), signer.keyPem, signer.certPem).toString('base64');

  it('drafts PENDING, refuses signatures until the review is READY, then signs, activates and materializes what the document says', async () => {
    const lineMap = { L1: 'North', L2: 'North', L3: 'South', L4: 'South' };
    const drafted = (await draft(lineMap)).data!.draftGrant;
    expect(drafted.riskReview).toMatchObject({ status: 'PENDING', datasets: [] });
    expect(drafted.text).toContain('The levels of line, welded_at are not chosen yet');
    const early = await ctx.gql(
      ATTACH,
      { g: drafted.grantId, s: sign(f.grantor, drafted.canonicalDocument) },
      f.grantor.token,
    );
    expect(early.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(reasonOf(early)).toBe('GRANT_REVIEW_PENDING');
    expect(early.errors?.[0]?.message).toMatch(/risk review .* is still running/);

    await ctx.startWorker();
    const v = await reviewed(drafted.grantId);
    expect(v.riskReview?.status).toBe('READY');
    expect(v.sha256).not.toBe(drafted.sha256);
    const [r] = v.riskReview!.datasets;
    // 450 rows pass the row filter (lines L1–L3); five of them sit alone in an hour of their own.
    expect(r).toMatchObject({
      datasetId: f.dataset.datasetId,
      metric: 'DM_STAR',
      levels: { line: 0, welded_at: 1 },
      rows: 450,
      rowsSuppressed: 5,
      uniqueRowsAfter: 0,
    });
    expect(r.classes).toBe(9); // (line, hour) pairs of rows i mod 12 with line L1–L3
    expect(r.smallestClass as number).toBeGreaterThanOrEqual(5);
    expect(r.uniqueRowsBefore as number).toBeGreaterThan(0);
    expect(createHash('sha256').update(r.report, 'utf8').digest('hex')).toBe(r.reportSha256);
    expect(JSON.parse(r.report)).toMatchObject({ schema: 'maxhub.risk-review/v1', rowsSuppressed: 5 });

    // The signed document carries the levels, the figures and the report's hash; both renderings print them.
    const doc = parseCanonicalGrant(Buffer.from(v.canonicalDocument, 'utf8'));
    expect(doc.datasets[0].kAnonymity?.levels).toEqual({ line: 0, welded_at: 1 });
    expect(doc.datasets[0].riskReview).toMatchObject({
      reportSha256: r.reportSha256,
      rows: 450,
      rowsSuppressed: 5,
    });
    expect(v.text).toContain('of 450 rows, 5 are suppressed');
    expect(v.text).toContain(r.reportSha256);
    const ko = renderGrantText(doc, { sha256: v.sha256, lang: 'ko' });
    expect(ko).toContain('전체 450행 중 5행이 삭제됩니다');
    expect(ko).toContain(r.reportSha256);

    // A signature over the pre-review draft covers other bytes: refused.
    const stale = await ctx.gql(
      ATTACH,
      { g: v.grantId, s: sign(f.grantor, drafted.canonicalDocument) },
      f.grantor.token,
    );
    expect(stale.errors).toBeDefined();

    await ctx.gqlOk(ATTACH, { g: v.grantId, s: sign(f.grantor, v.canonicalDocument) }, f.grantor.token);
    const a = await ctx.gqlOk<{ attachGrantSignature: { state: string } }>(
      ATTACH,
      { g: v.grantId, s: sign(f.groupLegal, v.canonicalDocument), p: 'GRANTEE' },
      f.groupLegal.token,
    );
    expect(a.attachGrantSignature.state).toBe('ACTIVE');

    // The worker materializes it, suppressing exactly the rows the review said.
    let view: { status: string; rows_suppressed: string | null; error_code: string | null } | undefined;
    for (let i = 0; i < 300; i++) {
      const rows: Array<{ status: string; rows_suppressed: string | null; error_code: string | null }> =
        await ctx.dataSource.query(
          'SELECT status, rows_suppressed, error_code FROM grant_views WHERE grant_id = $1',
          [v.grantId],
        );
      view = rows[0];
      if (view !== undefined && ['READY', 'FAILED'].includes(view.status)) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(view).toEqual({ status: 'READY', rows_suppressed: '5', error_code: null });
  }, 120_000);

  it('refuses at draft a hierarchy on a quasi-identifier another transform releases (GRANT_KANONYMITY_INVALID)', async () => {
    const r = await draft({ L1: 'North', L2: 'North', L3: 'South', L4: 'South' }, false);
    expect(reasonOf(r)).toBe('GRANT_KANONYMITY_INVALID');
    expect(r.errors?.[0]?.message).toContain('"welded_at" must be kept');
  });

  it('fails the review of a hierarchy that does not cover a value, naming the column and level but not the value, and never lets it be signed', async () => {
    if (ctx === undefined) return;
    const drafted = (await draft({ L1: 'North', L2: 'North' })).data!.draftGrant;
    const v = await reviewed(drafted.grantId);
    expect(v.riskReview).toMatchObject({
      status: 'FAILED',
      errorCode: 'DEID_HIERARCHY_INCOMPLETE',
      datasets: [],
    });
    expect(v.riskReview!.errorMessage).toContain('"line"');
    expect(v.riskReview!.errorMessage).toContain('level 1');
    expect(v.riskReview!.errorMessage).not.toContain('L3');
    const r = await ctx.gql(
      ATTACH,
      { g: v.grantId, s: sign(f.grantor, v.canonicalDocument) },
      f.grantor.token,
    );
    expect(reasonOf(r)).toBe('GRANT_REVIEW_FAILED');
    expect(JSON.stringify(r)).not.toContain('L3');
  }, 120_000);

  it('fails the review when no generalization reaches k within the suppression limit (DEID_PRIVACY_MODELS_UNSATISFIABLE)', async () => {
    const lineMap = { L1: 'North', L2: 'North', L3: 'South', L4: 'South' };
    const drafted = (await draft(lineMap, true, 1000)).data!.draftGrant;
    const v = await reviewed(drafted.grantId);
    expect(v.riskReview).toMatchObject({ status: 'FAILED', errorCode: 'DEID_PRIVACY_MODELS_UNSATISFIABLE' });
    const r = await ctx.gql(
      ATTACH,
      { g: v.grantId, s: sign(f.grantor, v.canonicalDocument) },
      f.grantor.token,
    );
    expect(reasonOf(r)).toBe('GRANT_REVIEW_FAILED');
    expect(r.errors?.[0]?.message).toContain('DEID_PRIVACY_MODELS_UNSATISFIABLE');
  }, 120_000);
});
