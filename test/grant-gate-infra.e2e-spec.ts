import { DataSource } from 'typeorm';
import { GrantGateService } from '../apps/hub/src/modules/grants/grant-gate.service';
import { PkiService } from '../apps/hub/src/modules/pki/pki.service';
import { type GqlResult, TestContext } from './support/test-context';
import { materializeViews, newActiveGrant, newQueryFixture, type QueryFixture } from './support/views';

const SLICE = `query($g: ID!, $d: ID!, $f: Int) { slice(grantId: $g, datasetId: $d, first: $f) { rowsReturned } }`;
const AUDIT = `query($s: String!, $a: String) { auditEntries(companySlug: $s, action: $a, first: 1000) { entries { seq action subjectId details } } }`;

/** What pg throws when the server goes away under a query (admin_shutdown). */
function connectionLost(): Error {
  return Object.assign(new Error('terminating connection due to administrator command'), {
    code: '57P01',
    severity: 'FATAL',
  });
}

/**
 * Issue 11, item 5: infrastructure failures are not security verdicts. A database failure while
 * the gate reads what it checks on a cache miss answers SERVICE_UNAVAILABLE, and the refusal the
 * owner's audit log records says the check was unavailable, never that the grant was tampered with.
 */
describe('the grant gate under a database failure (e2e, real PostgreSQL)', () => {
  let ctx: TestContext;
  let f: QueryFixture;
  let grant: { grantId: string };

  beforeAll(async () => {
    ctx = await TestContext.create();
    f = await newQueryFixture(ctx, 200);
    grant = await newActiveGrant(ctx, f);
    await materializeViews(ctx);
  }, 180_000);
  afterAll(async () => ctx?.close());
  afterEach(() => jest.restoreAllMocks());

  /** Makes the gate's next query whose SQL contains `marker` reject once like a lost connection. */
  function failOnce(marker: string): { failed: () => boolean } {
    const ds = ctx.app.get(DataSource);
    const real = ds.query.bind(ds);
    let failed = false;
    jest.spyOn(ds, 'query').mockImplementation(((sql: string, params?: unknown[]) => {
      if (!failed && sql.includes(marker)) {
        failed = true;
        return Promise.reject(connectionLost());
      }
      return real(sql, params);
    }) as DataSource['query']);
    return { failed: () => failed };
  }

  const slice = () => ctx.gql(SLICE, { g: grant.grantId, d: f.dataset.datasetId, f: 1 }, f.analyst.token);

  async function refusalReasons(): Promise<string[]> {
    const audit = await ctx.gqlOk(AUDIT, { s: f.company.slug, a: 'query.slice.refused' }, f.grantor.token);
    return (audit.auditEntries.entries as Array<{ subjectId: string; details: { reason: string } }>)
      .filter((e) => e.subjectId === grant.grantId)
      .map((e) => e.details.reason);
  }

  function expectUnavailable(r: GqlResult) {
    expect(r.data).toBeNull();
    expect(r.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(r.errors?.[0]?.extensions?.reason).toBe('DATABASE_UNAVAILABLE');
  }

  it('serves the grant when nothing fails', async () => {
    expect((await slice()).errors).toBeUndefined();
  });

  it('answers SERVICE_UNAVAILABLE, not GRANT_DOCUMENT_TAMPERED, when the document read fails on a cache miss', async () => {
    ctx.app
      .get<GrantGateService, { parsedDocuments: Map<string, unknown> }>(GrantGateService)
      .parsedDocuments.clear();
    const spy = failOnce('SELECT document FROM grant_versions');
    const r = await slice();
    expect(spy.failed()).toBe(true);
    expectUnavailable(r);
    const reasons = await refusalReasons();
    expect(reasons).not.toContain('GRANT_DOCUMENT_TAMPERED');
    expect(reasons).not.toContain('GRANT_SIGNATURE_INVALID');
    expect(reasons).toContain(r.errors?.[0]?.extensions?.reason);
    // The failure was the database's: the next query is served.
    expect((await slice()).errors).toBeUndefined();
  });

  it('answers SERVICE_UNAVAILABLE, not GRANT_SIGNATURE_INVALID, when the signature read fails on a cache miss', async () => {
    ctx.app.get<PkiService, { verifications: Map<string, unknown> }>(PkiService).verifications.clear();
    const spy = failOnce('JOIN grant_signatures s');
    const r = await slice();
    expect(spy.failed()).toBe(true);
    expectUnavailable(r);
    const reasons = await refusalReasons();
    expect(reasons).not.toContain('GRANT_DOCUMENT_TAMPERED');
    expect(reasons).not.toContain('GRANT_SIGNATURE_INVALID');
    expect(reasons).toContain(r.errors?.[0]?.extensions?.reason);
    expect((await slice()).errors).toBeUndefined();
  });
});
