import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseCanonicalTermination, sha256Hex } from '@maxhub/contracts';
import {
  newKeyAndCsr,
  runCli,
  runCliAsync,
  type TestDatasetVersion,
  type TestSigner,
  uniq,
} from '@maxhub/testing';
import { ATTACH, COLUMNS, DRAFT, draftInput, sign } from './grant-fixtures';
import { newDatasetVersion, newLegalSigner } from './support/grants';
import { TestContext } from './support/test-context';

const GRANT = `query($id: ID!) {
  grant(id: $id) { state currentVersion { version state stateReason sha256 canonicalDocument text } }
}`;
const AUDIT = `query($s: String!) { auditEntries(companySlug: $s, first: 1000) { entries { action subjectId details } } }`;

/** A legal signer whose key and certificate are also on disk, as a lawyer keeps them. */
interface SignerFiles extends TestSigner {
  keyFile: string;
  certFile: string;
}

describe('maxhub contract draft and terminate: a lawyer’s grant from a JSON file to its end (the built CLI against the hub)', () => {
  let ctx: TestContext;
  let hubUrl: string;
  let dir: string;
  let admin: { token: string };
  let company: { id: string; slug: string };
  let group: string;
  let ds: TestDatasetVersion;
  let grantor: SignerFiles;
  let grantee: SignerFiles;
  let outsider: SignerFiles;

  /** The CLI as the holder of `token` runs it against this hub (asynchronously: the hub answers in this process). */
  const cli = (args: string[], token: string) =>
    runCliAsync(['contract', ...args], { MAXHUB_URL: hubUrl, MAXHUB_TOKEN: token });

  const onDisk = (s: TestSigner, name: string): SignerFiles => {
    const keyFile = path.join(dir, `${name}.key`);
    const certFile = path.join(dir, `${name}.crt`);
    writeFileSync(keyFile, s.keyPem, { mode: 0o600 });
    writeFileSync(certFile, s.certPem);
    return { ...s, keyFile, certFile };
  };

  /** An ACTIVE grant drafted and signed through GraphQL (for the tests that only end one). */
  async function activeGrant(): Promise<{ grantId: string; sha256: string }> {
    const d = await ctx.gqlOk(DRAFT, { input: draftInput(company.slug, group, ds) }, grantor.token);
    const v = d.draftGrant as { grantId: string; sha256: string; canonicalDocument: string };
    await ctx.gqlOk(ATTACH, { g: v.grantId, v: 1, s: sign(grantor, v.canonicalDocument) }, grantor.token);
    const a = await ctx.gqlOk(
      ATTACH,
      { g: v.grantId, v: 1, s: sign(grantee, v.canonicalDocument) },
      grantee.token,
    );
    expect(a.attachGrantSignature.state).toBe('ACTIVE');
    return { grantId: v.grantId, sha256: v.sha256 };
  }

  async function auditOf(grantId: string) {
    const a = await ctx.gqlOk(AUDIT, { s: company.slug }, admin.token);
    return (
      a.auditEntries.entries as Array<{ action: string; subjectId: string; details: Record<string, unknown> }>
    ).filter((e) => e.subjectId === grantId);
  }

  beforeAll(async () => {
    ctx = await TestContext.create();
    await ctx.app.listen(0, '127.0.0.1');
    hubUrl = `http://127.0.0.1:${(ctx.app.getHttpServer().address() as AddressInfo).port}`;
    dir = mkdtempSync(path.join(tmpdir(), 'maxhub-cli-contract-'));
    admin = await ctx.newUser({ admin: true });
    company = await ctx.newCompany(admin.token);
    group = uniq('wg');
    await ctx.gqlOk(
      `mutation($input: CreateWorkingGroupInput!) { createWorkingGroup(input: $input) { id } }`,
      { input: { slug: group, nameEn: 'CLI group', nameKo: 'CLI 그룹' } },
      admin.token,
    );
    ds = await newDatasetVersion(ctx, company.id, COLUMNS);
    // One RSA-3072 key for every signer here: making keys is the slow part, and the hub tells
    // signers apart by their certificates (person, organization, role), not by their keys.
    const key = newKeyAndCsr('Legal', company.slug, 'company');
    grantor = onDisk(
      await newLegalSigner(ctx, admin.token, { companySlug: company.slug }, { key }),
      'grantor',
    );
    grantee = onDisk(await newLegalSigner(ctx, admin.token, { workingGroupSlug: group }, { key }), 'grantee');
    const other = await ctx.newCompany(admin.token);
    outsider = onDisk(
      await newLegalSigner(ctx, admin.token, { companySlug: other.slug }, { key }),
      'outsider',
    );
  }, 120_000);
  afterAll(async () => {
    await ctx?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('drafts a grant from a JSON file, both parties sign it, and the grantee’s lawyer terminates it with --key/--cert', async () => {
    const draftFile = path.join(dir, 'draft.json');
    const grantFile = path.join(dir, 'grant.json');
    writeFileSync(draftFile, JSON.stringify(draftInput(company.slug, group, ds), null, 2));
    const drafted = await cli(['draft', draftFile, '--out', grantFile], grantor.token);
    expect(drafted.stderr).toBe('');
    expect(drafted.status).toBe(0);
    const [, grantId] = /^Drafted grant ([0-9a-f-]{36}) version 1 \(DRAFT\)$/m.exec(drafted.stdout) ?? [];
    expect(grantId).toBeDefined();

    // The written bytes are the hub's canonical document; the printed text is the hub's, with the SHA-256.
    const { grant } = await ctx.gqlOk(GRANT, { id: grantId }, grantor.token);
    const v = grant.currentVersion;
    expect(readFileSync(grantFile).equals(Buffer.from(v.canonicalDocument, 'utf8'))).toBe(true);
    expect(sha256Hex(readFileSync(grantFile))).toBe(v.sha256);
    expect(drafted.stdout).toContain(`SHA-256 ${v.sha256}\n`);
    expect(drafted.stdout).toContain(v.text);
    expect(v.text).toContain(v.sha256);

    // The grantee's lawyer signs the file with the CLI and attaches it; the grantor's through GraphQL.
    const signed = runCli([
      'contract',
      'sign',
      grantFile,
      '--key',
      grantee.keyFile,
      '--cert',
      grantee.certFile,
      '--out',
      path.join(dir, 'grantee.p7s'),
    ]);
    expect(signed.status).toBe(0);
    const attached = await cli(
      ['attach', grantId, path.join(dir, 'grantee.p7s'), '--version', '1'],
      grantee.token,
    );
    expect(attached.stdout).toContain('is AWAITING_SIGNATURES');
    const a = await ctx.gqlOk(
      ATTACH,
      { g: grantId, v: 1, s: sign(grantor, v.canonicalDocument) },
      grantor.token,
    );
    expect(a.attachGrantSignature.state).toBe('ACTIVE');

    const endDir = path.join(dir, 'ended');
    const ended = await cli(
      [
        'terminate',
        grantId,
        '--reason',
        'The weld-defect project ended early.',
        '--key',
        grantee.keyFile,
        '--cert',
        grantee.certFile,
        '--out-dir',
        endDir,
      ],
      grantee.token,
    );
    expect(ended.stderr).toBe('');
    expect(ended.status).toBe(0);
    expect(ended.stdout).toContain(
      `Terminated grant ${grantId} version 1 (SHA-256 ${v.sha256}) for the grantee`,
    );
    expect(ended.stdout).toContain(
      `Grant ${grantId} is TERMINATED: version 1 TERMINATED (TERMINATED_BY_GRANTEE)`,
    );

    // The document the CLI kept is the one it signed and the hub recorded.
    const termination = readFileSync(path.join(endDir, 'termination.json'));
    expect(parseCanonicalTermination(termination)).toMatchObject({
      schema: 'maxhub.grant-termination/v1',
      grantId,
      grantSha256: v.sha256,
      party: 'GRANTEE',
      reason: 'The weld-defect project ended early.',
    });
    expect(ended.stdout).toContain(`Termination SHA-256 ${sha256Hex(termination)}`);
    expect(existsSync(path.join(endDir, 'termination.json.p7s'))).toBe(true);
    const shown = runCli(['contract', 'show', path.join(endDir, 'termination.json')]);
    expect(shown.stdout).toContain(`TERMINATION of grant ${grantId}`);

    const after = await ctx.gqlOk(GRANT, { id: grantId }, grantor.token);
    expect(after.grant.state).toBe('TERMINATED');
    const terminated = (await auditOf(grantId)).filter((e) => e.action === 'grant.terminated');
    expect(terminated).toHaveLength(1);
    expect(terminated[0].details).toMatchObject({
      party: 'GRANTEE',
      sha256: v.sha256,
      terminationSha256: sha256Hex(termination),
      certificateSerial: grantee.serialNumber,
    });
  });

  it('refuses a draft file that is not JSON, naming the line and column, and prints the hub’s reason for a draft it refuses', async () => {
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{\n  "purpose": "A study",\n}\n');
    const bad = await cli(['draft', broken], grantor.token);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe(
      `maxhub: CLI_DRAFT_JSON_INVALID: ${broken} is not valid JSON: Expected double-quoted property name at line 3, column 1\n`,
    );
    const missing = await cli(['draft', path.join(dir, 'nowhere.json')], grantor.token);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('maxhub: CLI_FILE_NOT_FOUND:');

    // A direct identifier kept raw: the hub refuses the draft and the CLI prints its reason.
    const raw = draftInput(company.slug, group, ds);
    raw.datasets[0].columns[0].transform = { kind: 'keep' };
    const rawFile = path.join(dir, 'raw.json');
    const out = path.join(dir, 'raw-grant.json');
    writeFileSync(rawFile, JSON.stringify(raw));
    const refused = await cli(['draft', rawFile, '--out', out], grantor.token);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^maxhub: GRANT_RAW_DIRECT_IDENTIFIER: .+\n$/);
    expect(refused.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a termination by someone who is not a party’s legal signer, with the hub’s reason', async () => {
    const { grantId } = await activeGrant();
    const withCert = (s: SignerFiles) => ['--key', s.keyFile, '--cert', s.certFile];
    const reason = ['--reason', 'Not yours to end.'];

    // Legal staff of another company does not even see the grant.
    const stranger = await cli(['terminate', grantId, ...reason, ...withCert(outsider)], outsider.token);
    expect(stranger.status).toBe(1);
    expect(stranger.stderr).toMatch(/^maxhub: GRANT_NOT_FOUND: /);

    // The grantor's lawyer holding someone else's certificate: the CLI cannot name a party …
    const guess = await cli(['terminate', grantId, ...reason, ...withCert(outsider)], grantor.token);
    expect(guess.status).toBe(1);
    expect(guess.stderr).toMatch(
      /^maxhub: GRANT_SIGNER_NOT_A_PARTY: your certificate is a LEGAL certificate of company /,
    );
    // … and when told one, the hub verifies the signature and refuses it, on the record.
    const claimed = await cli(
      ['terminate', grantId, ...reason, ...withCert(outsider), '--party', 'GRANTOR'],
      grantor.token,
    );
    expect(claimed.status).toBe(1);
    expect(claimed.stderr).toMatch(/^maxhub: GRANT_SIGNER_NOT_A_PARTY: the signer’s certificate is not/);
    const refusals = (await auditOf(grantId)).filter((e) => e.action === 'grant.termination.refused');
    expect(refusals.map((e) => e.details.reason)).toEqual(['GRANT_SIGNER_NOT_A_PARTY']);

    // A termination dated in the future is refused before anything is signed.
    const later = await cli(
      ['terminate', grantId, ...reason, ...withCert(grantor), '--effective-at', '2999-01-01T00:00:00Z'],
      grantor.token,
    );
    expect(later.status).toBe(1);
    expect(later.stderr).toMatch(/^maxhub: CLI_EFFECTIVE_AT_FUTURE: /);

    const still = await ctx.gqlOk(GRANT, { id: grantId }, grantor.token);
    expect(still.grant.state).toBe('ACTIVE');
  });
});
