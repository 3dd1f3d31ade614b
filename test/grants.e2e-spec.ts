import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { canonicalBytes, TERMINATION_SCHEMA } from '@maxhub/contracts';
import { runCli, runCliAsync, type TestDatasetVersion, type TestSigner, uniq } from '@maxhub/testing';
import { newDatasetVersion, newLegalSigner } from './support/grants';
import { TestContext } from './support/test-context';
import { GrantGateService } from '../apps/hub/src/modules/grants/grant-gate.service';
import { ATTACH, COLUMNS, DRAFT, draftInput, sign, TERMINATE } from './grant-fixtures';

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

  it('takes a grant from draft through both signatures (one made with the CLI) to ACTIVE, verifies it offline, and terminates it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'maxhub-grant-'));
    const d = await ctx.gqlOk(DRAFT, { input: draftInput(company.slug, group, ds) }, grantor.token);
    const v = d.draftGrant;
    expect(v).toMatchObject({ version: 1, state: 'DRAFT', supersedesSha256: null });
    expect(v.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(v.text).toContain(v.sha256);
    // The Korean rendering over GraphQL: the same bytes, the same terms, line for line.
    expect(v.textKo).toContain('M.AX 데이터 허브 — 데이터 접근 허가서');
    expect(v.textKo).toContain(`정규(RFC 8785) 문서의 SHA-256: ${v.sha256}`);
    expect(v.textKo.split('\n')).toHaveLength(v.text.split('\n').length);
    expect(JSON.parse(v.canonicalDocument)).toMatchObject({ grantId: v.grantId, version: 1 });

    // The grantee's lawyer fetches the canonical bytes over HTTP and signs them with the CLI.
    await ctx.app.listen(0, '127.0.0.1');
    const port = (ctx.app.getHttpServer().address() as { port: number }).port;
    const grantFile = path.join(dir, 'grant.json');
    const fetched = await runCliAsync(['contract', 'fetch', v.grantId, '--out', grantFile], {
      MAXHUB_URL: `http://127.0.0.1:${port}`,
      MAXHUB_TOKEN: grantee.token,
    });
    expect(fetched).toMatchObject({ status: 0 });
    expect(readFileSync(grantFile, 'utf8')).toBe(v.canonicalDocument);
    const shown = runCli(['contract', 'show', grantFile]);
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain(`SHA-256 of the canonical bytes: ${v.sha256}`);
    // The Korean rendering of the same bytes: the same terms, line for line.
    const ko = runCli(['contract', 'show', grantFile, '--lang', 'ko']);
    expect(ko.status).toBe(0);
    expect(ko.stdout).toContain('M.AX 데이터 허브 — 데이터 접근 허가서');
    expect(ko.stdout).toContain(`정규 바이트의 SHA-256: ${v.sha256}`);
    expect(ko.stdout.split('\n')).toHaveLength(shown.stdout.split('\n').length);
    const fr = runCli(['contract', 'show', grantFile, '--lang', 'fr']);
    expect(fr.status).toBe(1);
    expect(fr.stderr).toContain('CLI_LANGUAGE_INVALID: --lang must be one of en, ko');
    writeFileSync(path.join(dir, 'legal.key'), grantee.keyPem, { mode: 0o600 });
    writeFileSync(path.join(dir, 'legal.crt'), grantee.certPem);
    const signed = runCli([
      'contract',
      'sign',
      grantFile,
      '--key',
      path.join(dir, 'legal.key'),
      '--cert',
      path.join(dir, 'legal.crt'),
      '--out',
      path.join(dir, 'grantee.p7s'),
    ]);
    expect(signed.status).toBe(0);
    const granteeSig = readFileSync(path.join(dir, 'grantee.p7s'));
    const grantorSig = Buffer.from(sign(grantor, v.canonicalDocument), 'base64');
    writeFileSync(path.join(dir, 'grantor.p7s'), grantorSig);

    const a1 = await ctx.gqlOk(
      ATTACH,
      { g: v.grantId, v: 1, s: grantorSig.toString('base64') },
      grantor.token,
    );
    expect(a1.attachGrantSignature.state).toBe('AWAITING_SIGNATURES');
    const a2 = await ctx.gqlOk(
      ATTACH,
      { g: v.grantId, v: 1, s: granteeSig.toString('base64'), p: 'GRANTEE' },
      grantee.token,
    );
    expect(a2.attachGrantSignature.state).toBe('ACTIVE');
    const signers = await ctx.gqlOk(
      `query($id: ID!) { grant(id: $id) { currentVersion { signatures { party signerName certificateSerial } } } }`,
      { id: v.grantId },
      grantor.token,
    );
    expect(signers.grant.currentVersion.signatures).toEqual([
      { party: 'GRANTOR', signerName: 'Legal', certificateSerial: grantor.serialNumber },
      { party: 'GRANTEE', signerName: 'Legal', certificateSerial: grantee.serialNumber },
    ]);

    const gate = ctx.app.get(GrantGateService);
    const open = await gate.assertOpen(v.grantId, ds.datasetId);
    expect(open.version.sha256).toBe(v.sha256);
    expect(open.dataset.columns.map((c) => c.name)).toContain('operator_id');

    // Anyone with the CA chain and the CRL verifies it without the hub.
    const ca = await ctx.http.get('/pki/ca').expect(200);
    const crl = await ctx.http.get('/pki/crl').expect(200);
    writeFileSync(path.join(dir, 'ca.crt'), ca.text);
    writeFileSync(path.join(dir, 'crl.pem'), crl.text);
    const verified = runCli([
      'contract',
      'verify',
      grantFile,
      path.join(dir, 'grantor.p7s'),
      path.join(dir, 'grantee.p7s'),
      '--ca',
      path.join(dir, 'ca.crt'),
      '--crl',
      path.join(dir, 'crl.pem'),
    ]);
    expect(verified.stdout).toMatch(/grantor\.p7s: OK GRANTOR/);
    expect(verified.stdout).toMatch(/grantee\.p7s: OK GRANTEE/);
    expect(verified.status).toBe(0);
    const oneOnly = runCli([
      'contract',
      'verify',
      grantFile,
      path.join(dir, 'grantor.p7s'),
      '--ca',
      path.join(dir, 'ca.crt'),
      '--crl',
      path.join(dir, 'crl.pem'),
    ]);
    expect(oneOnly.status).toBe(1);
    expect(oneOnly.stdout).toContain('missing: no valid signature of the grantee');

    // OpenSSL agrees on the signature the CLI made.
    // This OpenSSL reads CRLs from the CA file: trust the root, allow the issuing CA, check the CRL.
    writeFileSync(path.join(dir, 'openssl-ca.pem'), ca.text + crl.text);
    const ossl = spawnSync(
      'openssl',
      [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        path.join(dir, 'grantee.p7s'),
        '-content',
        grantFile,
        '-CAfile',
        path.join(dir, 'openssl-ca.pem'),
        '-purpose',
        'smimesign',
        '-crl_check',
        '-out',
        '/dev/null',
      ],
      { encoding: 'utf8' },
    );
    expect(ossl.stderr).toContain('Verification successful');
    expect(ossl.status).toBe(0);

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
    await expect(gate.assertOpen(v.grantId, ds.datasetId)).rejects.toMatchObject({
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

  it('writes every term it will enforce into the v2 document: classes, export rights, retention, row order, a shifted date’s time of day', async () => {
    const input = draftInput(company.slug, group, ds);
    input.datasets[0].columns[2] = {
      name: 'welded_at',
      transform: { kind: 'shiftDate', maxDays: 10, entityColumn: 'operator_id' } as never,
    };
    const v = (await ctx.gqlOk(DRAFT, { input }, grantor.token)).draftGrant;
    const doc = JSON.parse(v.canonicalDocument as string);
    expect(doc.schema).toBe('maxhub.grant/v2');
    expect(doc.datasets[0].columns[2]).toEqual({
      name: 'welded_at',
      class: 'QUASI_IDENTIFIER',
      transform: {
        kind: 'shiftDate',
        maxDays: 10,
        entityColumn: 'operator_id',
        timeOfDay: { mode: 'truncate', to: 'hour' },
      },
    });
    expect(doc.limits.exports).toEqual({ allowed: true, maxRowsPerExport: 1_000_000, perDay: 10 });
    expect(doc.retention).toEqual({ viewsDeletedWithinHours: 24 });
    expect(doc.release).toEqual({ rowOrder: 'PERMUTED_PER_GRANT' });
    expect(v.text).toContain('the time of day is cut to the hour (minutes and seconds are not released)');
    expect(v.textKo).toContain('시각은 시 단위로 절삭');
  });
});
