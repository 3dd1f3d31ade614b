/**
 * Factories for query tests: a company with a real CSV object in its bucket, a working group
 * with an analyst, legal signers on both sides, signed ACTIVE grants, and views materialized
 * inline (the worker's job body, without waiting for the queue).
 */
import { canonicalBytes, TERMINATION_SCHEMA } from '@maxhub/contracts';
import type { DatasetColumnRecord } from '@maxhub/db';
import { signDetached } from '@maxhub/pki';
import { ViewsService } from '../../../apps/hub/src/modules/views/views.service';
import { newDatasetVersion, newLegalSigner, type TestDatasetVersion, type TestSigner } from './grants';
import { type TestContext, uniq } from './test-context';

/** Columns of the test weld log: two identifiers, quasi-identifiers, a trade secret, a flag. */
export const WELD_COLUMNS: DatasetColumnRecord[] = [
  { name: 'operator_id', type: 'string', class: 'DIRECT_IDENTIFIER', nullable: false },
  { name: 'badge_id', type: 'string', class: 'DIRECT_IDENTIFIER', nullable: false },
  { name: 'machine_serial', type: 'string', class: 'DIRECT_IDENTIFIER', nullable: false },
  { name: 'line', type: 'string', class: 'QUASI_IDENTIFIER', nullable: false },
  { name: 'welded_at', type: 'timestamp', class: 'QUASI_IDENTIFIER', nullable: false },
  { name: 'recipe', type: 'string', class: 'TRADE_SECRET', nullable: false },
  { name: 'current_ka', type: 'decimal', class: 'SENSITIVE', nullable: false },
  { name: 'defect', type: 'boolean', class: 'SENSITIVE', nullable: false },
];

/** Canary prefixes planted in every dropped or pseudonymized column. */
export const CANARY = {
  operator: 'CANARYOP',
  badge: 'CANARYBADGE',
  serial: 'CANARYSN',
  recipe: 'CANARYRECIPE',
};

/** A CSV weld log whose identifiers and secrets are canary values; mostly large classes, a few singletons. */
export function weldCsv(rows: number): { csv: Buffer; operators: string[] } {
  const base = Date.UTC(2025, 1, 3, 0, 0, 0);
  const lines = ['operator_id,badge_id,machine_serial,line,welded_at,recipe,current_ka,defect'];
  const operators: string[] = [];
  for (let i = 0; i < rows; i++) {
    const op = `${CANARY.operator}${String(i % 40).padStart(4, '0')}`;
    operators.push(op);
    // Hours 0..5 hold many rows; every 97th row falls in a lonely hour of its own (to be suppressed).
    const hour = i % 97 === 96 ? 10 + (i % 7) : i % 6;
    const at = new Date(base + hour * 3600_000 + (i % 60) * 1000).toISOString();
    lines.push(
      [
        op,
        `${CANARY.badge}${String(i % 40).padStart(4, '0')}`,
        `${CANARY.serial}${String(i % 9).padStart(3, '0')}`,
        `L${1 + (i % 4)}`,
        at,
        `${CANARY.recipe}${i % 5}`,
        (12 + (i % 17) / 10).toFixed(1),
        i % 11 === 0 ? 'true' : 'false',
      ].join(','),
    );
  }
  return { csv: Buffer.from(lines.join('\n') + '\n', 'utf8'), operators };
}

/** The grant terms the query tests use (pseudonymized ids, a row filter, k = 5). */
export function weldGrantTerms(
  ds: TestDatasetVersion,
  extra: { rowsPerQuery?: number; queriesPerDay?: number } = {},
) {
  return {
    datasets: [
      {
        datasetId: ds.datasetId,
        version: ds.version,
        columns: [
          { name: 'operator_id', transform: { kind: 'pseudonymize', bits: 128 } },
          { name: 'badge_id', transform: { kind: 'pseudonymize', bits: 128 } },
          { name: 'line', transform: { kind: 'keep' } },
          {
            name: 'welded_at',
            transform: { kind: 'generalize', generalization: { method: 'time', level: 'hour' } },
          },
          { name: 'current_ka', transform: { kind: 'keep' } },
          { name: 'defect', transform: { kind: 'keep' } },
        ],
        rowFilter: [{ column: 'line', op: 'in', values: ['L1', 'L2', 'L3'] }],
        kAnonymity: { k: 5, quasiIdentifiers: ['line', 'welded_at'], suppressionLimit: 0.1 },
      },
    ],
    limits: { rowsPerQuery: extra.rowsPerQuery ?? 500, queriesPerDay: extra.queriesPerDay ?? 1000 },
  };
}

/** Base64 DER of a detached signature by `signer` over `bytes`. */
function signB64(signer: Pick<TestSigner, 'keyPem' | 'certPem'>, bytes: Buffer | string): string {
  const content = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  return signDetached(content, signer.keyPem, signer.certPem).toString('base64');
}

/** Everything a query test needs, made once per file. */
export interface QueryFixture {
  admin: { token: string };
  company: { id: string; slug: string; bucket: string };
  group: { id: string; slug: string };
  analyst: { email: string; token: string };
  /** A LEGAL member of the grantee group (not an analyst). */
  groupLegal: TestSigner;
  grantor: TestSigner;
  otherAnalyst: { email: string; token: string };
  dataset: TestDatasetVersion;
  operators: string[];
}

