import forge from 'node-forge';
import { PkiError, PkiErrorCode, signDetached, verifyDetached } from '@maxhub/pki';
import { signMemberCertificate } from '../../pki/src/ca';
import { buildFixture, GRANTOR_SUBJECT, T, type Fixture } from '../../pki/src/pki.test-fixtures';
import { canonicalBytes } from './canonical';
import { TERMINATION_SCHEMA } from './grant';
import { sampleGrant } from './grant.test-fixtures';
import { SIGNING_CLOCK_SKEW_SECONDS, verifyDocumentSignature } from './signature';

let f: Fixture;
beforeAll(async () => {
  f = await buildFixture();
}, 120_000);

/** A grant drafted at `createdAt`, as canonical bytes. */
const grantDrafted = (createdAt: string) => canonicalBytes({ ...sampleGrant(), createdAt });

/** A certificate for the fixture key, issued by the fixture CA, valid in [notBefore, notAfter). */
function certValid(notBefore: string, notAfter: string): string {
  const key = forge.pki.privateKeyFromPem(f.leafKeyPem);
  return signMemberCertificate({
    issuerCertPem: f.pki.issuingCertPem,
    issuerKeyPem: f.pki.issuingKeyPem,
    subject: GRANTOR_SUBJECT,
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfter),
    publicKey: forge.pki.setRsaPublicKey(key.n, key.e),
  });
}

function input(content: Buffer, signature: Buffer) {
  return {
    content,
    signature,
    trustAnchorsPem: [f.pki.rootCertPem],
    intermediatesPem: [f.pki.issuingCertPem],
    crlsPem: [f.crlPem],
    now: T.now,
  };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (e) {
    if (e instanceof PkiError) return e.code;
    throw e;
  }
}

describe('verifyDocumentSignature (the rules the hub and the offline verifier share)', () => {
  it('accepts a grant signed after it was drafted by a certificate valid then and now, and reads the document', async () => {
    const content = grantDrafted('2026-01-15T00:00:00Z');
    const v = await verifyDocumentSignature(
      input(content, signDetached(content, f.leafKeyPem, f.leafCertPem, [], { signingTime: T.signed })),
    );
    expect(v.signer.orgSlug).toBe(GRANTOR_SUBJECT.orgSlug);
    expect(v.signingTime).toEqual(T.signed);
    expect(v.document).toMatchObject({ kind: 'grant', grant: { createdAt: '2026-01-15T00:00:00Z' } });
  });

  it('refuses a certificate that expired a year before the draft, behind a back-dated signing time (PKI_CERT_EXPIRED)', async () => {
    const content = grantDrafted('2026-02-20T08:30:00Z');
    const expired = certValid('2025-01-02T00:00:00Z', '2025-02-01T00:00:00Z');
    const sig = signDetached(content, f.leafKeyPem, expired, [], {
      signingTime: new Date('2025-01-15T00:00:00Z'),
    });
    // The CMS profile alone validates the path at the signing time, so it accepts this.
    expect(await codeOf(verifyDetached(input(content, sig)))).toBe('OK');
    expect(await codeOf(verifyDocumentSignature(input(content, sig)))).toBe(PkiErrorCode.PKI_CERT_EXPIRED);
  });

  it('refuses a signing time before the grant’s createdAt (PKI_SIGNING_TIME_INVALID), beyond the clock skew only', async () => {
    const content = grantDrafted('2026-02-20T08:30:00Z');
    const early = signDetached(content, f.leafKeyPem, f.leafCertPem, [], { signingTime: T.signed });
    expect(await codeOf(verifyDetached(input(content, early)))).toBe('OK');
    expect(await codeOf(verifyDocumentSignature(input(content, early)))).toBe(
      PkiErrorCode.PKI_SIGNING_TIME_INVALID,
    );
    const skewed = new Date(Date.parse('2026-02-20T08:30:00Z') - (SIGNING_CLOCK_SKEW_SECONDS - 1) * 1000);
    const withinSkew = signDetached(content, f.leafKeyPem, f.leafCertPem, [], { signingTime: skewed });
    expect(await codeOf(verifyDocumentSignature(input(content, withinSkew)))).toBe('OK');
  });

  it('applies no createdAt rule to a termination (it has none) but still requires a certificate valid now', async () => {
    const content = canonicalBytes({
      schema: TERMINATION_SCHEMA,
      grantId: sampleGrant().grantId,
      grantSha256: 'a'.repeat(64),
      party: 'GRANTOR',
      reason: 'End of the project.',
      effectiveAt: '2026-03-01T00:00:00Z',
    });
    const ok = signDetached(content, f.leafKeyPem, f.leafCertPem, [], { signingTime: T.signed });
    expect((await verifyDocumentSignature(input(content, ok))).document.kind).toBe('termination');
    const expired = certValid('2025-01-02T00:00:00Z', '2025-02-01T00:00:00Z');
    const late = signDetached(content, f.leafKeyPem, expired, [], {
      signingTime: new Date('2025-01-15T00:00:00Z'),
    });
    expect(await codeOf(verifyDocumentSignature(input(content, late)))).toBe(PkiErrorCode.PKI_CERT_EXPIRED);
  });
});
