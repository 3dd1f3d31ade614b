import { Readable } from 'node:stream';
import { encodeClassKey } from '@maxhub/deidentification';
import { capturedLogs, TestContext, type GqlResult } from '@maxhub/testing';
import {
  CANARY,
  materializeViews,
  newActiveGrant,
  newQueryFixture,
  terminateGrant,
  type QueryFixture,
} from '../libs/testing/src/views';
import { createChunkCache, ViewReader } from '@maxhub/views';
import { AuditService } from '../apps/hub/src/modules/audit/audit.service';
import { ViewsService } from '../apps/hub/src/modules/views/views.service';
import { bufferSource, readCsv, readJsonl, readParquet } from '@maxhub/formats';

const SLICE = `query($g: ID!, $d: ID!, $c: [String!], $w: [SlicePredicateInput!], $o: [SliceOrderInput!], $f: Int, $a: String) {
  slice(grantId: $g, datasetId: $d, columns: $c, where: $w, orderBy: $o, first: $f, after: $a) {
    columns { name type } rows rowsReturned nextCursor rowsSuppressed rowsFilteredByGrant viewRowCount k
    datasetVersionId grantVersion queryHash
  }
}`;
const EXPORT = `mutation($g: ID!, $d: ID!, $f: ExportFormat!) { exportSlice(grantId: $g, datasetId: $d, format: $f) { path format rowCount expiresAt } }`;
const AUDIT = `query($s: String!, $a: String) { auditEntries(companySlug: $s, action: $a, first: 1000) { entries { seq action actorUserId companyId workingGroupId subjectId details } } }`;

const reasonOf = (r: GqlResult) => r.errors?.[0]?.extensions?.reason;

