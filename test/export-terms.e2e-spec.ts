import { TestContext, type GqlResult } from './support/test-context';
import { materializeViews, newActiveGrant, newQueryFixture, type QueryFixture } from './support/views';

const EXPORT = `mutation($g: ID!, $d: ID!) { exportSlice(grantId: $g, datasetId: $d, format: CSV) { path rowCount } }`;
const SLICE = `query($g: ID!, $d: ID!) { slice(grantId: $g, datasetId: $d, first: 10) { rowsReturned viewRowCount } }`;
const TEXT = `query($id: ID!) { grant(id: $id) { currentVersion { text } } }`;
const REFUSED = `query($s: String!) { auditEntries(companySlug: $s, action: "query.export.refused", first: 100) { entries { subjectId details } } }`;

const reasonOf = (r: GqlResult) => r.errors?.[0]?.extensions?.reason;

describe('whole-view exports as the signed document writes them (e2e, real PostgreSQL and MinIO)', () => {
  let ctx: TestContext;
  let f: QueryFixture;
  let viewRows: number;

  beforeAll(async () => {
    ctx = await TestContext.create();
    f = await newQueryFixture(ctx);
  }, 180_000);
  afterAll(async () => ctx?.close());

  async function grantWith(exports: { allowed: boolean; maxRowsPerExport: number; perDay: number }) {
    const g = await newActiveGrant(ctx, f, { exports });
    await materializeViews(ctx);
    const s = await ctx.gqlOk(SLICE, { g: g.grantId, d: f.dataset.datasetId }, f.analyst.token);
    viewRows = s.slice.viewRowCount as number;
    const text = (await ctx.gqlOk(TEXT, { id: g.grantId }, f.analyst.token)).grant.currentVersion
      .text as string;
    return { grantId: g.grantId, text };
  }

  async function download(path: string) {
    return ctx.http.get(path).set('authorization', `Bearer ${f.analyst.token}`);
  }

  it('refuses every export under a grant that allows none, and says so in the document; paged queries still work', async () => {
    const g = await grantWith({ allowed: false, maxRowsPerExport: 1, perDay: 1 });
    expect(g.text).toContain('Whole-view exports are not allowed; data is read only through paged queries.');
    const r = await ctx.gql(EXPORT, { g: g.grantId, d: f.dataset.datasetId }, f.analyst.token);
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'EXPORT_NOT_ALLOWED' });
    expect(r.errors?.[0].message).toBe(
      `grant ${g.grantId} does not allow whole-view exports; read the data with slice (paged queries)`,
    );
    const refused = await ctx.gqlOk(REFUSED, { s: f.company.slug }, f.grantor.token);
    expect(refused.auditEntries.entries).toContainEqual(
      expect.objectContaining({
        subjectId: g.grantId,
        details: expect.objectContaining({ reason: 'EXPORT_NOT_ALLOWED' }),
      }),
    );
  });

  it('refuses an export of a view larger than one export may be, naming both numbers', async () => {
    const g = await grantWith({ allowed: true, maxRowsPerExport: 100, perDay: 5 });
    expect(viewRows).toBeGreaterThan(100);
    expect(g.text).toContain('at most 100 rows per export and 5 exports per day (UTC)');
    const r = await ctx.gql(EXPORT, { g: g.grantId, d: f.dataset.datasetId }, f.analyst.token);
    expect(reasonOf(r)).toBe('EXPORT_TOO_MANY_ROWS');
    expect(r.errors?.[0].message).toBe(
      `grant ${g.grantId} allows at most 100 rows per export and the view holds ${viewRows}; read it with slice (paged queries)`,
    );
  });

  it('counts exports per UTC day and refuses the one past the limit, with nothing served', async () => {
    const g = await grantWith({ allowed: true, maxRowsPerExport: 100_000, perDay: 2 });
    const paths: string[] = [];
    for (let i = 0; i < 3; i++) {
      const e = await ctx.gqlOk(EXPORT, { g: g.grantId, d: f.dataset.datasetId }, f.analyst.token);
      expect(e.exportSlice.rowCount).toBe(viewRows);
      paths.push(e.exportSlice.path as string);
    }
    for (const p of paths.slice(0, 2)) {
      const ok = await download(p);
      expect(ok.status).toBe(200);
      expect(ok.text.trim().split('\n')).toHaveLength(viewRows + 1);
    }
    const third = await download(paths[2]);
    expect(third.status).toBe(403);
    expect(third.body).toEqual({
      error: {
        code: 'FORBIDDEN',
        reason: 'EXPORT_DAILY_LIMIT_REACHED',
        message: `grant ${g.grantId} allows 2 exports per day (UTC); they are used up`,
      },
    });
    const usage: Array<{ exports: number }> = await ctx.dataSource.query(
      'SELECT exports FROM grant_query_usage WHERE grant_id = $1',
      [g.grantId],
    );
    expect(usage).toEqual([{ exports: 2 }]);
    // Paged queries are not exports: they still count only against the day's queries.
    expect(
      (await ctx.gqlOk(SLICE, { g: g.grantId, d: f.dataset.datasetId }, f.analyst.token)).slice.rowsReturned,
    ).toBe(10);
  });
});
