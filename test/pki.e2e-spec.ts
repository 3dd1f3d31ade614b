import { randomUUID, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { canonicalBytes, TERMINATION_SCHEMA } from '@maxhub/contracts';
import { describeCertificate, fromPem, verifyDetached } from '@maxhub/pki';
import { newKeyAndCsr, runCli, uniq } from '@maxhub/testing';
import { newDatasetVersion, newLegalSigner } from './support/grants';
import { TestContext } from './support/test-context';
import { GrantGateService } from '../apps/hub/src/modules/grants/grant-gate.service';
import { GrantSweepService } from '../apps/hub/src/modules/grants/grant-sweep.service';
import { exponentOneCsr, keyAndCsrWith } from '../libs/pki/src/pki.test-fixtures';
import { ATTACH, COLUMNS, DRAFT, draftInput, sign } from './grant-fixtures';

const ISSUE = `mutation($input: IssueCertificateInput!) { issueCertificate(input: $input) { id serialNumber orgKind orgSlug role certificatePem notAfter person { email } } }`;

/** Serial numbers (hex) listed on a PEM CRL. */
function revokedSerials(crlPem: string): string[] {
  const crl = new pkijs.CertificateRevocationList({
    schema: asn1js.fromBER(fromPem(crlPem, 'X509 CRL')).result,
  });
  return (crl.revokedCertificates ?? []).map((r) =>
    Buffer.from(r.userCertificate.valueBlock.valueHexView).toString('hex').replace(/^00/, ''),
  );
}

describe('alliance PKI in the hub (e2e, real PostgreSQL)', () => {
  let ctx: TestContext;
  let admin: { token: string };
  let company: { id: string; slug: string };
  let key: { privateKeyPem: string; csrPem: string };

  beforeAll(async () => {
    ctx = await TestContext.create();
    admin = await ctx.newUser({ admin: true });
    company = await ctx.newCompany(admin.token);
    key = newKeyAndCsr('Legal', company.slug, 'company');
  }, 120_000);
  afterAll(async () => ctx?.close());

  it('issues a certificate binding the person, the company and LEGAL, chaining to GET /pki/ca', async () => {
    const legal = await ctx.newCompanyMember(admin.token, company.slug, 'LEGAL', 'Legal');
    const d = await ctx.gqlOk(
      ISSUE,
      {
        input: {
          csrPem: key.csrPem,
          userEmail: legal.email,
          orgKind: 'COMPANY',
          companySlug: company.slug,
          validityDays: 30,
        },
      },
      admin.token,
    );
    expect(d.issueCertificate).toMatchObject({
      orgKind: 'COMPANY',
      orgSlug: company.slug,
      role: 'LEGAL',
      person: { email: legal.email },
    });
    const desc = describeCertificate(d.issueCertificate.certificatePem);
    expect(desc.identity).toMatchObject({ orgKind: 'company', orgSlug: company.slug, role: 'LEGAL' });
    expect(desc.keyUsages).toEqual(expect.arrayContaining(['digitalSignature', 'nonRepudiation']));
    const chain = (await ctx.http.get('/pki/ca').expect(200)).text.split(/(?=-----BEGIN CERTIFICATE-----)/);
    expect(chain).toHaveLength(2);
    const [issuing, root] = chain.map((p) => new X509Certificate(p));
    expect(new X509Certificate(d.issueCertificate.certificatePem).verify(issuing.publicKey)).toBe(true);
    expect(issuing.verify(root.publicKey)).toBe(true);
  });

  it('refuses a person who does not hold LEGAL there (PKI_ROLE_NOT_HELD) and a non-operator (AUTH_ADMIN_REQUIRED)', async () => {
    const publisher = await ctx.newCompanyMember(admin.token, company.slug, 'PUBLISHER');
    const input = {
      csrPem: key.csrPem,
      userEmail: publisher.email,
      orgKind: 'COMPANY',
      companySlug: company.slug,
      validityDays: 30,
    };
    const r = await ctx.gql(ISSUE, { input }, admin.token);
    expect(r.errors?.[0].extensions?.reason).toBe('PKI_ROLE_NOT_HELD');
    const r2 = await ctx.gql(ISSUE, { input }, publisher.token);
    expect(r2.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'AUTH_ADMIN_REQUIRED' });
  });

  it('refuses a tampered CSR (PKI_CSR_INVALID)', async () => {
    const legal = await ctx.newCompanyMember(admin.token, company.slug, 'LEGAL', 'Legal');
    const der = fromPem(key.csrPem, 'CERTIFICATE REQUEST');
    der[der.length - 10] ^= 0x01;
    const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    const r = await ctx.gql(
      ISSUE,
      {
        input: {
          csrPem: pem,
          userEmail: legal.email,
          orgKind: 'COMPANY',
          companySlug: company.slug,
          validityDays: 30,
        },
      },
      admin.token,
    );
    expect(r.errors?.[0].extensions?.reason).toBe('PKI_CSR_INVALID');
  });

  it('refuses a CSR whose RSA public exponent is 1 or 3 (BAD_USER_INPUT PKI_KEY_OUTSIDE_PROFILE naming csrPem) and issues nothing', async () => {
    const legal = await ctx.newCompanyMember(admin.token, company.slug, 'LEGAL', 'Legal');
    const csrs = [exponentOneCsr(key.privateKeyPem), keyAndCsrWith({ bits: 3072, exponent: 3 }).csrPem];
    for (const csrPem of csrs) {
      const r = await ctx.gql(
        ISSUE,
        {
          input: {
            csrPem,
            userEmail: legal.email,
            orgKind: 'COMPANY',
            companySlug: company.slug,
            validityDays: 30,
          },
        },
        admin.token,
      );
      expect(r.data).toBeNull();
      expect(r.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'PKI_KEY_OUTSIDE_PROFILE',
        details: { field: 'csrPem' },
      });
      expect(r.errors?.[0].message).toMatch(
        /^input\.csrPem is refused: the CSR’s public key has an RSA public exponent other than 65537/,
      );
    }
    const issued = await ctx.gqlOk(
      `query($e: String!) { certificates(userEmail: $e, includeRevoked: true) { id } }`,
      { e: legal.email },
      admin.token,
    );
    expect(issued.certificates).toEqual([]);
  }, 60_000);

  it('publishes a new CRL listing a certificate the moment it is revoked, and lists certificates by role', async () => {
    const signer = await newLegalSigner(ctx, admin.token, { companySlug: company.slug }, { key });
    const before = (await ctx.http.get('/pki/crl').expect(200)).text;
    expect(revokedSerials(before)).not.toContain(signer.serialNumber);
    const r = await ctx.gqlOk(
      `mutation($id: ID!) { revokeCertificate(id: $id, reason: KEY_COMPROMISE) { revokedAt revocationReason } }`,
      { id: signer.certificateId },
      admin.token,
    );
    expect(r.revokeCertificate.revocationReason).toBe('KEY_COMPROMISE');
    const after = (await ctx.http.get('/pki/crl').expect(200)).text;
    expect(revokedSerials(after)).toContain(signer.serialNumber);
    const again = await ctx.gql(
      `mutation($id: ID!) { revokeCertificate(id: $id, reason: KEY_COMPROMISE) { id } }`,
      { id: signer.certificateId },
      admin.token,
    );
    expect(again.errors?.[0].extensions?.reason).toBe('PKI_ALREADY_REVOKED');
    // The holder sees their own certificates; the operator sees everyone's.
    const own = await ctx.gqlOk(
      `{ certificates(includeRevoked: true) { id serialNumber } }`,
      {},
      signer.token,
    );
    expect(own.certificates).toEqual([{ id: signer.certificateId, serialNumber: signer.serialNumber }]);
    const current = await ctx.gqlOk(`{ certificates { id } }`, {}, signer.token);
    expect(current.certificates).toEqual([]);
    const all = await ctx.gqlOk(
      `query($o: String!) { certificates(orgSlug: $o, includeRevoked: true) { id } }`,
      { o: company.slug },
      admin.token,
    );
    expect(all.certificates.length).toBeGreaterThanOrEqual(2);
  });

  it('suspends an ACTIVE grant when a signer’s certificate expires (sweep), and lists grants only to the parties', async () => {
    const group = uniq('wg');
    await ctx.gqlOk(
      `mutation($input: CreateWorkingGroupInput!) { createWorkingGroup(input: $input) { id } }`,
      { input: { slug: group, nameEn: 'PKI group', nameKo: '그룹' } },
      admin.token,
    );
    const ds = await newDatasetVersion(ctx, company.id, COLUMNS);
    const grantor = await newLegalSigner(ctx, admin.token, { companySlug: company.slug }, { key });
    const grantee = await newLegalSigner(ctx, admin.token, { workingGroupSlug: group }, { key });
    const v = (await ctx.gqlOk(DRAFT, { input: draftInput(company.slug, group, ds) }, grantor.token))
      .draftGrant;
    await ctx.gqlOk(ATTACH, { g: v.grantId, v: 1, s: sign(grantor, v.canonicalDocument) }, grantor.token);
    await ctx.gqlOk(ATTACH, { g: v.grantId, v: 1, s: sign(grantee, v.canonicalDocument) }, grantee.token);

    const listed = await ctx.gqlOk(`{ grants { id state } }`, {}, grantee.token);
    expect(listed.grants).toEqual([{ id: v.grantId, state: 'ACTIVE' }]);
    const outsider = await ctx.newWorkingGroupMember(admin.token, 'humanoids', 'LEGAL');
    expect((await ctx.gqlOk(`{ grants { id } }`, {}, outsider.token)).grants).toEqual([]);

    const gate = ctx.app.get(GrantGateService);
    await ctx.dataSource.query(
      `UPDATE certificates SET not_after = now() - interval '1 second' WHERE id = $1`,
      [grantee.certificateId],
    );
    await expect(gate.assertOpen(v.grantId, ds.datasetId)).rejects.toMatchObject({
      code: 'GRANT_SUSPENDED',
    });
    expect(await ctx.app.get(GrantSweepService).sweep()).toBeGreaterThanOrEqual(1);
    const rows: Array<{ state: string; state_reason: string }> = await ctx.dataSource.query(
      `SELECT state, state_reason FROM grant_versions WHERE grant_id = $1`,
      [v.grantId],
    );
    expect(rows).toEqual([{ state: 'SUSPENDED', state_reason: 'PKI_CERT_EXPIRED' }]);
  });

  it('takes a lawyer from `maxhub pki request` through issuance and `pki pack` to a signature made from the PKCS#12', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'maxhub-legal-'));
    const f = (n: string) => path.join(dir, n);
    writeFileSync(f('pass'), 'correct horse battery staple\n');
    const req = runCli([
      'pki',
      'request',
      '--name',
      'Lee Seo-yeon',
      '--org',
      company.slug,
      '--out-key',
      f('legal.key'),
      '--out-csr',
      f('legal.csr'),
      '--passphrase-file',
      f('pass'),
    ]);
    expect(req.status).toBe(0);
    expect(readFileSync(f('legal.key'), 'utf8')).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    expect(statSync(f('legal.key')).mode & 0o077).toBe(0);
    // Registered without the hyphen and in other case: the certificate keeps the CSR's spelling.
    const legal = await ctx.newCompanyMember(admin.token, company.slug, 'LEGAL', 'lee  seo-yeon');
    const stranger = await ctx.newCompanyMember(admin.token, company.slug, 'LEGAL', 'Park Ji-hoon');
    const mismatch = await ctx.gql(
      ISSUE,
      {
        input: {
          csrPem: readFileSync(f('legal.csr'), 'utf8'),
          userEmail: stranger.email,
          orgKind: 'COMPANY',
          companySlug: company.slug,
          validityDays: 30,
        },
      },
      admin.token,
    );
    expect(mismatch.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'PKI_CSR_NAME_MISMATCH',
    });
    expect(mismatch.errors?.[0].message).toBe(
      `input.csrPem names "Lee Seo-yeon", but ${stranger.email} is registered as "Park Ji-hoon": make a new CSR with \`maxhub pki request --name "Park Ji-hoon"\`, or have the operator correct the registered name`,
    );
    const d = await ctx.gqlOk(
      ISSUE,
      {
        input: {
          csrPem: readFileSync(f('legal.csr'), 'utf8'),
          userEmail: legal.email,
          orgKind: 'COMPANY',
          companySlug: company.slug,
          validityDays: 30,
        },
      },
      admin.token,
    );
    writeFileSync(f('legal.crt'), d.issueCertificate.certificatePem);
    expect(describeCertificate(d.issueCertificate.certificatePem).identity?.name).toBe('Lee Seo-yeon');
    const pack = runCli([
      'pki',
      'pack',
      '--key',
      f('legal.key'),
      '--key-passphrase-file',
      f('pass'),
      '--cert',
      f('legal.crt'),
      '--out',
      f('legal.p12'),
      '--passphrase-file',
      f('pass'),
    ]);
    expect(pack.status).toBe(0);
    const doc = canonicalBytes({
      schema: TERMINATION_SCHEMA,
      grantId: randomUUID(),
      grantSha256: 'a'.repeat(64),
      party: 'GRANTOR',
      reason: 'PKCS#12 check.',
      effectiveAt: '2026-01-01T00:00:00Z',
    });
    writeFileSync(f('termination.json'), doc);
    const signed = runCli([
      'contract',
      'sign',
      f('termination.json'),
      '--p12',
      f('legal.p12'),
      '--passphrase-file',
      f('pass'),
    ]);
    expect(signed.status).toBe(0);
    const v = await verifyDetached({
      content: doc,
      signature: readFileSync(f('termination.json.p7s')),
      trustAnchorsPem: [(await ctx.http.get('/pki/ca')).text.split(/(?=-----BEGIN CERTIFICATE-----)/)[1]],
      intermediatesPem: [(await ctx.http.get('/pki/ca')).text],
      crlsPem: [(await ctx.http.get('/pki/crl')).text],
      now: new Date(),
    });
    expect(v.signer).toMatchObject({ orgKind: 'company', orgSlug: company.slug, role: 'LEGAL' });
    writeFileSync(f('doc.json'), '{"a": 1}');
    const refused = runCli([
      'contract',
      'sign',
      f('doc.json'),
      '--p12',
      f('legal.p12'),
      '--passphrase-file',
      f('pass'),
    ]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('CONTRACT_NOT_CANONICAL');
    const wrong = runCli([
      'pki',
      'request',
      '--name',
      'X',
      '--org',
      company.slug,
      '--out-key',
      f('legal.key'),
      '--out-csr',
      f('x.csr'),
    ]);
    expect(wrong.status).toBe(1); // never overwrites a key
  });

  it('refuses to start in production without the alliance CA files', async () => {
    await expect(TestContext.create({ NODE_ENV: 'production' })).rejects.toMatchObject({
      code: 'PKI_CA_NOT_CONFIGURED',
    });
  });
});
