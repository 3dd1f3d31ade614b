/** Factories for grant tests, through the in-process hub: a dataset version, a legal signer. */
import { DatasetEntity, DatasetVersionEntity, type DatasetColumnRecord } from '@maxhub/db';
import { describeCsr, SUBJECT_ATTRIBUTE_OIDS } from '@maxhub/pki';
import { newKeyAndCsr, type TestDatasetVersion, type TestSigner, uniq } from '@maxhub/testing';
import type { TestContext } from './test-context';

/**
 * Creates a dataset of `companyId` with one PUBLISHED version whose schema is `columns`,
 * straight through the repositories (for grant tests that need a schema, not data).
 */
export async function newDatasetVersion(
  ctx: TestContext,
  companyId: string,
  columns: DatasetColumnRecord[],
  opts: { name?: string; status?: DatasetVersionEntity['status'] } = {},
): Promise<TestDatasetVersion> {
  const name = opts.name ?? uniq('dataset');
  return ctx.dataSource.transaction(async (m) => {
    const ds = await m.save(DatasetEntity, m.create(DatasetEntity, { companyId, name }));
    const v = await m.save(
      DatasetVersionEntity,
      m.create(DatasetVersionEntity, {
        datasetId: ds.id,
        version: 1,
        status: opts.status ?? 'PUBLISHED',
        format: 'CSV',
        encoding: 'utf-8',
        objectKey: `datasets/${ds.id}/v1/data.csv`,
        columns,
        publishedAt: (opts.status ?? 'PUBLISHED') === 'PUBLISHED' ? new Date() : null,
      }),
    );
    return { datasetId: ds.id, versionId: v.id, version: 1, name };
  });
}

/**
 * Gives a new person the LEGAL role in a company or working group and has the operator issue
 * them a certificate through `issueCertificate`. Pass `key` to reuse a key pair.
 */
export async function newLegalSigner(
  ctx: TestContext,
  adminToken: string,
  org: { companySlug: string } | { workingGroupSlug: string },
  opts: { email?: string; key?: { privateKeyPem: string; csrPem: string } } = {},
): Promise<TestSigner> {
  const orgSlug = 'companySlug' in org ? org.companySlug : org.workingGroupSlug;
  const key = opts.key ?? newKeyAndCsr('Legal', orgSlug, 'companySlug' in org ? 'company' : 'working-group');
  // The hub issues a certificate only in the person's registered name, so the person is
  // registered under the name the CSR carries.
  const name = describeCsr(key.csrPem).claimedSubject[SUBJECT_ATTRIBUTE_OIDS.commonName] ?? 'Legal';
  let email: string;
  let token: string;
  if ('companySlug' in org) {
    if (opts.email) {
      email = opts.email;
      await ctx.gqlOk(
        `mutation($input: AddCompanyMemberInput!) { addCompanyMember(input: $input) { role } }`,
        { input: { companySlug: org.companySlug, email, displayName: name, role: 'LEGAL' } },
        adminToken,
      );
      token = await ctx.tokenFor(adminToken, email);
    } else ({ email, token } = await ctx.newCompanyMember(adminToken, org.companySlug, 'LEGAL', name));
  } else if (opts.email) {
    email = opts.email;
    await ctx.gqlOk(
      `mutation($input: AddWorkingGroupMemberInput!) { addWorkingGroupMember(input: $input) { role } }`,
      { input: { workingGroupSlug: org.workingGroupSlug, email, displayName: name, role: 'LEGAL' } },
      adminToken,
    );
    token = await ctx.tokenFor(adminToken, email);
  } else
    ({ email, token } = await ctx.newWorkingGroupMember(adminToken, org.workingGroupSlug, 'LEGAL', name));
  const d = await ctx.gqlOk<{
    issueCertificate: { id: string; serialNumber: string; certificatePem: string };
  }>(
    `mutation($input: IssueCertificateInput!) { issueCertificate(input: $input) { id serialNumber certificatePem } }`,
    {
      input: {
        csrPem: key.csrPem,
        userEmail: email,
        orgKind: 'companySlug' in org ? 'COMPANY' : 'WORKING_GROUP',
        ...org,
        role: 'LEGAL',
        validityDays: 30,
      },
    },
    adminToken,
  );
  return {
    email,
    token,
    keyPem: key.privateKeyPem,
    certPem: d.issueCertificate.certificatePem,
    certificateId: d.issueCertificate.id,
    serialNumber: d.issueCertificate.serialNumber,
  };
}
