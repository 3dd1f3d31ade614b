import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { generateKeyPairSync } from 'node:crypto';
import {
  createCrl,
  createDevAlliancePki,
  signCaCertificate,
  signMemberCertificate,
  type DevAlliancePki,
  type MemberProfileOverrides,
} from './ca';
import { describeCertificate } from './certificate';
import { buildSignedData, signDetached, verifyDetached, type VerifyDetachedParams } from './cms';
import { ALLIANCE_GRANT_SIGNING_EKU, EKU_EMAIL_PROTECTION } from './oids';
import { parseCertificateDer, parseCrlDer } from './asn1';
import { validateCertificatePath } from './path-validation';
import { fromPem, toPem } from './pem';
import { PkiError, PkiErrorCode } from './pki.errors';
import { forgeSubjectAttributesFromPem } from './forge-shim';
import {
  buildFixture,
  emptyCrl,
  exponentOneForger,
  GRANTOR_SUBJECT,
  publicKeyWithExponent,
  T,
  type Fixture,
} from './pki.test-fixtures';

const content = Buffer.from(
  '{"grantId":"7d0c1c1e-2f55-4c0a-9a43-1f1a2b3c4d5e","purpose":"불량 예측"}',
  'utf8',
);

let f: Fixture;
let lookalike: DevAlliancePki;
let lookalikeLeafPem: string;

beforeAll(async () => {
  f = await buildFixture();
  // Same subject names as the genuine alliance CAs, different keys.
  lookalike = createDevAlliancePki({ now: T.caCreated });
  lookalikeLeafPem = leaf({}, lookalike);
}, 180_000);

/** A member certificate for the fixture key, issued by the genuine issuing CA unless told otherwise. */
function leaf(
  o: {
    notBefore?: Date;
    notAfter?: Date;
    overrides?: MemberProfileOverrides;
    serialNumber?: string;
    publicKey?: forge.pki.rsa.PublicKey;
  },
  ca: DevAlliancePki = f.pki,
): string {
  const key = forge.pki.privateKeyFromPem(f.leafKeyPem);
  return signMemberCertificate({
    issuerCertPem: ca.issuingCertPem,
    issuerKeyPem: ca.issuingKeyPem,
    subject: GRANTOR_SUBJECT,
    notBefore: o.notBefore ?? T.leafNotBefore,
    notAfter: o.notAfter ?? T.leafNotAfter,
    publicKey: o.publicKey ?? forge.pki.setRsaPublicKey(key.n, key.e),
    ...(o.serialNumber === undefined ? {} : { serialNumber: o.serialNumber }),
    ...(o.overrides === undefined ? {} : { overrides: o.overrides }),
  });
}

function params(signature: Buffer | string, over: Partial<VerifyDetachedParams> = {}): VerifyDetachedParams {
  return {
    content,
    signature,
    trustAnchorsPem: [f.pki.rootCertPem],
    intermediatesPem: [],
    crlsPem: [f.crlPem],
    now: T.now,
    ...over,
  };
}

function sign(certPem = f.leafCertPem, chain = [f.pki.issuingCertPem], signingTime = T.signed): Buffer {
  return signDetached(content, f.leafKeyPem, certPem, chain, { signingTime });
}

async function codeOf(p: Promise<unknown>): Promise<PkiErrorCode | 'OK'> {
  try {
    await p;
    return 'OK';
  } catch (e) {
    if (e instanceof PkiError) return e.code;
    throw e;
  }
}

