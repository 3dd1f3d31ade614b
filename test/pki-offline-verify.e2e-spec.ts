/**
 * `maxhub contract verify` (offline) applies the hub's signature rules: a certificate valid at the
 * signing time AND now, and a signing time not before the grant was drafted. The CLI runs as a
 * child process from dist/ (`npm run build` first), on files only: no hub, no database.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { canonicalBytes } from '@maxhub/contracts';
import {
  createCrl,
  createDevAlliancePki,
  createKeyAndCsr,
  issueCertificate,
  signDetached,
  type DevAlliancePki,
  type MemberSubject,
} from '@maxhub/pki';
import { runCli } from '@maxhub/testing';
import { sampleGrant } from '../libs/contracts/src/grant.test-fixtures';
import { GRANTOR_SUBJECT } from '../libs/pki/src/pki.test-fixtures';

const DAY = 86_400_000;
const GRANTEE_SUBJECT: MemberSubject = {
  personId: '0b7e5a2c-6d1f-4c3b-8a9e-2f4d6c8b0a1e',
  name: '박민수',
  orgKind: 'working-group',
  orgSlug: 'ai-factory',
  orgName: 'AI 팩토리',
  role: 'LEGAL',
};

/** ISO 8601 UTC to the second, the documents' time format. */
const isoUtc = (d: Date) =>
  new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');

describe('maxhub contract verify applies the hub’s rules offline (e2e, CLI)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'maxhub-verify-'));
  const file = (name: string) => path.join(dir, name);
  const now = new Date();
  let ca: DevAlliancePki;
  let keyPem: string;
  let csrPem: string;
  let grantorCert: string;
  let granteeCert: string;
  let grant: Buffer;

  /** A certificate for the shared test key, issued by the alliance CA through issueCertificate. */
  function issue(csrPem: string, subject: MemberSubject, notBefore: Date, notAfter: Date): string {
    return issueCertificate({
      csrPem,
      issuerCertPem: ca.issuingCertPem,
      issuerKeyPem: ca.issuingKeyPem,
      subject,
      notBefore,
      notAfter,
    });
  }

  /** Writes both signatures and runs `contract verify` on them. */
  function verify(grantorSig: Buffer, granteeSig: Buffer) {
    writeFileSync(file('grantor.p7s'), grantorSig);
    writeFileSync(file('grantee.p7s'), granteeSig);
    return runCli([
      'contract',
      'verify',
      file('grant.json'),
      file('grantor.p7s'),
      file('grantee.p7s'),
      '--ca',
      file('ca.crt'),
      '--crl',
      file('crl.pem'),
    ]);
  }

  beforeAll(async () => {
    // The CA has existed for three years, so certificates from two years ago chain to it.
    ca = createDevAlliancePki({ now: new Date(now.getTime() - 3 * 365 * DAY), validityDays: 3650 });
    // One key for both lawyers keeps the test fast; the certificates name different people.
    const key = createKeyAndCsr({ name: 'Legal', org: 'hanil-motors', orgKind: 'company', role: 'LEGAL' });
    keyPem = key.privateKeyPem;
    csrPem = key.csrPem;
    grantorCert = issue(
      csrPem,
      GRANTOR_SUBJECT,
      new Date(now.getTime() - 2 * DAY),
      new Date(now.getTime() + 30 * DAY),
    );
    granteeCert = issue(
      csrPem,
      GRANTEE_SUBJECT,
      new Date(now.getTime() - 2 * DAY),
      new Date(now.getTime() + 30 * DAY),
    );
    writeFileSync(file('ca.crt'), ca.issuingCertPem + ca.rootCertPem);
    writeFileSync(
      file('crl.pem'),
      await createCrl({
        issuerCertPem: ca.issuingCertPem,
        issuerKeyPem: ca.issuingKeyPem,
        revoked: [],
        thisUpdate: new Date(now.getTime() - 3_600_000),
        nextUpdate: new Date(now.getTime() + DAY),
        crlNumber: 1,
      }),
    );
    grant = canonicalBytes({ ...sampleGrant(), createdAt: isoUtc(new Date(now.getTime() - 3_600_000)) });
    writeFileSync(file('grant.json'), grant);
  }, 120_000);

  it('verifies two current signatures made after the draft (exit 0)', () => {
    const r = verify(signDetached(grant, keyPem, grantorCert), signDetached(grant, keyPem, granteeCert));
    expect(r.stdout).toContain('VERIFIED: both parties signed these exact bytes');
    expect(r.status).toBe(0);
  });

  it('refuses a certificate that expired a year before the draft, behind a back-dated signing time (PKI_CERT_EXPIRED, exit 1)', () => {
    const expired = issue(
      csrPem,
      GRANTOR_SUBJECT,
      new Date(now.getTime() - 2 * 365 * DAY),
      new Date(now.getTime() - 365 * DAY),
    );
    const backdated = signDetached(grant, keyPem, expired, [], {
      signingTime: new Date(now.getTime() - 500 * DAY),
    });
    const r = verify(backdated, signDetached(grant, keyPem, granteeCert));
    expect(r.stdout).toMatch(/grantor\.p7s: FAILED PKI_CERT_EXPIRED: the signer certificate has expired/);
    expect(r.stdout).toContain('NOT VERIFIED');
    expect(r.status).toBe(1);
  });

  it('refuses a signing time before the grant’s createdAt (PKI_SIGNING_TIME_INVALID, exit 1)', () => {
    const early = signDetached(grant, keyPem, grantorCert, [], {
      signingTime: new Date(now.getTime() - DAY),
    });
    const r = verify(early, signDetached(grant, keyPem, granteeCert));
    expect(r.stdout).toMatch(
      /grantor\.p7s: FAILED PKI_SIGNING_TIME_INVALID: the signing-time attribute is before the document was drafted/,
    );
    expect(r.stdout).toContain('NOT VERIFIED');
    expect(r.status).toBe(1);
  });
});
