/**
 * Factories for query tests: a company with a real CSV object in its bucket, a working group
 * with an analyst, legal signers on both sides, signed ACTIVE grants, and views materialized
 * inline (the worker's job body, without waiting for the queue).
 */
import { canonicalBytes, TERMINATION_SCHEMA } from '@maxhub/contracts';
import { ViewsService } from '@maxhub/core';
import { signDetached } from '@maxhub/pki';
import {
  type TestDatasetVersion,
  type TestSigner,
  uniq,
  WELD_COLUMNS,
  weldCsv,
  weldGrantTerms,
} from '@maxhub/testing';
import { newDatasetVersion, newLegalSigner } from './grants';
import type { TestContext } from './test-context';

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
  limits: Parameters<typeof weldGrantTerms>[1] = {},
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
