import { canonicalBytes, TERMINATION_SCHEMA } from '@maxhub/contracts';
import { signDetached } from '@maxhub/pki';
import {
  newDatasetVersion,
  newLegalSigner,
  TestContext,
  uniq,
  type TestDatasetVersion,
  type TestSigner,
} from '@maxhub/testing';
import { GrantsService } from '../apps/hub/src/modules/grants/grants.service';

export const COLUMNS = [
  { name: 'operator_id', type: 'string', class: 'DIRECT_IDENTIFIER', nullable: false },
  { name: 'line', type: 'string', class: 'QUASI_IDENTIFIER', nullable: false },
  { name: 'welded_at', type: 'timestamp', class: 'QUASI_IDENTIFIER', nullable: false },
  { name: 'current_ka', type: 'decimal', class: 'SENSITIVE', nullable: false },
  { name: 'defect', type: 'boolean', class: 'SENSITIVE', nullable: false },
];

export const DRAFT = `mutation($input: DraftGrantInput!) {
  draftGrant(input: $input) { id grantId version state sha256 canonicalDocument text supersedesSha256 }
}`;
export const ATTACH = `mutation($g: ID!, $v: Int!, $s: String!, $p: GrantParty) {
  attachGrantSignature(grantId: $g, version: $v, signature: $s, party: $p) { version state signatures { party current } }
}`;
export const GRANT = `query($id: ID!) {
  grant(id: $id) { id state currentVersion { version state sha256 } versions { version state signatures { party current } } }
}`;
export const TERMINATE = `mutation($g: ID!, $d: String!, $s: String!) {
  terminateGrant(grantId: $g, terminationDocument: $d, signature: $s) { id state }
}`;

export function draftInput(
  company: string,
  group: string,
  ds: TestDatasetVersion,
  extra: Record<string, unknown> = {},
) {
  const now = Date.now();
  return {
    grantorCompanySlug: company,
    granteeWorkingGroupSlug: group,
    purpose: 'Train a weld-defect model for the AI factory working group.',
    termFrom: new Date(now - 3600_000).toISOString(),
    termUntil: new Date(now + 30 * 86_400_000).toISOString(),
    datasets: [
      {
        datasetId: ds.datasetId,
        version: ds.version,
        columns: [
          { name: 'operator_id', transform: { kind: 'pseudonymize', bits: 128 } },
          { name: 'line', transform: { kind: 'keep' } },
          {
            name: 'welded_at',
            transform: { kind: 'generalize', generalization: { method: 'time', level: 'hour' } },
          },
          { name: 'current_ka', transform: { kind: 'keep' } },
          { name: 'defect', transform: { kind: 'keep' } },
        ],
        rowFilter: [{ column: 'line', op: 'in', values: ['L1', 'L2'] }],
        kAnonymity: { k: 5, quasiIdentifiers: ['line', 'welded_at'], suppressionLimit: 0.05 },
      },
    ],
    limits: { rowsPerQuery: 10000, queriesPerDay: 500 },
    ...extra,
  };
}

/** Base64 DER of a detached signature by `signer` over `bytes`. */
export function sign(signer: Pick<TestSigner, 'keyPem' | 'certPem'>, bytes: Buffer | string): string {
  const content = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  return signDetached(content, signer.keyPem, signer.certPem).toString('base64');
}

describe('NDA grants: draft, sign, activate, terminate (e2e, real PostgreSQL)', () => {
  let ctx: TestContext;
  let admin: { token: string };
  let company: { id: string; slug: string };
  let group: string;
  let ds: TestDatasetVersion;
  let grantor: TestSigner;
  let grantee: TestSigner;

  beforeAll(async () => {
    ctx = await TestContext.create();
    admin = await ctx.newUser({ admin: true });
    company = await ctx.newCompany(admin.token);
    group = uniq('wg');
    await ctx.gqlOk(
      `mutation($input: CreateWorkingGroupInput!) { createWorkingGroup(input: $input) { id } }`,
      { input: { slug: group, nameEn: 'Test group', nameKo: '테스트 그룹' } },
      admin.token,
    );
    ds = await newDatasetVersion(ctx, company.id, COLUMNS);
    grantor = await newLegalSigner(ctx, admin.token, { companySlug: company.slug });
    grantee = await newLegalSigner(ctx, admin.token, { workingGroupSlug: group });
  }, 120_000);
  afterAll(async () => ctx?.close());

  it('takes a grant from draft through both signatures to ACTIVE, opens it, and terminates it', async () => {
    const d = await ctx.gqlOk(DRAFT, { input: draftInput(company.slug, group, ds) }, grantor.token);
    const v = d.draftGrant;
    expect(v).toMatchObject({ version: 1, state: 'DRAFT', supersedesSha256: null });
    expect(v.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(v.text).toContain(v.sha256);
    expect(JSON.parse(v.canonicalDocument)).toMatchObject({ grantId: v.grantId, version: 1 });

    const a1 = await ctx.gqlOk(
      ATTACH,
      { g: v.grantId, v: 1, s: sign(grantor, v.canonicalDocument) },
      grantor.token,
    );
    expect(a1.attachGrantSignature.state).toBe('AWAITING_SIGNATURES');
    const a2 = await ctx.gqlOk(
      ATTACH,
      { g: v.grantId, v: 1, s: sign(grantee, v.canonicalDocument), p: 'GRANTEE' },
      grantee.token,
    );
    expect(a2.attachGrantSignature.state).toBe('ACTIVE');

    const grants = ctx.app.get(GrantsService);
    const open = await grants.assertOpen(v.grantId, ds.datasetId);
    expect(open.version.sha256).toBe(v.sha256);
    expect(open.dataset.columns.map((c) => c.name)).toContain('operator_id');

    const termination = canonicalBytes({
      schema: TERMINATION_SCHEMA,
      grantId: v.grantId,
      grantSha256: v.sha256,
      party: 'GRANTEE',
      reason: 'Project finished.',
      effectiveAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    const t = await ctx.gqlOk(
      TERMINATE,
      { g: v.grantId, d: termination.toString('utf8'), s: sign(grantee, termination) },
      grantee.token,
    );
    expect(t.terminateGrant.state).toBe('TERMINATED');
    await expect(grants.assertOpen(v.grantId, ds.datasetId)).rejects.toMatchObject({
      code: 'GRANT_TERMINATED',
    });

    const audit = await ctx.gqlOk(
      `query($s: String!) { auditEntries(companySlug: $s) { entries { action subjectId } } }`,
      { s: company.slug },
      admin.token,
    );
    const actions = (audit.auditEntries.entries as Array<{ action: string; subjectId: string }>)
      .filter((e) => e.subjectId === v.grantId)
      .map((e) => e.action);
    expect(actions.sort()).toEqual(
      ['grant.activated', 'grant.drafted', 'grant.signed', 'grant.signed', 'grant.terminated'].sort(),
    );
  });
});
