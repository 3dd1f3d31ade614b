import { mkdtempSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import forge from 'node-forge';
import { canonicalBytes, TERMINATION_SCHEMA } from '@maxhub/contracts';
import { CertificateEntity, GrantVersionEntity } from '@maxhub/db';
import {
  createDevAlliancePki,
  describeCertificate,
  fromPem,
  signDetached,
  type DevAlliancePki,
  type MemberSubject,
} from '@maxhub/pki';
import { newKeyAndCsr, runCli, type TestDatasetVersion, type TestSigner, uniq } from '@maxhub/testing';
import { newDatasetVersion, newLegalSigner } from './support/grants';
import { type GqlResult, TestContext } from './support/test-context';
import { signMemberCertificate, type MemberProfileOverrides } from '../libs/pki/src/ca';
import { buildSignedData } from '../libs/pki/src/cms';
import { exponentOneForger, publicKeyWithExponent } from '../libs/pki/src/pki.test-fixtures';
import { GrantGateService } from '../apps/hub/src/modules/grants/grant-gate.service';
import { GrantSweepService } from '../apps/hub/src/modules/grants/grant-sweep.service';
import { ATTACH, COLUMNS, DRAFT, GRANT, TERMINATE, draftInput, sign } from './grant-fixtures';

const DAY = 86_400_000;

describe('NDA grants refuse what they must, each with its own reason (e2e, real PostgreSQL)', () => {
  let ctx: TestContext;
  let admin: { token: string };
  let company: { id: string; slug: string };
  let group: string;
  let ds: TestDatasetVersion;
  let grantor: TestSigner;
  let grantee: TestSigner;
  let grantorSubject: MemberSubject;
  let ca: DevAlliancePki;
  let lookalike: DevAlliancePki;
  let gate: GrantGateService;
  let sweeper: GrantSweepService;
  let spareKey: { privateKeyPem: string; csrPem: string };

  const me = async (token: string) =>
    (await ctx.gqlOk(`{ me { person { id displayName email } } }`, {}, token)).me.person as {
      id: string;
      displayName: string;
      email: string;
    };

  /** A certificate for the grantor's person and key, issued outside the hub (for profile tests). */
  function forgedLeaf(
    o: { notBefore?: Date; notAfter?: Date; overrides?: MemberProfileOverrides },
    issuer = ca,
  ) {
    const key = forge.pki.privateKeyFromPem(grantor.keyPem);
    return signMemberCertificate({
      issuerCertPem: issuer.issuingCertPem,
      issuerKeyPem: issuer.issuingKeyPem,
      subject: grantorSubject,
      notBefore: o.notBefore ?? new Date(Date.now() - DAY),
      notAfter: o.notAfter ?? new Date(Date.now() + 30 * DAY),
      publicKey: forge.pki.setRsaPublicKey(key.n, key.e),
      ...(o.overrides ? { overrides: o.overrides } : {}),
    });
  }

  async function newDraft(extra: Record<string, unknown> = {}, token = grantor.token) {
    const d = await ctx.gqlOk(DRAFT, { input: draftInput(company.slug, group, ds, extra) }, token);
    return d.draftGrant as { grantId: string; version: number; sha256: string; canonicalDocument: string };
  }

  async function activeGrant() {
    const v = await newDraft();
    await ctx.gqlOk(ATTACH, { g: v.grantId, v: 1, s: sign(grantor, v.canonicalDocument) }, grantor.token);
    await ctx.gqlOk(ATTACH, { g: v.grantId, v: 1, s: sign(grantee, v.canonicalDocument) }, grantee.token);
    return v;
  }

  const snapshot = async (grantId: string) => (await ctx.gqlOk(GRANT, { id: grantId }, admin.token)).grant;

  /** Attaches and expects a refusal with `reason`; checks the grant did not change. */
  async function expectRefused(
    grantId: string,
    version: number,
    signature: string,
    reason: string,
    token = grantor.token,
    party?: string,
  ) {
    const before = await snapshot(grantId);
    const r = await ctx.gql(
      ATTACH,
      { g: grantId, v: version, s: signature, ...(party ? { p: party } : {}) },
      token,
    );
    expect(r.errors?.[0].extensions?.reason).toBe(reason);
    expect(await snapshot(grantId)).toEqual(before);
  }

  beforeAll(async () => {
    // Made ten days ago, so signing times in the recent past fall inside the CA's validity.
    ca = createDevAlliancePki({ now: new Date(Date.now() - 10 * DAY) });
    lookalike = createDevAlliancePki(); // the same names as `ca`, other keys
    const dir = mkdtempSync(path.join(tmpdir(), 'maxhub-ca-'));
    writeFileSync(path.join(dir, 'root.crt'), ca.rootCertPem);
    writeFileSync(path.join(dir, 'issuing.crt'), ca.issuingCertPem);
    writeFileSync(path.join(dir, 'issuing.key'), ca.issuingKeyPem, { mode: 0o600 });
    ctx = await TestContext.create({
      PKI_ROOT_CERT_FILE: path.join(dir, 'root.crt'),
      PKI_ISSUING_CERT_FILE: path.join(dir, 'issuing.crt'),
      PKI_ISSUING_KEY_FILE: path.join(dir, 'issuing.key'),
    });
    gate = ctx.app.get(GrantGateService);
    sweeper = ctx.app.get(GrantSweepService);
    admin = await ctx.newUser({ admin: true });
    company = await ctx.newCompany(admin.token);
    group = uniq('wg');
    await ctx.gqlOk(
      `mutation($input: CreateWorkingGroupInput!) { createWorkingGroup(input: $input) { id } }`,
      { input: { slug: group, nameEn: 'Negative group', nameKo: '부정 그룹' } },
      admin.token,
    );
    ds = await newDatasetVersion(ctx, company.id, COLUMNS);
    grantor = await newLegalSigner(ctx, admin.token, { companySlug: company.slug });
    grantee = await newLegalSigner(ctx, admin.token, { workingGroupSlug: group });
    spareKey = newKeyAndCsr('Spare', company.slug, 'company');
    const p = await me(grantor.token);
    grantorSubject = {
      personId: p.id,
      name: p.displayName,
      orgKind: 'company',
      orgSlug: company.slug,
      orgName: '테스트',
      role: 'LEGAL',
      email: p.email,
    };
  }, 180_000);
  afterAll(async () => ctx?.close());

  describe('drafting', () => {
    it('refuses a DIRECT_IDENTIFIER kept raw', async () => {
      const input = draftInput(company.slug, group, ds);
      input.datasets[0].columns[0] = { name: 'operator_id', transform: { kind: 'keep' } };
      const r = await ctx.gql(DRAFT, { input }, grantor.token);
      expect(r.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'GRANT_RAW_DIRECT_IDENTIFIER',
      });
    });

    it('refuses an unknown column instead of ignoring it', async () => {
      const input = draftInput(company.slug, group, ds);
      input.datasets[0].columns.push({ name: 'salary', transform: { kind: 'keep' } });
      const r = await ctx.gql(DRAFT, { input }, grantor.token);
      expect(r.errors?.[0].extensions?.reason).toBe('GRANT_UNKNOWN_COLUMN');
    });

    it('refuses an unknown transform', async () => {
      const input = draftInput(company.slug, group, ds);
      input.datasets[0].columns[1] = { name: 'line', transform: { kind: 'encrypt' } as never };
      const r = await ctx.gql(DRAFT, { input }, grantor.token);
      expect(r.errors?.[0].extensions?.reason).toBe('GRANT_MALFORMED');
    });

    it('refuses a dataset version that is not PUBLISHED', async () => {
      const validating = await newDatasetVersion(ctx, company.id, COLUMNS, { status: 'VALIDATING' });
      const r = await ctx.gql(DRAFT, { input: draftInput(company.slug, group, validating) }, grantor.token);
      expect(r.errors?.[0].extensions?.reason).toBe('GRANT_DATASET_NOT_PUBLISHED');
    });

    it('refuses drafting by an analyst, and hides the grant from another working group', async () => {
      const analyst = await ctx.newWorkingGroupMember(admin.token, group, 'ANALYST');
      const r = await ctx.gql(DRAFT, { input: draftInput(company.slug, group, ds) }, analyst.token);
      expect(r.errors?.[0].extensions).toMatchObject({
        code: 'FORBIDDEN',
        reason: 'GRANT_LEGAL_ROLE_REQUIRED',
      });
      const v = await newDraft();
      const outsider = await ctx.newWorkingGroupMember(admin.token, 'humanoids', 'ANALYST');
      const hidden = await ctx.gql(GRANT, { id: v.grantId }, outsider.token);
      expect(hidden.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'GRANT_NOT_FOUND' });
      const seen = await ctx.gqlOk(GRANT, { id: v.grantId }, analyst.token);
      expect(seen.grant.state).toBe('DRAFT');
    });

    it('refuses a deeply nested draft with GRANT_TOO_DEEP', async () => {
      const input = draftInput(company.slug, group, ds);
      const n = 5000;
      const deep = '{"kind":"generalize","generalization":'.repeat(n) + '{"kind":"keep"}' + '}'.repeat(n);
      input.datasets[0].columns[1] = { name: 'line', transform: '__DEEP__' as never };
      // Written by hand: JSON.stringify (and supertest's serializer) give up on 5000 levels.
      const body = JSON.stringify({ query: DRAFT, variables: { input } }).replace('"__DEEP__"', deep);
      const res = await ctx.http
        .post('/graphql')
        .set('content-type', 'application/json')
        .set('authorization', `Bearer ${grantor.token}`)
        .send(body);
      const r = res.body as { errors?: Array<{ extensions?: { reason?: string } }> };
      expect(r.errors?.[0].extensions?.reason).toBe('GRANT_TOO_DEEP');
    });
  });

  describe('signatures', () => {
    it('refuses a bit flipped in the signature value with PKI_SIGNATURE_INVALID', async () => {
      const v = await newDraft();
      const der = Buffer.from(sign(grantor, v.canonicalDocument), 'base64');
      der[der.length - 5] ^= 0x01;
      await expectRefused(v.grantId, 1, der.toString('base64'), 'PKI_SIGNATURE_INVALID');
    });

    it('refuses a bit flipped in the signed message-digest attribute with PKI_DIGEST_MISMATCH', async () => {
      const v = await newDraft();
      const der = Buffer.from(sign(grantor, v.canonicalDocument), 'base64');
      const digest = createHash('sha256').update(v.canonicalDocument, 'utf8').digest();
      const at = der.indexOf(digest);
      expect(at).toBeGreaterThan(0);
      der[at + 3] ^= 0x80;
      await expectRefused(v.grantId, 1, der.toString('base64'), 'PKI_DIGEST_MISMATCH');
    });

    it('refuses a signature over a copy of the grant edited after drafting with PKI_DIGEST_MISMATCH', async () => {
      const v = await newDraft();
      const edited = v.canonicalDocument.replace('"rowsPerQuery":10000', '"rowsPerQuery":99999');
      expect(edited).not.toBe(v.canonicalDocument);
      await expectRefused(v.grantId, 1, sign(grantor, edited), 'PKI_DIGEST_MISMATCH');
    });

    it('stops opening an ACTIVE grant whose stored bytes were edited after signing (GRANT_DOCUMENT_TAMPERED)', async () => {
      const v = await activeGrant();
      await expect(gate.assertOpen(v.grantId, ds.datasetId)).resolves.toBeDefined();
      const edited = Buffer.from(
        v.canonicalDocument.replace('"queriesPerDay":500', '"queriesPerDay":900'),
        'utf8',
      );
      await ctx.dataSource
        .getRepository(GrantVersionEntity)
        .update({ grantId: v.grantId, version: 1 }, { document: edited });
      await expect(gate.assertOpen(v.grantId, ds.datasetId)).rejects.toMatchObject({
        code: 'GRANT_DOCUMENT_TAMPERED',
      });
    });

    it('refuses non-canonical bytes: the CLI will not sign them, and a non-canonical termination is GRANT_NOT_CANONICAL', async () => {
      const v = await activeGrant();
      const dir = mkdtempSync(path.join(tmpdir(), 'maxhub-nc-'));
      const pretty = JSON.stringify(JSON.parse(v.canonicalDocument), null, 2);
      writeFileSync(path.join(dir, 'grant.json'), pretty);
      writeFileSync(path.join(dir, 'k.pem'), grantor.keyPem);
      writeFileSync(path.join(dir, 'c.pem'), grantor.certPem);
      const cli = runCli([
        'contract',
        'sign',
        path.join(dir, 'grant.json'),
        '--key',
        path.join(dir, 'k.pem'),
        '--cert',
        path.join(dir, 'c.pem'),
      ]);
      expect(cli.status).toBe(1);
      expect(cli.stderr).toContain('CONTRACT_NOT_CANONICAL');
      // The same termination re-encoded with its keys out of canonical order.
      const fields = {
        schema: TERMINATION_SCHEMA,
        grantId: v.grantId,
        grantSha256: v.sha256,
        party: 'GRANTOR',
        reason: 'r',
        effectiveAt: '2026-01-01T00:00:00Z',
      };
      const reordered = Buffer.from(
        `{"reason":"r","schema":"${TERMINATION_SCHEMA}","grantId":"${v.grantId}","grantSha256":"${v.sha256}","party":"GRANTOR","effectiveAt":"2026-01-01T00:00:00Z"}`,
        'utf8',
      );
      expect(reordered.equals(canonicalBytes(fields))).toBe(false);
      const before = await snapshot(v.grantId);
      const r = await ctx.gql(
        TERMINATE,
        { g: v.grantId, d: reordered.toString('utf8'), s: sign(grantor, reordered) },
        grantor.token,
      );
      expect(r.errors?.[0].extensions?.reason).toBe('GRANT_NOT_CANONICAL');
      expect(await snapshot(v.grantId)).toEqual(before);
    });

    it('refuses a certificate from another CA with the same names (PKI_UNTRUSTED_CHAIN)', async () => {
      const v = await newDraft();
      const fake = forgedLeaf({}, lookalike);
      const sig = signDetached(Buffer.from(v.canonicalDocument), grantor.keyPem, fake, [
        lookalike.issuingCertPem,
      ]);
      await expectRefused(v.grantId, 1, sig.toString('base64'), 'PKI_UNTRUSTED_CHAIN');
    });

    it('refuses an alliance root smuggled inside the CMS (PKI_UNTRUSTED_CHAIN)', async () => {
      const v = await newDraft();
      const fake = forgedLeaf({}, lookalike);
      const sig = signDetached(Buffer.from(v.canonicalDocument), grantor.keyPem, fake, [
        lookalike.issuingCertPem,
        lookalike.rootCertPem,
      ]);
      await expectRefused(v.grantId, 1, sig.toString('base64'), 'PKI_UNTRUSTED_CHAIN');
    });

    it('refuses an expired certificate (PKI_CERT_EXPIRED)', async () => {
      const v = await newDraft();
      const cert = forgedLeaf({
        notBefore: new Date(Date.now() - 60 * DAY),
        notAfter: new Date(Date.now() - DAY),
      });
      await expectRefused(
        v.grantId,
        1,
        sign({ keyPem: grantor.keyPem, certPem: cert }, v.canonicalDocument),
        'PKI_CERT_EXPIRED',
      );
    });

    it('refuses a certificate that is not yet valid (PKI_CERT_NOT_YET_VALID)', async () => {
      const v = await newDraft();
      const cert = forgedLeaf({
        notBefore: new Date(Date.now() + DAY),
        notAfter: new Date(Date.now() + 60 * DAY),
      });
      await expectRefused(
        v.grantId,
        1,
        sign({ keyPem: grantor.keyPem, certPem: cert }, v.canonicalDocument),
        'PKI_CERT_NOT_YET_VALID',
      );
    });

    it('refuses a certificate without nonRepudiation (PKI_KEY_USAGE)', async () => {
      const v = await newDraft();
      const cert = forgedLeaf({ overrides: { keyUsage: { digitalSignature: true } } });
      await expectRefused(
        v.grantId,
        1,
        sign({ keyPem: grantor.keyPem, certPem: cert }, v.canonicalDocument),
        'PKI_KEY_USAGE',
      );
    });

    it('refuses a signing time backdated before the version was drafted (PKI_SIGNING_TIME_INVALID)', async () => {
      const v = await newDraft();
      // Inside the certificate's validity (so the chain checks pass), but before the draft existed.
      const signingTime = describeCertificate(grantor.certPem).notBefore;
      const sig = signDetached(Buffer.from(v.canonicalDocument), grantor.keyPem, grantor.certPem, [], {
        signingTime,
      });
      await expectRefused(v.grantId, 1, sig.toString('base64'), 'PKI_SIGNING_TIME_INVALID');
    });

    it('refuses a hub-issued certificate that has expired even with a signing time inside its validity (PKI_CERT_EXPIRED)', async () => {
      const v = await newDraft();
      const lapsed = await newLegalSigner(ctx, admin.token, { companySlug: company.slug }, { key: spareKey });
      const sig = sign(lapsed, v.canonicalDocument);
      await ctx.dataSource.query(
        `UPDATE certificates SET not_after = now() - interval '1 second' WHERE id = $1`,
        [lapsed.certificateId],
      );
      await expectRefused(v.grantId, 1, sig, 'PKI_CERT_EXPIRED', lapsed.token);
    });

    it('does not open a grant on a grantor signature forged from an e = 1 certificate the CA signed (PKI_KEY_OUTSIDE_PROFILE)', async () => {
      // A grantor-company lawyer whose certificate carries RSA exponent 1: minted with the alliance
      // CA's key behind the hub's back and recorded as if the hub had issued it (as it did before
      // the key profile was enforced).
      const victim = await ctx.newCompanyMember(admin.token, company.slug, 'LEGAL');
      const person = await me(victim.token);
      const publicKey = publicKeyWithExponent(spareKey.privateKeyPem, 1);
      const certPem = signMemberCertificate({
        issuerCertPem: ca.issuingCertPem,
        issuerKeyPem: ca.issuingKeyPem,
        subject: { ...grantorSubject, personId: person.id, name: person.displayName, email: person.email },
        notBefore: new Date(Date.now() - DAY),
        notAfter: new Date(Date.now() + 30 * DAY),
        publicKey,
      });
      const d = describeCertificate(certPem);
      await ctx.dataSource.getRepository(CertificateEntity).insert({
        serialNumber: d.serialNumber,
        issuerFingerprint: createHash('sha256')
          .update(fromPem(ca.issuingCertPem, 'CERTIFICATE'))
          .digest('hex'),
        userId: person.id,
        orgKind: 'company',
        companyId: company.id,
        workingGroupId: null,
        role: 'LEGAL',
        certificatePem: certPem,
        fingerprintSha256: d.fingerprintSha256,
        notBefore: d.notBefore,
        notAfter: d.notAfter,
        issuedBy: null,
        revokedAt: null,
        revocationReason: null,
      });
      const v = await newDraft();
      await ctx.gqlOk(ATTACH, { g: v.grantId, v: 1, s: sign(grantee, v.canonicalDocument) }, grantee.token);
      // The working group's lawyer forges the grantor's signature from the certificate alone.
      const forged = buildSignedData({
        content: Buffer.from(v.canonicalDocument),
        keyPem: '',
        rawSigner: exponentOneForger(publicKey.n),
        certPem,
        chainPems: [],
        signingTime: new Date(),
      });
      await expectRefused(v.grantId, 1, forged.toString('base64'), 'PKI_KEY_OUTSIDE_PROFILE', grantee.token);
      expect((await snapshot(v.grantId)).state).toBe('AWAITING_SIGNATURES');
      await expect(gate.assertOpen(v.grantId, ds.datasetId)).rejects.toMatchObject({
        code: 'GRANT_NOT_ACTIVE',
      });
    });

    it('refuses a revoked certificate (PKI_CERT_REVOKED)', async () => {
      const v = await newDraft();
      const other = await newLegalSigner(ctx, admin.token, { companySlug: company.slug }, { key: spareKey });
      await ctx.gqlOk(
        `mutation($s: String!) { revokeCertificate(serialNumber: $s, reason: KEY_COMPROMISE) { revokedAt } }`,
        { s: other.serialNumber },
        admin.token,
      );
      await expectRefused(v.grantId, 1, sign(other, v.canonicalDocument), 'PKI_CERT_REVOKED', other.token);
    });

    it('refuses the working group’s lawyer signing as the grantor, and a lawyer of another group', async () => {
      const v = await newDraft();
      await expectRefused(
        v.grantId,
        1,
        sign(grantee, v.canonicalDocument),
        'GRANT_SIGNER_PARTY_MISMATCH',
        grantee.token,
        'GRANTOR',
      );
      const stranger = await newLegalSigner(
        ctx,
        admin.token,
        { workingGroupSlug: 'humanoids' },
        { key: spareKey },
      );
      await expectRefused(
        v.grantId,
        1,
        sign(stranger, v.canonicalDocument),
        'GRANT_SIGNER_NOT_A_PARTY',
        grantor.token,
      );
    });

    it('refuses the same person signing for both parties (GRANT_SAME_SIGNER)', async () => {
      const v = await newDraft();
      const both = await newLegalSigner(ctx, admin.token, { companySlug: company.slug }, { key: spareKey });
      const asGroup = await newLegalSigner(
        ctx,
        admin.token,
        { workingGroupSlug: group },
        { email: both.email, key: spareKey },
      );
      await ctx.gqlOk(ATTACH, { g: v.grantId, v: 1, s: sign(both, v.canonicalDocument) }, both.token);
      await expectRefused(
        v.grantId,
        1,
        sign(asGroup, v.canonicalDocument),
        'GRANT_SAME_SIGNER',
        asGroup.token,
      );
    });

    it('refuses a signer whose LEGAL role was taken away after the certificate was issued (GRANT_SIGNER_NO_LONGER_LEGAL), to sign and to terminate', async () => {
      const former = await newLegalSigner(ctx, admin.token, { companySlug: company.slug }, { key: spareKey });
      const live = await activeGrant();
      const v = await newDraft();
      await ctx.gqlOk(
        `mutation($c: String!, $e: String!) { removeCompanyMember(companySlug: $c, email: $e, role: LEGAL) }`,
        { c: company.slug, e: former.email },
        admin.token,
      );
      // The certificate is still valid (not revoked); the operator attaches the signature.
      await expectRefused(
        v.grantId,
        1,
        sign(former, v.canonicalDocument),
        'GRANT_SIGNER_NO_LONGER_LEGAL',
        admin.token,
      );
      const termination = canonicalBytes({
        schema: TERMINATION_SCHEMA,
        grantId: live.grantId,
        grantSha256: live.sha256,
        party: 'GRANTOR',
        reason: 'r',
        effectiveAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      });
      const before = await snapshot(live.grantId);
      const r = await ctx.gql(
        TERMINATE,
        { g: live.grantId, d: termination.toString('utf8'), s: sign(former, termination) },
        admin.token,
      );
      expect(r.errors?.[0].extensions?.reason).toBe('GRANT_SIGNER_NO_LONGER_LEGAL');
      expect(r.errors?.[0].message).toMatch(/no longer has the LEGAL role in the grantor company/);
      expect(await snapshot(live.grantId)).toEqual(before);
      // A current legal signer of the company still signs.
      await ctx.gqlOk(ATTACH, { g: v.grantId, v: 1, s: sign(grantor, v.canonicalDocument) }, grantor.token);
    });

    it('refuses a replayed signature of an older version (GRANT_VERSION_MISMATCH) and a second signature of a party (GRANT_ALREADY_SIGNED)', async () => {
      const v1 = await activeGrant();
      const old = sign(grantor, v1.canonicalDocument);
      const v2 = await newDraft({ amendsGrantId: v1.grantId, purpose: 'Amended purpose.' });
      expect(v2.version).toBe(2);
      await expectRefused(v1.grantId, 2, old, 'GRANT_VERSION_MISMATCH');
      await expectRefused(v1.grantId, 1, sign(grantor, v1.canonicalDocument), 'GRANT_ALREADY_SIGNED');
    });

    it('lets exactly one of two competing amendments win', async () => {
      const v1 = await activeGrant();
      const a = await newDraft({ amendsGrantId: v1.grantId, purpose: 'Amendment A.' });
      const b = await newDraft({ amendsGrantId: v1.grantId, purpose: 'Amendment B.' });
      expect(JSON.parse(a.canonicalDocument).supersedes).toBe(v1.sha256);
      expect(JSON.parse(b.canonicalDocument).supersedes).toBe(v1.sha256);
      await ctx.gqlOk(
        ATTACH,
        { g: v1.grantId, v: a.version, s: sign(grantor, a.canonicalDocument) },
        grantor.token,
      );
      await ctx.gqlOk(
        ATTACH,
        { g: v1.grantId, v: b.version, s: sign(grantor, b.canonicalDocument) },
        grantor.token,
      );
      const results = await Promise.all(
        [a, b].map((x) =>
          ctx.gql(
            ATTACH,
            { g: v1.grantId, v: x.version, s: sign(grantee, x.canonicalDocument) },
            grantee.token,
          ),
        ),
      );
      const won = results.filter((r) => !r.errors);
      const lost = results.filter((r) => r.errors);
      expect(won).toHaveLength(1);
      expect(won[0].data?.attachGrantSignature.state).toBe('ACTIVE');
      expect(lost[0].errors?.[0].extensions?.reason).toBe('GRANT_AMENDMENT_CONFLICT');
      const g = await snapshot(v1.grantId);
      const states = (g.versions as Array<{ version: number; state: string }>).map((x) => x.state).sort();
      expect(states).toEqual(['ACTIVE', 'AWAITING_SIGNATURES', 'SUPERSEDED']);
      expect(g.currentVersion.version).toBe(won[0].data?.attachGrantSignature.version);
    });

    it('refuses a 200 KB signature with GRANT_UPLOAD_TOO_LARGE', async () => {
      const v = await newDraft();
      await expectRefused(v.grantId, 1, 'A'.repeat(200 * 1024), 'GRANT_UPLOAD_TOO_LARGE');
    });

    it('refuses a 10 MB request body with 413 and a GraphQL-shaped reason, before reading it', async () => {
      const v = await newDraft();
      const res = await ctx.http
        .post('/graphql')
        .set('content-type', 'application/json')
        .set('authorization', `Bearer ${grantor.token}`)
        .send({
          query: ATTACH,
          variables: { g: v.grantId, v: 1, s: 'A'.repeat(10 * 1024 * 1024) },
        });
      expect(res.status).toBe(413);
      expect(res.body.errors[0].extensions).toEqual({ code: 'BAD_REQUEST', reason: 'HTTP_BODY_TOO_LARGE' });
      expect(res.body.errors[0].message).toMatch(/at most 262144 bytes/);
    });

    it('refuses a deeply nested termination document with GRANT_TOO_DEEP', async () => {
      const v = await activeGrant();
      const deep = `{"reason":${'['.repeat(100)}${']'.repeat(100)}}`;
      const before = await snapshot(v.grantId);
      const r = await ctx.gql(TERMINATE, { g: v.grantId, d: deep, s: sign(grantor, deep) }, grantor.token);
      expect(r.errors?.[0].extensions?.reason).toBe('GRANT_TOO_DEEP');
      expect(await snapshot(v.grantId)).toEqual(before);
    });
  });

  describe('refusals in the audit log', () => {
    interface Logged {
      action: string;
      company_id: string | null;
      working_group_id: string | null;
      actor_user_id: string;
      details: Record<string, unknown>;
    }
    const logged = async (grantId: string, action: string) =>
      (
        await ctx.dataSource.query<Array<Logged & { payload: string }>>(
          `SELECT action, company_id, working_group_id, actor_user_id, payload FROM audit_entries
            WHERE subject_id = $1 AND action = $2 ORDER BY seq`,
          [grantId, action],
        )
      ).map(({ payload, ...e }) => ({ ...e, details: (JSON.parse(payload) as Logged).details }));
    const head = async () =>
      (await ctx.dataSource.query<Array<{ s: string }>>('SELECT max(seq)::text AS s FROM audit_entries'))[0]
        .s;
    const groupId = async () =>
      (
        await ctx.dataSource.query<Array<{ id: string }>>('SELECT id FROM working_groups WHERE slug = $1', [
          group,
        ])
      )[0].id;
    const termination = (grantId: string, grantSha256: string) =>
      canonicalBytes({
        schema: TERMINATION_SCHEMA,
        grantId,
        grantSha256,
        party: 'GRANTOR',
        reason: 'r',
        effectiveAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      });

    it('audits every refused signature, termination and amendment with its reason, in the logs of the parties the caller may affect, and nothing for a caller answered NOT_FOUND', async () => {
      const wg = await groupId();
      const v = await newDraft();
      const der = Buffer.from(sign(grantor, v.canonicalDocument), 'base64');
      der[der.length - 5] ^= 0x01;
      for (let i = 0; i < 3; i++)
        await expectRefused(v.grantId, 1, der.toString('base64'), 'PKI_SIGNATURE_INVALID');
      const byLawyer = await logged(v.grantId, 'grant.signature.refused');
      expect(byLawyer).toHaveLength(3);
      expect(byLawyer[0]).toMatchObject({
        company_id: company.id,
        working_group_id: wg,
        details: { reason: 'PKI_SIGNATURE_INVALID', version: 1 },
      });
      expect(byLawyer[0].details.submittedSha256).toMatch(/^[0-9a-f]{64}$/);

      // An analyst of the grantee group may affect no grant: the refusal stays in the group's log.
      const analyst = await ctx.newWorkingGroupMember(admin.token, group, 'ANALYST');
      await expectRefused(
        v.grantId,
        1,
        sign(grantee, v.canonicalDocument),
        'GRANT_LEGAL_ROLE_REQUIRED',
        analyst.token,
      );
      expect((await logged(v.grantId, 'grant.signature.refused'))[3]).toMatchObject({
        company_id: null,
        working_group_id: wg,
        details: { reason: 'GRANT_LEGAL_ROLE_REQUIRED' },
      });

      const live = await activeGrant();
      const wrong = termination(live.grantId, '0'.repeat(64));
      const t = await ctx.gql(
        TERMINATE,
        { g: live.grantId, d: wrong.toString('utf8'), s: sign(grantor, wrong) },
        grantor.token,
      );
      expect(t.errors?.[0].extensions?.reason).toBe('GRANT_TERMINATION_MISMATCH');
      expect(await logged(live.grantId, 'grant.termination.refused')).toEqual([
        expect.objectContaining({
          company_id: company.id,
          working_group_id: wg,
          details: expect.objectContaining({ reason: 'GRANT_TERMINATION_MISMATCH' }),
        }),
      ]);

      const amendment = draftInput(company.slug, group, ds, { amendsGrantId: live.grantId });
      amendment.datasets[0].columns.push({ name: 'salary', transform: { kind: 'keep' } });
      const a = await ctx.gql(DRAFT, { input: amendment }, grantee.token);
      expect(a.errors?.[0].extensions?.reason).toBe('GRANT_UNKNOWN_COLUMN');
      expect(await logged(live.grantId, 'grant.amendment.refused')).toEqual([
        expect.objectContaining({
          company_id: company.id,
          working_group_id: wg,
          details: expect.objectContaining({ reason: 'GRANT_UNKNOWN_COLUMN' }),
        }),
      ]);

      // Someone who may not see the grant (a lawyer of another group), or a grant that does not
      // exist: NOT_FOUND, and no log learns of the attempt.
      const outsider = await ctx.newWorkingGroupMember(admin.token, 'humanoids', 'LEGAL');
      const before = await head();
      const missing = '00000000-0000-4000-8000-000000000000';
      for (const [g, token] of [
        [live.grantId, outsider.token],
        [missing, grantor.token],
      ] as const) {
        const doc = termination(g, live.sha256);
        for (const r of [
          await ctx.gql(ATTACH, { g, v: 1, s: sign(grantor, live.canonicalDocument) }, token),
          await ctx.gql(TERMINATE, { g, d: doc.toString('utf8'), s: sign(grantor, doc) }, token),
          await ctx.gql(DRAFT, { input: draftInput(company.slug, group, ds, { amendsGrantId: g }) }, token),
        ]) {
          expect(r.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'GRANT_NOT_FOUND' });
        }
      }
      expect(await head()).toBe(before);
    });

    it('refuses a grant id that is not a UUID with BAD_USER_INPUT naming the field, writing nothing', async () => {
      const v = await newDraft();
      // Plain text that is not a UUID. (With control or bidi characters, or over 10,000 characters,
      // the input guard refuses it first: INPUT_TEXT_UNSAFE, INPUT_TOO_LONG.)
      const hostile = `${v.grantId}.exe${'A'.repeat(5_000)}`;
      const before = await head();
      const cases: Array<[string, Promise<GqlResult>]> = [
        [
          'grantId',
          ctx.gql(ATTACH, { g: hostile, v: 1, s: sign(grantor, v.canonicalDocument) }, grantor.token),
        ],
        ['grantId', ctx.gql(TERMINATE, { g: hostile, d: '{}', s: sign(grantor, '{}') }, grantor.token)],
        ['id', ctx.gql(GRANT, { id: hostile }, grantor.token)],
        [
          'amendsGrantId',
          ctx.gql(
            DRAFT,
            { input: draftInput(company.slug, group, ds, { amendsGrantId: hostile }) },
            grantor.token,
          ),
        ],
        [
          'datasetId',
          ctx.gql(
            DRAFT,
            { input: draftInput(company.slug, group, { ...ds, datasetId: hostile }) },
            grantor.token,
          ),
        ],
      ];
      for (const [field, pending] of cases) {
        const r = await pending;
        expect(r.errors?.[0].extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          reason: 'GRANT_ID_INVALID',
        });
        expect(r.errors?.[0].message).toContain(field);
        expect(r.errors?.[0].message).not.toContain('AAAA');
      }
      expect(await head()).toBe(before);
    });
  });

  describe('termination ends pending amendments', () => {
    it('reports a terminated grant with a pending amendment as TERMINATED and refuses any further signature with GRANT_TERMINATED', async () => {
      const v1 = await activeGrant();
      const v2 = await newDraft({ amendsGrantId: v1.grantId, purpose: 'Amended purpose.' });
      await ctx.gqlOk(ATTACH, { g: v1.grantId, v: 2, s: sign(grantee, v2.canonicalDocument) }, grantee.token);
      const doc = canonicalBytes({
        schema: TERMINATION_SCHEMA,
        grantId: v1.grantId,
        grantSha256: v1.sha256,
        party: 'GRANTOR',
        reason: 'Project ended.',
        effectiveAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      });
      const t = await ctx.gqlOk(
        TERMINATE,
        { g: v1.grantId, d: doc.toString('utf8'), s: sign(grantor, doc) },
        grantor.token,
      );
      expect(t.terminateGrant.state).toBe('TERMINATED');
      const g = await snapshot(v1.grantId);
      expect(g.state).toBe('TERMINATED');
      expect(g.versions.map((x: { state: string }) => x.state)).toEqual(['TERMINATED', 'TERMINATED']);
      expect(g.currentVersion.version).toBe(1);
      await expectRefused(v1.grantId, 2, sign(grantor, v2.canonicalDocument), 'GRANT_TERMINATED');
      await expectRefused(
        v1.grantId,
        2,
        sign(grantee, v2.canonicalDocument),
        'GRANT_TERMINATED',
        grantee.token,
      );
      await expect(gate.assertOpen(v1.grantId, ds.datasetId)).rejects.toMatchObject({
        code: 'GRANT_TERMINATED',
      });
      const ended: Array<{ payload: string }> = await ctx.dataSource.query(
        `SELECT payload FROM audit_entries WHERE subject_id = $1 AND action = 'grant.amendment.ended'`,
        [v1.grantId],
      );
      expect(ended.map((e) => (JSON.parse(e.payload) as { details: unknown }).details)).toEqual([
        { version: 2, sha256: v2.sha256, reason: 'GRANT_TERMINATED' },
      ]);
    });
  });

  describe('suspension and expiry', () => {
    it('suspends an ACTIVE grant the moment a signer’s certificate is revoked, and re-signing restores it', async () => {
      const signer = await newLegalSigner(ctx, admin.token, { workingGroupSlug: group }, { key: spareKey });
      const v = await newDraft();
      await ctx.gqlOk(ATTACH, { g: v.grantId, v: 1, s: sign(grantor, v.canonicalDocument) }, grantor.token);
      await ctx.gqlOk(ATTACH, { g: v.grantId, v: 1, s: sign(signer, v.canonicalDocument) }, signer.token);
      await expect(gate.assertOpen(v.grantId, ds.datasetId)).resolves.toBeDefined();

      await ctx.gqlOk(
        `mutation($s: String!) { revokeCertificate(serialNumber: $s, reason: AFFILIATION_CHANGED) { revokedAt } }`,
        { s: signer.serialNumber },
        admin.token,
      );
      await expect(gate.assertOpen(v.grantId, ds.datasetId)).rejects.toMatchObject({
        code: 'GRANT_SUSPENDED',
      });
      expect((await snapshot(v.grantId)).state).toBe('SUSPENDED');
      const crl = await ctx.http.get('/pki/crl').expect(200);
      expect(crl.text).toContain('BEGIN X509 CRL');

      // The group's lawyer signs again with a valid certificate: ACTIVE again.
      await ctx.gqlOk(ATTACH, { g: v.grantId, v: 1, s: sign(grantee, v.canonicalDocument) }, grantee.token);
      expect((await snapshot(v.grantId)).state).toBe('ACTIVE');
      await expect(gate.assertOpen(v.grantId, ds.datasetId)).resolves.toBeDefined();

      const audit = await ctx.gqlOk(
        `query($s: String!) { auditEntries(companySlug: $s, first: 1000) { entries { action subjectId details } } }`,
        { s: company.slug },
        admin.token,
      );
      const mine = (audit.auditEntries.entries as Array<{ action: string; subjectId: string }>).filter(
        (e) => e.subjectId === v.grantId,
      );
      expect(mine.map((e) => e.action)).toEqual(
        expect.arrayContaining(['grant.suspended', 'grant.reactivated']),
      );
    });

    it('closes a grant past its term (GRANT_EXPIRED) and the sweep records the expiry', async () => {
      const v = await activeGrant();
      await ctx.dataSource.query(
        `UPDATE grant_versions SET term_until = now() - interval '1 minute' WHERE grant_id = $1`,
        [v.grantId],
      );
      await expect(gate.assertOpen(v.grantId, ds.datasetId)).rejects.toMatchObject({
        code: 'GRANT_EXPIRED',
      });
      expect((await snapshot(v.grantId)).state).toBe('EXPIRED');
      expect(await sweeper.sweep()).toBeGreaterThanOrEqual(1);
      const rows: Array<{ state: string }> = await ctx.dataSource.query(
        `SELECT state FROM grant_versions WHERE grant_id = $1`,
        [v.grantId],
      );
      expect(rows).toEqual([{ state: 'EXPIRED' }]);
    });

    it('refuses a dataset that is not in the grant (GRANT_DATASET_NOT_GRANTED)', async () => {
      const v = await activeGrant();
      const other = await newDatasetVersion(ctx, company.id, COLUMNS);
      await expect(gate.assertOpen(v.grantId, other.datasetId)).rejects.toMatchObject({
        code: 'GRANT_DATASET_NOT_GRANTED',
      });
    });
  });
});