describe('slice and exportSlice over materialized views (e2e, real PostgreSQL and MinIO)', () => {
  let ctx: TestContext;
  let f: QueryFixture;
  let grant: { grantId: string; sha256: string };
  const emitted: string[] = [];

  async function slice(vars: Record<string, unknown>, token = f.analyst.token) {
    const r = await ctx.gql(SLICE, { g: grant.grantId, d: f.dataset.datasetId, ...vars }, token);
    emitted.push(JSON.stringify(r));
    return r;
  }

  beforeAll(async () => {
    ctx = await TestContext.create();
    f = await newQueryFixture(ctx);
    grant = await newActiveGrant(ctx, f);
    await materializeViews(ctx);
  }, 180_000);
  afterAll(async () => ctx?.close());

  it('returns de-identified rows with column types, counts and a cursor that pages through the view', async () => {
    const r = await slice({ f: 100 });
    expect(r.errors).toBeUndefined();
    const page = r.data!.slice;
    expect(page.columns).toEqual([
      { name: 'operator_id', type: 'string' },
      { name: 'badge_id', type: 'string' },
      { name: 'line', type: 'string' },
      { name: 'welded_at', type: 'string' },
      { name: 'current_ka', type: 'decimal' },
      { name: 'defect', type: 'boolean' },
    ]);
    expect(page.rowsReturned).toBe(100);
    expect(page.rows[0].operator_id).toMatch(/^ps_[0-9a-f]+$/);
    expect(page.rows[0]).not.toHaveProperty('machine_serial');
    expect(page.rowsFilteredByGrant).toBe(150);
    expect(page.rowsSuppressed).toBeGreaterThan(0);
    expect(page.k).toBe(5);
    let total = page.rowsReturned;
    let after = page.nextCursor;
    while (after) {
      const next = await slice({ f: 100, a: after });
      total += next.data!.slice.rowsReturned;
      after = next.data!.slice.nextCursor;
    }
    expect(total).toBe(page.viewRowCount);
  });

  it('filters on de-identified values of granted columns and sorts a small view', async () => {
    const r = await slice({
      f: 50,
      c: ['line', 'current_ka'],
      w: [
        { column: 'line', op: 'eq', value: 'L2' },
        { column: 'current_ka', op: 'gte', value: 13 },
      ],
      o: [{ column: 'current_ka', direction: 'DESC' }],
    });
    expect(r.errors).toBeUndefined();
    const rows = r.data!.slice.rows as Array<{ line: string; current_ka: number }>;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((x) => x.line === 'L2' && x.current_ka >= 13)).toBe(true);
    expect(rows[0].current_ka).toBeGreaterThanOrEqual(rows[rows.length - 1].current_ka);
  });

  it('writes an audit entry per query that the owner sees, with the owner company, the grantee group and the query hash', async () => {
    const r = await slice({ f: 7 });
    const audit = await ctx.gqlOk(AUDIT, { s: f.company.slug, a: 'query.slice' }, f.grantor.token);
    const mine = audit.auditEntries.entries.find(
      (e: { details: { queryHash: string } }) => e.details.queryHash === r.data!.slice.queryHash,
    );
    expect(mine).toMatchObject({
      companyId: f.company.id,
      workingGroupId: f.group.id,
      subjectId: grant.grantId,
      details: { rowsReturned: 7, datasetVersionId: f.dataset.versionId, grantVersion: 1 },
    });
    expect(mine.details.rowsSuppressed).toBeGreaterThan(0);
  });

  it('shows the owner who granted what in the catalog, and other members nothing of it', async () => {
    const q = `query($id: ID!) { dataset(id: $id) { owned grants { grantId grantVersion state workingGroupSlug datasetVersion } } }`;
    const owner = await ctx.gqlOk(q, { id: f.dataset.datasetId }, f.grantor.token);
    expect(owner.dataset.owned).toBe(true);
    expect(owner.dataset.grants).toEqual(
      expect.arrayContaining([
        {
          grantId: grant.grantId,
          grantVersion: 1,
          state: 'ACTIVE',
          workingGroupSlug: f.group.slug,
          datasetVersion: f.dataset.version,
        },
      ]),
    );
    const other = await ctx.gqlOk(q, { id: f.dataset.datasetId }, f.analyst.token);
    expect(other.dataset).toEqual({ owned: false, grants: [] });
  });

  it('refuses a member of the grantee group who is not an analyst', async () => {
    const r = await slice({ f: 10 }, f.groupLegal.token);
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(reasonOf(r)).toBe('SLICE_ANALYST_REQUIRED');
    expect(r.data).toBeNull();
  });

  it('answers NOT_FOUND to an analyst of another working group', async () => {
    const r = await slice({ f: 10 }, f.otherAnalyst.token);
    expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(reasonOf(r)).toBe('SLICE_GRANT_NOT_FOUND');
  });

  it('refuses a column the grant does not give, naming the grant', async () => {
    const r = await slice({ f: 10, c: ['line', 'machine_serial'] });
    expect(reasonOf(r)).toBe('SLICE_COLUMN_NOT_GRANTED');
    expect(r.errors?.[0]?.message).toContain(grant.grantId);
  });

  it('refuses a filter on a column the grant does not give, naming the grant', async () => {
    const r = await slice({ f: 10, w: [{ column: 'recipe', op: 'eq', value: `${CANARY.recipe}1` }] });
    expect(reasonOf(r)).toBe('SLICE_FILTER_COLUMN_NOT_GRANTED');
    expect(r.errors?.[0]?.message).toContain(grant.grantId);
  });

  it('refuses a page larger than the grant’s rows per query', async () => {
    const r = await slice({ f: 501 });
    expect(reasonOf(r)).toBe('SLICE_PAGE_TOO_LARGE');
  });

  it('refuses a cursor reused with a different query', async () => {
    const first = await slice({ f: 5 });
    const r = await slice({ f: 5, c: ['line'], a: first.data!.slice.nextCursor });
    expect(reasonOf(r)).toBe('SLICE_CURSOR_INVALID');
  });

  it('refuses a grantId or datasetId that is not a UUID with BAD_USER_INPUT naming the field, before anything reaches any audit log', async () => {
    // Newlines, an RTL override and text: what an attacker would plant in both parties' logs.
    const planted = `${f.dataset.datasetId}\n\u202Eexe.gpj\r\n`;
    const seq = async () =>
      (
        await ctx.dataSource.query<Array<{ s: string }>>(
          'SELECT coalesce(max(seq), 0)::text AS s FROM audit_entries',
        )
      )[0].s;
    const before = await seq();
    // Control and bidi characters are refused by the input guard (INPUT_TEXT_UNSAFE), 100 KB
    // by its length limit, plain text that is not a UUID by the query's own check.
    for (const [hostile, reason] of [
      [planted + 'A'.repeat(1000), 'INPUT_TEXT_UNSAFE'],
      [`${f.dataset.datasetId}.exe${'A'.repeat(1000)}`, 'SLICE_ID_INVALID'],
      ['A'.repeat(100 * 1024), 'INPUT_TOO_LONG'],
    ])
      for (const token of [f.analyst.token, f.otherAnalyst.token, f.groupLegal.token]) {
        for (const [field, vars] of [
          ['datasetId', { g: grant.grantId, d: hostile }],
          ['grantId', { g: hostile, d: f.dataset.datasetId }],
        ] as const) {
          for (const r of [
            await ctx.gql(SLICE, { ...vars, f: 1 }, token),
            await ctx.gql(EXPORT, { ...vars, f: 'CSV' }, token),
          ]) {
            expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason });
            expect(r.errors?.[0]?.message).toContain(field);
            expect(r.errors?.[0]?.message).not.toContain('AAAA');
          }
        }
      }
    expect(await seq()).toBe(before);
  });

  it('audits refused calls with their reason code', async () => {
    const audit = await ctx.gqlOk(AUDIT, { s: f.company.slug, a: 'query.slice.refused' }, f.grantor.token);
    const reasons = audit.auditEntries.entries.map((e: { details: { reason: string } }) => e.details.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([
        'SLICE_ANALYST_REQUIRED',
        'SLICE_GRANT_NOT_FOUND',
        'SLICE_COLUMN_NOT_GRANTED',
        'SLICE_FILTER_COLUMN_NOT_GRANTED',
        'SLICE_PAGE_TOO_LARGE',
      ]),
    );
  });

  async function download(path: string, token = f.analyst.token) {
    const res = await ctx.http
      .get(path)
      .set('authorization', `Bearer ${token}`)
      .buffer(true)
      .parse((r, cb) => {
        const parts: Buffer[] = [];
        r.on('data', (c: Buffer) => parts.push(c));
        r.on('end', () => cb(null, Buffer.concat(parts)));
        r.on('error', (e) => cb(e, Buffer.alloc(0)));
      });
    emitted.push((res.body as Buffer).toString('latin1'));
    return res;
  }

  async function count(reader: AsyncIterable<{ records: unknown[][] }>): Promise<number> {
    let n = 0;
    for await (const b of reader) n += b.records.length;
    return n;
  }

  it('exports the whole view through the hub as CSV, JSON lines and Parquet', async () => {
    const first = await slice({ f: 1 });
    const total = first.data!.slice.viewRowCount as number;
    for (const format of ['CSV', 'JSONL', 'PARQUET'] as const) {
      const e = await ctx.gqlOk(
        EXPORT,
        { g: grant.grantId, d: f.dataset.datasetId, f: format },
        f.analyst.token,
      );
      emitted.push(JSON.stringify(e));
      expect(e.exportSlice.path).toMatch(/^\/exports\/[A-Za-z0-9_.-]+$/);
      expect(e.exportSlice.path).not.toMatch(/X-Amz|https?:/);
      const res = await download(e.exportSlice.path);
      expect(res.status).toBe(200);
      const body = res.body as Buffer;
      const rows =
        format === 'CSV'
          ? await count(readCsv(Readable.from([body])))
          : format === 'JSONL'
            ? await count(readJsonl(Readable.from([body])))
            : await count(readParquet(bufferSource(body)));
      expect(rows).toBe(total);
    }
  });

  it('refuses an export path to anyone but the analyst it was issued to', async () => {
    const e = await ctx.gqlOk(
      EXPORT,
      { g: grant.grantId, d: f.dataset.datasetId, f: 'CSV' },
      f.analyst.token,
    );
    const res = await download(e.exportSlice.path, f.otherAnalyst.token);
    expect(res.status).toBe(404);
  });

  it('keeps every equivalence class of the view over its quasi-identifiers at k rows or more', async () => {
    const view: Array<{ prefix: string }> = await ctx.dataSource.query(
      `SELECT prefix FROM grant_views WHERE grant_id = $1 AND status = 'READY'`,
      [grant.grantId],
    );
    const store = await ctx.app.get(ViewsService).storeFor(f.company.id);
    const reader = await ViewReader.open(store, view[0].prefix, createChunkCache());
    const classes = new Map<string, number>();
    for await (const { rows } of reader.chunks()) {
      for (const r of rows) {
        const key = encodeClassKey([r.line, r.welded_at]);
        classes.set(key, (classes.get(key) ?? 0) + 1);
      }
    }
    expect(classes.size).toBeGreaterThan(1);
    for (const n of classes.values()) expect(n).toBeGreaterThanOrEqual(5);
  });

  it('lets one materializer at a time build a view, so two racing builds both end READY and consistent', async () => {
    const g = await newActiveGrant(ctx, f, {});
    const views = ctx.app.get(ViewsService);
    const todo = await views.reconcile();
    const mine: string[] = await ctx.dataSource
      .query('SELECT id FROM grant_views WHERE grant_id = $1', [g.grantId])
      .then((rows: Array<{ id: string }>) => rows.map((r) => r.id));
    expect(mine.length).toBe(1);
    expect(todo.materialize).toContain(mine[0]);
    const [a, b] = await Promise.all([views.materialize(mine[0]), views.materialize(mine[0])]);
    expect([a.status, b.status]).toEqual(['READY', 'READY']);
    const page = await ctx.gqlOk(SLICE, { g: g.grantId, d: f.dataset.datasetId, f: 5 }, f.analyst.token);
    expect(page.slice.rowsReturned).toBe(5);
  });

  it('refuses to build a view from an object replaced after validation, and serves nothing from it', async () => {
    const other = await newQueryFixture(ctx, 120);
    const g = await newActiveGrant(ctx, other, {});
    const [{ object_key: key }]: Array<{ object_key: string }> = await ctx.dataSource.query(
      'SELECT object_key FROM dataset_versions WHERE id = $1',
      [other.dataset.versionId],
    );
    const minio = ctx.minio();
    const validated = await minio.statObject(other.company.bucket, key);
    await ctx.dataSource.query('UPDATE dataset_versions SET object_etag = $2 WHERE id = $1', [
      other.dataset.versionId,
      validated.etag,
    ]);
    // Same size, different bytes: as if someone reused a still-valid presigned PUT URL.
    const original = await minio.getObject(other.company.bucket, key);
    const chunks: Buffer[] = [];
    for await (const c of original) chunks.push(c as Buffer);
    const tampered = Buffer.from(Buffer.concat(chunks).toString('latin1').replace(/L1/g, 'L9'), 'latin1');
    await minio.putObject(other.company.bucket, key, tampered);
    await materializeViews(ctx);
    const rows: Array<{ status: string; error_code: string }> = await ctx.dataSource.query(
      'SELECT status, error_code FROM grant_views WHERE grant_id = $1',
      [g.grantId],
    );
    expect(rows).toEqual([{ status: 'FAILED', error_code: 'VIEW_SOURCE_CHANGED' }]);
    const r = await ctx.gql(SLICE, { g: g.grantId, d: other.dataset.datasetId, f: 5 }, other.analyst.token);
    emitted.push(JSON.stringify(r));
    expect(r.data).toBeNull();
    expect(r.errors?.[0].extensions?.reason).toMatch(/^VIEW_/);
  });

  it('stops opening a grant’s view when its pinned dataset version is withdrawn, and removes the view', async () => {
    const other = await newQueryFixture(ctx, 120);
    const g = await newActiveGrant(ctx, other, {});
    await materializeViews(ctx);
    const vars = { g: g.grantId, d: other.dataset.datasetId, f: 5 };
    expect((await ctx.gqlOk(SLICE, vars, other.analyst.token)).slice.rowsReturned).toBe(5);
    const [{ prefix }]: Array<{ prefix: string }> = await ctx.dataSource.query(
      'SELECT prefix FROM grant_views WHERE grant_id = $1',
      [g.grantId],
    );
    const publisher = await ctx.newCompanyMember(other.admin.token, other.company.slug, 'PUBLISHER');
    const w = await ctx.gqlOk(
      `mutation($v: ID!) { withdrawDatasetVersion(versionId: $v) { status } }`,
      { v: other.dataset.versionId },
      publisher.token,
    );
    expect(w.withdrawDatasetVersion.status).toBe('WITHDRAWN');
    const r = await ctx.gql(SLICE, vars, other.analyst.token);
    emitted.push(JSON.stringify(r));
    expect(r.data).toBeNull();
    expect(r.errors?.[0].extensions?.reason).toBe('VIEW_DELETED');
    expect(r.errors?.[0].message).toContain('DATASET_VERSION_WITHDRAWN');
    const left: string[] = [];
    for await (const o of ctx.minio().listObjectsV2(other.company.bucket, prefix, true) as AsyncIterable<{
      name: string;
    }>)
      left.push(o.name);
    expect(left).toEqual([]);
    await materializeViews(ctx);
    const rows: Array<{ status: string }> = await ctx.dataSource.query(
      'SELECT status FROM grant_views WHERE grant_id = $1',
      [g.grantId],
    );
    expect(rows).toEqual([{ status: 'DELETED' }]);
  });

  it('counts queries per day atomically and refuses the one over the limit', async () => {
    const small = await newActiveGrant(ctx, f, { queriesPerDay: 3 });
    await materializeViews(ctx);
    const vars = { g: small.grantId, d: f.dataset.datasetId, f: 5 };
    const results = await Promise.all(Array.from({ length: 6 }, () => ctx.gql(SLICE, vars, f.analyst.token)));
    results.forEach((r) => emitted.push(JSON.stringify(r)));
    expect(results.filter((r) => !r.errors).length).toBe(3);
    expect(results.filter((r) => reasonOf(r) === 'SLICE_DAILY_QUERY_LIMIT_REACHED').length).toBe(3);
    const usage: Array<{ queries: number }> = await ctx.dataSource.query(
      'SELECT queries FROM grant_query_usage WHERE grant_id = $1',
      [small.grantId],
    );
    expect(usage[0].queries).toBe(3);
  });

  it('serves nothing when the audit entry cannot be written in the decision’s transaction', async () => {
    await ctx.dataSource.query(`CREATE OR REPLACE FUNCTION test_refuse_query_audit() RETURNS trigger AS $$
      BEGIN IF NEW.action = 'query.slice' THEN RAISE EXCEPTION 'audit refused by test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await ctx.dataSource.query(
      `CREATE TRIGGER test_refuse_query_audit BEFORE INSERT ON audit_entries FOR EACH ROW EXECUTE FUNCTION test_refuse_query_audit()`,
    );
    const before: Array<{ queries: number }> = await ctx.dataSource.query(
      'SELECT coalesce(sum(queries), 0)::int AS queries FROM grant_query_usage WHERE grant_id = $1',
      [grant.grantId],
    );
    try {
      const r = await slice({ f: 10 });
      expect(r.data).toBeNull();
      expect(r.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      expect(reasonOf(r)).toBe('SLICE_AUDIT_UNAVAILABLE');
    } finally {
      await ctx.dataSource.query('DROP TRIGGER test_refuse_query_audit ON audit_entries');
      await ctx.dataSource.query('DROP FUNCTION test_refuse_query_audit()');
    }
    const after: Array<{ queries: number }> = await ctx.dataSource.query(
      'SELECT coalesce(sum(queries), 0)::int AS queries FROM grant_query_usage WHERE grant_id = $1',
      [grant.grantId],
    );
    expect(after[0].queries).toBe(before[0].queries);
  });

  it('decides concurrent queries in shared transactions without mixing them up: each counted query has its own entry in one unbroken chain, and a refused entry fails only its own query', async () => {
    const a = await newActiveGrant(ctx, f, { queriesPerDay: 1000 });
    const b = await newActiveGrant(ctx, f, { queriesPerDay: 1000 });
    await materializeViews(ctx);
    const [{ seq: before }]: Array<{ seq: string }> = await ctx.dataSource.query(
      'SELECT coalesce(max(seq), 0)::text AS seq FROM audit_entries',
    );
    // Entries about grant A cannot be written; B's, decided in the same batches, must be unaffected.
    await ctx.dataSource.query(`CREATE OR REPLACE FUNCTION test_refuse_grant_audit() RETURNS trigger AS $$
      BEGIN IF NEW.action = 'query.slice' AND NEW.subject_id = '${a.grantId}' THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await ctx.dataSource.query(
      `CREATE TRIGGER test_refuse_grant_audit BEFORE INSERT ON audit_entries FOR EACH ROW EXECUTE FUNCTION test_refuse_grant_audit()`,
    );
    let results: Array<{ grant: string; r: GqlResult }>;
    try {
      results = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const g = i % 4 === 0 ? a.grantId : b.grantId;
          return { grant: g, r: await ctx.gql(SLICE, { g, d: f.dataset.datasetId, f: 3 }, f.analyst.token) };
        }),
      );
    } finally {
      await ctx.dataSource.query('DROP TRIGGER test_refuse_grant_audit ON audit_entries');
      await ctx.dataSource.query('DROP FUNCTION test_refuse_grant_audit()');
    }
    results.forEach(({ r }) => emitted.push(JSON.stringify(r)));
    const ofA = results.filter((x) => x.grant === a.grantId);
    const ofB = results.filter((x) => x.grant === b.grantId);
    expect(ofA.map((x) => reasonOf(x.r))).toEqual(ofA.map(() => 'SLICE_AUDIT_UNAVAILABLE'));
    expect(ofB.filter((x) => !x.r.errors).length).toBe(30);
    const usage: Array<{ grant_id: string; queries: number }> = await ctx.dataSource.query(
      'SELECT grant_id, queries FROM grant_query_usage WHERE grant_id = ANY($1)',
      [[a.grantId, b.grantId]],
    );
    expect(usage).toEqual([{ grant_id: b.grantId, queries: 30 }]);
    const entries: Array<{ seq: string; subject_id: string; details: string }> = await ctx.dataSource.query(
      `SELECT seq::text, subject_id, payload AS details FROM audit_entries
        WHERE seq > $1 AND action = 'query.slice' ORDER BY seq`,
      [before],
    );
    expect(entries.map((e) => e.subject_id)).toEqual(Array.from({ length: 30 }, () => b.grantId));
    // Each served page's query hash is in exactly one entry.
    const hashes = ofB.map((x) => (x.r.data as { slice: { queryHash: string } }).slice.queryHash);
    for (const h of new Set(hashes))
      expect(entries.filter((e) => e.details.includes(h)).length).toBe(hashes.filter((x) => x === h).length);
    await expect(ctx.app.get(AuditService).verify()).resolves.toMatchObject({ ok: true });
  });

  it('gives one raw identifier different pseudonyms under two grants and in two columns', async () => {
    const other = await newActiveGrant(ctx, f);
    await materializeViews(ctx);
    const a = await slice({ f: 500, c: ['operator_id', 'badge_id'] });
    const b = await ctx.gql(
      SLICE,
      { g: other.grantId, d: f.dataset.datasetId, f: 500, c: ['operator_id'] },
      f.analyst.token,
    );
    emitted.push(JSON.stringify(b));
    const opsA = new Set(a.data!.slice.rows.map((r: { operator_id: string }) => r.operator_id));
    const badgesA = new Set(a.data!.slice.rows.map((r: { badge_id: string }) => r.badge_id));
    const opsB = new Set(b.data!.slice.rows.map((r: { operator_id: string }) => r.operator_id));
    expect(opsA.size).toBe(30); // 40 operators, a quarter of them only on line L4, which the grant filters out
    expect([...opsA].filter((p) => opsB.has(p))).toEqual([]);
    // badge_id holds the same raw values as operator_id, row by row.
    expect([...opsA].filter((p) => badgesA.has(p))).toEqual([]);
  });

  it('refuses the next query after a certificate that signed the grant is revoked', async () => {
    const g = await newActiveGrant(ctx, f);
    await materializeViews(ctx);
    expect(
      (await ctx.gql(SLICE, { g: g.grantId, d: f.dataset.datasetId, f: 1 }, f.analyst.token)).errors,
    ).toBeUndefined();
    // A fresh grantor signer, so the file's other grants stay signed.
    const { newLegalSigner } = await import('@maxhub/testing');
    const signer = await newLegalSigner(ctx, f.admin.token, { companySlug: f.company.slug });
    const g2 = await newActiveGrant(ctx, { ...f, grantor: signer });
    await materializeViews(ctx);
    await ctx.gqlOk(
      `mutation($id: ID!) { revokeCertificate(id: $id, reason: KEY_COMPROMISE) { id } }`,
      { id: signer.certificateId },
      f.admin.token,
    );
    const r = await ctx.gql(SLICE, { g: g2.grantId, d: f.dataset.datasetId, f: 1 }, f.analyst.token);
    emitted.push(JSON.stringify(r));
    expect(r.data).toBeNull();
    expect(reasonOf(r)).toMatch(/^GRANT_(SUSPENDED|SIGNATURE_INVALID)$/);
  });

  it('refuses the next query after termination, serves nothing afterwards, and deletes the views', async () => {
    const g = await newActiveGrant(ctx, f);
    await materializeViews(ctx);
    expect(
      (await ctx.gql(SLICE, { g: g.grantId, d: f.dataset.datasetId, f: 3 }, f.analyst.token)).errors,
    ).toBeUndefined();
    await terminateGrant(ctx, f, g);
    const r = await ctx.gql(SLICE, { g: g.grantId, d: f.dataset.datasetId, f: 3 }, f.analyst.token);
    emitted.push(JSON.stringify(r));
    expect(reasonOf(r)).toBe('GRANT_TERMINATED');
    const audit = await ctx.gqlOk(AUDIT, { s: f.company.slug }, f.grantor.token);
    const mine = (
      audit.auditEntries.entries as Array<{ seq: string; action: string; subjectId: string }>
    ).filter((e) => e.subjectId === g.grantId);
    const terminatedAt = Number(mine.find((e) => e.action === 'grant.terminated')!.seq);
    const servedAfter = mine.filter((e) => e.action === 'query.slice' && Number(e.seq) > terminatedAt);
    expect(servedAfter).toEqual([]);
    expect(mine.some((e) => e.action === 'query.slice.refused' && Number(e.seq) > terminatedAt)).toBe(true);

    await materializeViews(ctx);
    const views: Array<{ status: string; prefix: string }> = await ctx.dataSource.query(
      'SELECT status, prefix FROM grant_views WHERE grant_id = $1',
      [g.grantId],
    );
    expect(views.map((v) => v.status)).toEqual(['DELETED']);
    const store = await ctx.app.get(ViewsService).storeFor(f.company.id);
    expect(await store.list(views[0].prefix)).toEqual([]);
  });

  it('never lets a canary value from a dropped or pseudonymized column out in a response, export, log line, error or audit entry', async () => {
    // The session above: slices, filters, paging, sorts, exports, refusals; now a few hostile calls.
    await slice({ f: 10, w: [{ column: 'operator_id', op: 'eq', value: 'ps_00' }] });
    await slice({ f: 10, c: ['recipe'] });
    await slice({ f: 10, w: [{ column: 'machine_serial', op: 'prefix', value: 'C' }] });
    await slice({ f: 10, a: 'not-a-cursor' });
    const audit = await ctx.gqlOk(AUDIT, { s: f.company.slug }, f.grantor.token);
    emitted.push(JSON.stringify(audit));
    const haystack = [...emitted, ...capturedLogs].join('\n');
    expect(emitted.length).toBeGreaterThan(20);
    for (const canary of Object.values(CANARY)) expect(haystack).not.toContain(canary);
    for (const op of new Set(f.operators)) expect(haystack).not.toContain(op);
  });
});