describe('verifyDetached on the happy path', () => {
  it('returns the signer identity read from the certificate and the signing time', async () => {
    const result = await verifyDetached(params(sign()));
    const described = describeCertificate(f.leafCertPem);
    expect(result.signingTime.toISOString()).toBe(T.signed.toISOString());
    expect(result.signer).toEqual({
      personId: GRANTOR_SUBJECT.personId,
      name: '김지현',
      orgKind: 'company',
      orgSlug: 'hanil-motors',
      orgName: '한일자동차',
      role: 'LEGAL',
      serialNumber: described.serialNumber,
      fingerprintSha256: described.fingerprintSha256,
      notBefore: T.leafNotBefore,
      notAfter: T.leafNotAfter,
    });
  });

  it('accepts the signature as PEM with the PKCS7 or the CMS label', async () => {
    const der = sign();
    await expect(verifyDetached(params(toPem(der, 'PKCS7')))).resolves.toBeDefined();
    await expect(verifyDetached(params(Buffer.from(toPem(der, 'CMS'))))).resolves.toBeDefined();
  });

  it('accepts the issuing CA given as an intermediate instead of inside the CMS', async () => {
    const sig = sign(f.leafCertPem, []);
    expect(await codeOf(verifyDetached(params(sig)))).toBe(PkiErrorCode.PKI_UNTRUSTED_CHAIN);
    expect(await codeOf(verifyDetached(params(sig, { intermediatesPem: [f.pki.issuingCertPem] })))).toBe(
      'OK',
    );
  });

  it('checks a CRL from the root when one is supplied', async () => {
    expect(await codeOf(verifyDetached(params(sign(), { crlsPem: [f.crlPem, f.rootCrlPem] })))).toBe('OK');
  });

  it('writes the signed attributes in the order content-type, signing-time, message-digest with SHA-256', () => {
    const printed = spawnSync('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER'], {
      input: sign(),
    }).stdout.toString();
    const order = ['contentType', 'signingTime', 'messageDigest'].map((a) => printed.indexOf(`object: ${a}`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(printed).toContain('algorithm: sha256');
    expect(printed).toContain('eContent: <ABSENT>');
  });
});

describe('verifyDetached refuses tampering', () => {
  it('rejects a signature with one bit flipped in the signature value', async () => {
    const sig = Buffer.from(sign());
    sig[sig.length - 20] ^= 0x01;
    expect(await codeOf(verifyDetached(params(sig)))).toBe(PkiErrorCode.PKI_SIGNATURE_INVALID);
  });

  it('rejects a signature with one bit flipped in the signed signing-time attribute', async () => {
    const sig = Buffer.from(sign());
    const at = sig.indexOf(Buffer.from('260201090000Z', 'latin1'));
    expect(at).toBeGreaterThan(0);
    sig[at + 7] ^= 0x01; // minute "00" → "01": still a valid time, no longer the signed one
    expect(await codeOf(verifyDetached(params(sig)))).toBe(PkiErrorCode.PKI_SIGNATURE_INVALID);
  });

  it('rejects a signature whose signed message digest was altered', async () => {
    const sig = Buffer.from(sign());
    const digest = forge.md.sha256.create().update(content.toString('binary')).digest().getBytes();
    const at = sig.indexOf(Buffer.from(digest, 'binary'));
    expect(at).toBeGreaterThan(0);
    sig[at] ^= 0x80;
    expect(await codeOf(verifyDetached(params(sig)))).toBe(PkiErrorCode.PKI_DIGEST_MISMATCH);
  });

  it('rejects content that differs from what was signed', async () => {
    const changed = Buffer.from(content.toString('utf8').replace('불량', '양품'), 'utf8');
    expect(await codeOf(verifyDetached(params(sign(), { content: changed })))).toBe(
      PkiErrorCode.PKI_DIGEST_MISMATCH,
    );
  });

  it('rejects bytes that are not a CMS', async () => {
    expect(await codeOf(verifyDetached(params(Buffer.from('not a signature'))))).toBe(
      PkiErrorCode.PKI_MALFORMED,
    );
    expect(await codeOf(verifyDetached(params(Buffer.concat([sign(), Buffer.from([0])]))))).toBe(
      PkiErrorCode.PKI_MALFORMED,
    );
  });

  it('rejects a CMS that carries the content inside it', async () => {
    const sig = buildSignedData({
      content,
      keyPem: f.leafKeyPem,
      certPem: f.leafCertPem,
      chainPems: [f.pki.issuingCertPem],
      signingTime: T.signed,
      embedContent: true,
    });
    expect(await codeOf(verifyDetached(params(sig)))).toBe(PkiErrorCode.PKI_EMBEDDED_CONTENT);
  });

  it('rejects a CMS with two signers', async () => {
    const sig = buildSignedData({
      content,
      keyPem: f.leafKeyPem,
      certPem: f.leafCertPem,
      chainPems: [f.pki.issuingCertPem],
      signingTime: T.signed,
      signerCount: 2,
    });
    expect(await codeOf(verifyDetached(params(sig)))).toBe(PkiErrorCode.PKI_SIGNER_COUNT);
  });
});

describe('verifyDetached refuses weak algorithms', () => {
  it.each([
    ['SHA-1', forge.pki.oids.sha1],
    ['MD5', forge.pki.oids.md5],
  ])('rejects a CMS digest of %s', async (_name, digestOid) => {
    const sig = buildSignedData({
      content,
      keyPem: f.leafKeyPem,
      certPem: f.leafCertPem,
      chainPems: [f.pki.issuingCertPem],
      signingTime: T.signed,
      digestOid,
    });
    expect(await codeOf(verifyDetached(params(sig)))).toBe(PkiErrorCode.PKI_WEAK_ALGORITHM);
  });

  it.each([
    ['SHA-1', () => forge.md.sha1.create()],
    ['MD5', () => forge.md.md5.create()],
  ])('rejects a signer certificate signed with %s', async (_name, md) => {
    const cert = leaf({ overrides: { md: md() } });
    expect(await codeOf(verifyDetached(params(sign(cert))))).toBe(PkiErrorCode.PKI_WEAK_ALGORITHM);
  });
});

describe('verifyDetached trusts only the supplied roots', () => {
  it('rejects a certificate from another CA with the same names', async () => {
    const sig = sign(lookalikeLeafPem, [lookalike.issuingCertPem]);
    expect(await codeOf(verifyDetached(params(sig)))).toBe(PkiErrorCode.PKI_UNTRUSTED_CHAIN);
  });

  it('rejects an alliance root smuggled inside the CMS', async () => {
    const sig = sign(lookalikeLeafPem, [lookalike.issuingCertPem, lookalike.rootCertPem]);
    expect(await codeOf(verifyDetached(params(sig)))).toBe(PkiErrorCode.PKI_UNTRUSTED_CHAIN);
    const genuine = sign(f.leafCertPem, [f.pki.issuingCertPem, f.pki.rootCertPem]);
    expect(await codeOf(verifyDetached(params(genuine, { trustAnchorsPem: [] })))).toBe(
      PkiErrorCode.PKI_UNTRUSTED_CHAIN,
    );
  });

  it('rejects a genuine leaf presented with a look-alike issuing CA only', async () => {
    const sig = sign(f.leafCertPem, [lookalike.issuingCertPem]);
    expect(await codeOf(verifyDetached(params(sig)))).toBe(PkiErrorCode.PKI_UNTRUSTED_CHAIN);
  });
});

describe('verifyDetached checks validity at the signing time', () => {
  it('rejects a certificate that had expired when the grant was signed', async () => {
    const cert = leaf({
      notBefore: new Date('2025-02-01T00:00:00Z'),
      notAfter: new Date('2026-01-31T00:00:00Z'),
    });
    expect(await codeOf(verifyDetached(params(sign(cert))))).toBe(PkiErrorCode.PKI_CERT_EXPIRED);
  });

  it('rejects a certificate that was not yet valid when the grant was signed', async () => {
    const cert = leaf({ notBefore: new Date('2026-02-02T00:00:00Z') });
    expect(await codeOf(verifyDetached(params(sign(cert))))).toBe(PkiErrorCode.PKI_CERT_NOT_YET_VALID);
  });

  it('rejects a signing time later than now plus the clock skew', async () => {
    const sig = sign(f.leafCertPem, [f.pki.issuingCertPem], new Date(T.now.getTime() + 600_000));
    expect(await codeOf(verifyDetached(params(sig)))).toBe(PkiErrorCode.PKI_SIGNING_TIME_INVALID);
    expect(await codeOf(verifyDetached(params(sig, { maxClockSkewSeconds: 900 })))).toBe('OK');
  });

  it('keeps accepting a signature after the certificate expires when it was valid at signing', async () => {
    expect(
      await codeOf(
        verifyDetached(
          params(sign(), {
            now: new Date('2027-07-01T00:00:00Z'),
            crlsPem: [await freshCrlAt(new Date('2027-07-01T00:00:00Z'))],
          }),
        ),
      ),
    ).toBe('OK');
  });
});

async function freshCrlAt(now: Date): Promise<string> {
  return createCrl({
    issuerCertPem: f.pki.issuingCertPem,
    issuerKeyPem: f.pki.issuingKeyPem,
    revoked: [],
    thisUpdate: new Date(now.getTime() - 3_600_000),
    nextUpdate: new Date(now.getTime() + 86_400_000),
    crlNumber: 7,
  });
}

describe('verifyDetached checks revocation fail-closed', () => {
  it('rejects a revoked signer certificate', async () => {
    const crl = await createCrl({
      issuerCertPem: f.pki.issuingCertPem,
      issuerKeyPem: f.pki.issuingKeyPem,
      revoked: [
        {
          serialNumber: describeCertificate(f.leafCertPem).serialNumber,
          revokedAt: new Date('2026-02-20T00:00:00Z'),
          reason: 'keyCompromise',
        },
      ],
      thisUpdate: T.crlThisUpdate,
      nextUpdate: T.crlNextUpdate,
      crlNumber: 2,
    });
    expect(await codeOf(verifyDetached(params(sign(), { crlsPem: [f.crlPem, crl] })))).toBe(
      PkiErrorCode.PKI_CERT_REVOKED,
    );
  });

  it('rejects a signer whose issuing CA is revoked on the root CRL', async () => {
    const rootCrl = await createCrl({
      issuerCertPem: f.pki.rootCertPem,
      issuerKeyPem: f.pki.rootKeyPem,
      revoked: [
        {
          serialNumber: describeCertificate(f.pki.issuingCertPem).serialNumber,
          revokedAt: T.crlThisUpdate,
          reason: 'cACompromise',
        },
      ],
      thisUpdate: T.crlThisUpdate,
      nextUpdate: T.crlNextUpdate,
      crlNumber: 2,
    });
    expect(await codeOf(verifyDetached(params(sign(), { crlsPem: [f.crlPem, rootCrl] })))).toBe(
      PkiErrorCode.PKI_CERT_REVOKED,
    );
  });

  it('rejects when no CRL from the issuing CA is supplied', async () => {
    expect(await codeOf(verifyDetached(params(sign(), { crlsPem: [] })))).toBe(PkiErrorCode.PKI_CRL_MISSING);
    expect(await codeOf(verifyDetached(params(sign(), { crlsPem: [f.rootCrlPem] })))).toBe(
      PkiErrorCode.PKI_CRL_MISSING,
    );
  });

  it('rejects when the only CRL with the issuer name was signed by a look-alike CA', async () => {
    const fake = await emptyCrl(lookalike.issuingCertPem, lookalike.issuingKeyPem);
    expect(await codeOf(verifyDetached(params(sign(), { crlsPem: [fake] })))).toBe(
      PkiErrorCode.PKI_CRL_MISSING,
    );
  });

  it('rejects a CRL past its nextUpdate', async () => {
    const stale = await createCrl({
      issuerCertPem: f.pki.issuingCertPem,
      issuerKeyPem: f.pki.issuingKeyPem,
      revoked: [],
      thisUpdate: new Date('2026-02-01T00:00:00Z'),
      nextUpdate: new Date('2026-02-08T00:00:00Z'),
      crlNumber: 1,
    });
    expect(await codeOf(verifyDetached(params(sign(), { crlsPem: [stale] })))).toBe(
      PkiErrorCode.PKI_CRL_STALE,
    );
  });

  it('rejects a current CRL older than maxCrlAgeSeconds', async () => {
    expect(await codeOf(verifyDetached(params(sign(), { maxCrlAgeSeconds: 3600 })))).toBe(
      PkiErrorCode.PKI_CRL_STALE,
    );
    expect(await codeOf(verifyDetached(params(sign(), { maxCrlAgeSeconds: 7 * 86_400 })))).toBe('OK');
  });
});

describe('verifyDetached enforces the member certificate profile', () => {
  it('rejects a certificate without nonRepudiation', async () => {
    const cert = leaf({ overrides: { keyUsage: { digitalSignature: true } } });
    expect(await codeOf(verifyDetached(params(sign(cert))))).toBe(PkiErrorCode.PKI_KEY_USAGE);
  });

  it('rejects a certificate without the alliance grant-signing EKU', async () => {
    const cert = leaf({ overrides: { extendedKeyUsages: [EKU_EMAIL_PROTECTION] } });
    expect(await codeOf(verifyDetached(params(sign(cert))))).toBe(PkiErrorCode.PKI_NOT_ALLIANCE_SIGNER);
  });

  it('rejects a certificate with an unknown critical extension', async () => {
    const cert = leaf({
      overrides: { extraExtensions: [{ id: '1.3.6.1.4.1.99999.1', critical: true, value: '\u0005\u0000' }] },
    });
    expect(await codeOf(verifyDetached(params(sign(cert))))).toBe(
      PkiErrorCode.PKI_UNKNOWN_CRITICAL_EXTENSION,
    );
  });

  it('accepts an unknown extension that is not critical', async () => {
    const cert = leaf({
      overrides: { extraExtensions: [{ id: '1.3.6.1.4.1.99999.1', critical: false, value: '\u0005\u0000' }] },
    });
    expect(await codeOf(verifyDetached(params(sign(cert))))).toBe('OK');
  });

  it('puts the alliance grant-signing EKU and emailProtection into issued certificates', () => {
    expect(describeCertificate(f.leafCertPem).extendedKeyUsages).toEqual([
      EKU_EMAIL_PROTECTION,
      ALLIANCE_GRANT_SIGNING_EKU,
    ]);
  });
});

describe('verifyDetached refuses keys outside the profile, even in certificates the alliance CA signed', () => {
  /** An RSA key pair of the given size and exponent, PKCS#8 PEM (slow: key generation). */
  function rsaKey(bits: number, exponent: number): string {
    return generateKeyPairSync('rsa', {
      modulusLength: bits,
      publicExponent: exponent,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;
  }

  it('refuses a certificate whose RSA public exponent is 1, whose owner’s signature anyone can forge', async () => {
    // Minted with the genuine issuing CA's key, bypassing issueCertificate; signed without any secret.
    const publicKey = publicKeyWithExponent(f.leafKeyPem, 1);
    const cert = leaf({ publicKey });
    const forged = buildSignedData({
      content,
      keyPem: '',
      rawSigner: exponentOneForger(publicKey.n),
      certPem: cert,
      chainPems: [f.pki.issuingCertPem],
      signingTime: T.signed,
    });
    const err = await verifyDetached(params(forged)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PkiError);
    expect((err as PkiError).code).toBe(PkiErrorCode.PKI_KEY_OUTSIDE_PROFILE);
    expect((err as PkiError).message).toMatch(/signer certificate.*exponent/);
  });

  it('refuses a certificate whose RSA public exponent is 3', async () => {
    const keyPem = rsaKey(3072, 3);
    const cert = leaf({ publicKey: publicKeyWithExponent(keyPem, 3) });
    const sig = signDetached(content, keyPem, cert, [f.pki.issuingCertPem], { signingTime: T.signed });
    expect(await codeOf(verifyDetached(params(sig)))).toBe(PkiErrorCode.PKI_KEY_OUTSIDE_PROFILE);
  }, 60_000);

  it('refuses a signer certificate with a 2048-bit RSA modulus', async () => {
    const keyPem = rsaKey(2048, 65537);
    const cert = leaf({ publicKey: publicKeyWithExponent(keyPem, 65537) });
    const sig = signDetached(content, keyPem, cert, [f.pki.issuingCertPem], { signingTime: T.signed });
    expect(await codeOf(verifyDetached(params(sig)))).toBe(PkiErrorCode.PKI_KEY_OUTSIDE_PROFILE);
  }, 30_000);

  it('refuses an issuing CA certificate with a 2048-bit RSA modulus signed by the alliance root', async () => {
    const weakCaKey = rsaKey(2048, 65537);
    const weakCa = signCaCertificate({
      subject: forgeSubjectAttributesFromPem(f.pki.issuingCertPem),
      subjectKeyPem: weakCaKey,
      issuerCertPem: f.pki.rootCertPem,
      issuerKeyPem: f.pki.rootKeyPem,
      notBefore: T.caCreated,
      notAfter: T.leafNotAfter,
      pathLen: 0,
    });
    const cert = leaf({}, { ...f.pki, issuingCertPem: weakCa, issuingKeyPem: weakCaKey });
    const sig = signDetached(content, f.leafKeyPem, cert, [weakCa], { signingTime: T.signed });
    const crl = await emptyCrl(weakCa, weakCaKey);
    expect(await codeOf(verifyDetached(params(sig, { crlsPem: [crl] })))).toBe(
      PkiErrorCode.PKI_KEY_OUTSIDE_PROFILE,
    );
  }, 30_000);
});

describe('verifyDetached refuses damaged encodings with a PKI_* code (found by the DER mutation suite)', () => {
  it('refuses a BMPString of odd length, on which the DER parser throws a RangeError (PKI_MALFORMED)', async () => {
    expect(await codeOf(verifyDetached(params(Buffer.from('1e0300410042', 'hex'))))).toBe(
      PkiErrorCode.PKI_MALFORMED,
    );
  });

  it('refuses a signed attribute with an empty SET of values instead of throwing a TypeError (PKI_ATTRIBUTES_INVALID)', async () => {
    const sig = Buffer.from(sign());
    const at = sig.indexOf(Buffer.from('06092a864886f70d010905310f', 'hex')); // signing-time, SET of 15 bytes
    expect(at).toBeGreaterThan(0);
    sig[at + 12] = 0x00;
    expect(await codeOf(verifyDetached(params(sig)))).toBe(PkiErrorCode.PKI_ATTRIBUTES_INVALID);
  });

  it('refuses a certificate whose unsigned outer signatureAlgorithm parameters differ from the signed ones', async () => {
    // NULL parameters turned into an empty OCTET STRING: the CA's signature still verifies, but
    // the same certificate would get another fingerprint.
    const der = fromPem(f.leafCertPem, 'CERTIFICATE');
    const at = der.lastIndexOf(Buffer.from('300d06092a864886f70d01010b0500', 'hex'));
    der[at + 13] = 0x04;
    expect(describeCertificate(toPem(der, 'CERTIFICATE')).fingerprintSha256).not.toBe(
      describeCertificate(f.leafCertPem).fingerprintSha256,
    );
    const path = validateCertificatePath({
      leaf: parseCertificateDer(der),
      intermediates: [parseCertificateDer(fromPem(f.pki.issuingCertPem, 'CERTIFICATE'))],
      trustAnchors: [parseCertificateDer(fromPem(f.pki.rootCertPem, 'CERTIFICATE'))],
      crls: [parseCrlDer(fromPem(f.crlPem, 'X509 CRL'))],
      validityTime: T.signed,
      now: T.now,
    });
    expect(await codeOf(path)).toBe(PkiErrorCode.PKI_MALFORMED);
  });
});

describe('openssl cms -verify agrees with verifyDetached', () => {
  function opensslVerifies(sig: Buffer, crls: string[]): boolean {
    const dir = mkdtempSync(join(tmpdir(), 'maxhub-pki-'));
    try {
      writeFileSync(join(dir, 'sig.der'), sig);
      writeFileSync(join(dir, 'content'), content);
      // OpenSSL 3.0's cms has no -CRLfile; CRLs in the CAfile are loaded with the certificates.
      writeFileSync(join(dir, 'ca.pem'), [f.pki.rootCertPem, f.pki.issuingCertPem, ...crls].join(''));
      const r = spawnSync('openssl', [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        join(dir, 'sig.der'),
        '-content',
        join(dir, 'content'),
        '-CAfile',
        join(dir, 'ca.pem'),
        '-purpose',
        'smimesign',
        '-crl_check',
        '-attime',
        String(Math.floor(T.now.getTime() / 1000)),
        '-out',
        join(dir, 'out'),
      ]);
      return r.status === 0;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('accepts the happy path in both', async () => {
    const sig = sign();
    expect(opensslVerifies(sig, [f.crlPem])).toBe(true);
    expect(await codeOf(verifyDetached(params(sig)))).toBe('OK');
  });

  it('rejects a revoked signer in both', async () => {
    const crl = await createCrl({
      issuerCertPem: f.pki.issuingCertPem,
      issuerKeyPem: f.pki.issuingKeyPem,
      revoked: [
        {
          serialNumber: describeCertificate(f.leafCertPem).serialNumber,
          revokedAt: T.crlThisUpdate,
          reason: 'affiliationChanged',
        },
      ],
      thisUpdate: T.crlThisUpdate,
      nextUpdate: T.crlNextUpdate,
      crlNumber: 3,
    });
    const sig = sign();
    expect(opensslVerifies(sig, [crl])).toBe(false);
    expect(await codeOf(verifyDetached(params(sig, { crlsPem: [crl] })))).toBe(PkiErrorCode.PKI_CERT_REVOKED);
  });

  it('rejects a missing CRL and a look-alike chain in both', async () => {
    expect(opensslVerifies(sign(), [])).toBe(false);
    expect(await codeOf(verifyDetached(params(sign(), { crlsPem: [] })))).toBe(PkiErrorCode.PKI_CRL_MISSING);
    const fake = sign(lookalikeLeafPem, [lookalike.issuingCertPem]);
    expect(opensslVerifies(fake, [f.crlPem])).toBe(false);
    expect(await codeOf(verifyDetached(params(fake)))).toBe(PkiErrorCode.PKI_UNTRUSTED_CHAIN);
  });
});