/** Builds a {@link QueryFixture}: company, object in its bucket, published version, group, people, signers. */
export async function newQueryFixture(ctx: TestContext, rows = 600): Promise<QueryFixture> {
  const admin = await ctx.newUser({ admin: true });
  const company = await ctx.newCompany(admin.token);
  const slug = uniq('wg');
  const g = await ctx.gqlOk<{ createWorkingGroup: { id: string } }>(
    `mutation($input: CreateWorkingGroupInput!) { createWorkingGroup(input: $input) { id } }`,
    { input: { slug, nameEn: 'Query test group', nameKo: '질의 테스트' } },
    admin.token,
  );
  const otherSlug = uniq('wg');
  await ctx.gqlOk(
    `mutation($input: CreateWorkingGroupInput!) { createWorkingGroup(input: $input) { id } }`,
    { input: { slug: otherSlug, nameEn: 'Other group', nameKo: '다른 그룹' } },
    admin.token,
  );
  const dataset = await newDatasetVersion(ctx, company.id, WELD_COLUMNS);
  const { csv, operators } = weldCsv(rows);
  const storage = ctx.app.get(ViewsService);
  const store = await storage.storeFor(company.id);
  const key: Array<{ object_key: string }> = await ctx.dataSource.query(
    'SELECT object_key FROM dataset_versions WHERE id = $1',
    [dataset.versionId],
  );
  await store.put(key[0].object_key, csv);
  await ctx.dataSource.query('UPDATE dataset_versions SET size_bytes = $2, row_count = $3 WHERE id = $1', [
    dataset.versionId,
    csv.length,
    rows,
  ]);
  return {
    admin,
    company,
    group: { id: g.createWorkingGroup.id, slug },
    analyst: await ctx.newWorkingGroupMember(admin.token, slug, 'ANALYST'),
    groupLegal: await newLegalSigner(ctx, admin.token, { workingGroupSlug: slug }),
    grantor: await newLegalSigner(ctx, admin.token, { companySlug: company.slug }),
    otherAnalyst: await ctx.newWorkingGroupMember(admin.token, otherSlug, 'ANALYST'),
    dataset,
    operators,
  };
}

/** Drafts a grant over the fixture's dataset, has both parties sign it (ACTIVE), and returns its id and sha. */
export async function newActiveGrant(
  ctx: TestContext,
  f: QueryFixture,
  limits: { rowsPerQuery?: number; queriesPerDay?: number } = {},
  /** The grant's datasets (default: the fixture's weld dataset under {@link weldGrantTerms}). */
  datasets?: unknown[],
): Promise<{ grantId: string; sha256: string }> {
  const now = Date.now();
  const d = await ctx.gqlOk<{ draftGrant: { grantId: string; sha256: string; canonicalDocument: string } }>(
    `mutation($input: DraftGrantInput!) { draftGrant(input: $input) { grantId sha256 canonicalDocument } }`,
    {
      input: {
        grantorCompanySlug: f.company.slug,
        granteeWorkingGroupSlug: f.group.slug,
        purpose: 'Weld-defect analysis (query tests).',
        termFrom: new Date(now - 3600_000).toISOString(),
        termUntil: new Date(now + 30 * 86_400_000).toISOString(),
        ...weldGrantTerms(f.dataset, limits),
        ...(datasets === undefined ? {} : { datasets }),
      },
    },
    f.grantor.token,
  );
  const v = d.draftGrant;
  const attach = `mutation($g: ID!, $s: String!, $p: GrantParty) { attachGrantSignature(grantId: $g, version: 1, signature: $s, party: $p) { state } }`;
  await ctx.gqlOk(attach, { g: v.grantId, s: signB64(f.grantor, v.canonicalDocument) }, f.grantor.token);
  const a = await ctx.gqlOk<{ attachGrantSignature: { state: string } }>(
    attach,
    { g: v.grantId, s: signB64(f.groupLegal, v.canonicalDocument), p: 'GRANTEE' },
    f.groupLegal.token,
  );
  if (a.attachGrantSignature.state !== 'ACTIVE') throw new Error('the test grant did not become ACTIVE');
  return { grantId: v.grantId, sha256: v.sha256 };
}

/** Runs what the worker would: request the views of ACTIVE grants and materialize them now. */
export async function materializeViews(ctx: TestContext): Promise<void> {
  const views = ctx.app.get(ViewsService);
  const todo = await views.reconcile();
  for (const id of todo.materialize) await views.materialize(id);
  for (const g of todo.deleteGrants) await views.deleteViewsOf(g);
}

/** Terminates a grant with a signed termination by the grantee's legal signer. */
export async function terminateGrant(
  ctx: TestContext,
  f: QueryFixture,
  grant: { grantId: string; sha256: string },
) {
  const termination = canonicalBytes({
    schema: TERMINATION_SCHEMA,
    grantId: grant.grantId,
    grantSha256: grant.sha256,
    party: 'GRANTEE',
    reason: 'Project finished.',
    effectiveAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  });
  await ctx.gqlOk(
    `mutation($g: ID!, $d: String!, $s: String!) { terminateGrant(grantId: $g, terminationDocument: $d, signature: $s) { state } }`,
    { g: grant.grantId, d: termination.toString('utf8'), s: signB64(f.groupLegal, termination) },
    f.groupLegal.token,
  );
}
