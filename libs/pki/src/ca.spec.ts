import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCrl, createDevAlliancePki, DEV_MARKER, issueCertificate } from './ca';
import { describeCertificate } from './certificate';
import { createKeyAndCsr, describeCsr, exportPkcs12, importPkcs12 } from './keys';
import { cmsToDer, fromPem, splitPem, toPem } from './pem';
import { PkiError, PkiErrorCode } from './pki.errors';
import {
  buildFixture,
  exponentOneCsr,
  GRANTOR_SUBJECT,
  keyAndCsrWith,
  T,
  type Fixture,
} from './pki.test-fixtures';

let f: Fixture;
beforeAll(async () => {
  f = await buildFixture();
}, 120_000);

function codeOfSync(fn: () => unknown): PkiErrorCode | 'OK' {
  try {
    fn();
    return 'OK';
  } catch (e) {
    if (e instanceof PkiError) return e.code;
    throw e;
  }
}

describe('createDevAlliancePki', () => {
  it('names both CAs as development only and makes them RSA-3072 SHA-256 CAs', () => {
    for (const pem of [f.pki.rootCertPem, f.pki.issuingCertPem]) {
      const d = describeCertificate(pem);
      expect(d.subject).toContain(DEV_MARKER);
      expect(d.isCa).toBe(true);
      expect(d.keyUsages).toEqual(['keyCertSign', 'cRLSign']);
      const text = spawnSync('openssl', ['x509', '-noout', '-text'], { input: pem }).stdout.toString();
      expect(text).toContain('Public-Key: (3072 bit)');
      expect(text).toContain('sha256WithRSAEncryption');
    }
  });

  it('chains the issuing CA to the root (checked by openssl verify)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'maxhub-pki-'));
    try {
      writeFileSync(join(dir, 'root.pem'), f.pki.rootCertPem);
      writeFileSync(join(dir, 'issuing.pem'), f.pki.issuingCertPem);
      const r = spawnSync('openssl', [
        'verify',
        '-attime',
        '1767225600',
        '-CAfile',
        join(dir, 'root.pem'),
        join(dir, 'issuing.pem'),
      ]);
      expect(r.stdout.toString()).toContain(': OK');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('createKeyAndCsr and issueCertificate', () => {
  it('creates a self-signed RSA-3072 CSR that verifies', () => {
    const d = describeCsr(f.leafCsrPem);
    expect(d.signatureValid).toBe(true);
    expect(d.publicKeyBits).toBe(3072);
    expect(d.signatureAlgorithm).toBe('1.2.840.113549.1.1.11');
    expect(Object.values(d.claimedSubject)).toContain('김지현');
  });

  it('binds the subject the hub decides, not the one the CSR claims', () => {
    const { csrPem } = createKeyAndCsr({
      name: 'Mallory',
      org: 'other-company',
      orgKind: 'working-group',
      role: 'LEGAL',
      email: 'm@example.com',
    });
    const cert = issueCertificate({
      csrPem,
      issuerCertPem: f.pki.issuingCertPem,
      issuerKeyPem: f.pki.issuingKeyPem,
      subject: GRANTOR_SUBJECT,
      notBefore: T.leafNotBefore,
      notAfter: T.leafNotAfter,
      serialNumber: '0a1b2c',
    });
    const d = describeCertificate(cert);
    expect(d.identity).toEqual({ ...GRANTOR_SUBJECT });
    expect(d.serialNumber).toBe('0a1b2c');
    expect(d.isCa).toBe(false);
    expect(d.keyUsages).toEqual(['digitalSignature', 'nonRepudiation']);
    expect(d.notBefore).toEqual(T.leafNotBefore);
  }, 20_000);

  it('refuses a CSR whose self-signature does not verify', () => {
    const der = fromPem(f.leafCsrPem, 'CERTIFICATE REQUEST');
    der[der.length - 5] ^= 0x01;
    const tampered = toPem(der, 'CERTIFICATE REQUEST');
    expect(
      codeOfSync(() =>
        issueCertificate({
          csrPem: tampered,
          issuerCertPem: f.pki.issuingCertPem,
          issuerKeyPem: f.pki.issuingKeyPem,
          subject: GRANTOR_SUBJECT,
          notBefore: T.leafNotBefore,
          notAfter: T.leafNotAfter,
        }),
      ),
    ).toBe(PkiErrorCode.PKI_CSR_INVALID);
  });

  /** issueCertificate with the fixture CA and subject for `csrPem`, as the error it throws (or 'OK'). */
  function issueError(csrPem: string): PkiError | 'OK' {
    try {
      issueCertificate({
        csrPem,
        issuerCertPem: f.pki.issuingCertPem,
        issuerKeyPem: f.pki.issuingKeyPem,
        subject: GRANTOR_SUBJECT,
        notBefore: T.leafNotBefore,
        notAfter: T.leafNotAfter,
      });
      return 'OK';
    } catch (e) {
      if (e instanceof PkiError) return e;
      throw e;
    }
  }

  it('refuses a CSR whose RSA public exponent is 1 (its self-signature verifies, forged without a secret)', () => {
    const csrPem = exponentOneCsr(f.leafKeyPem);
    expect(describeCsr(csrPem).signatureValid).toBe(true);
    const err = issueError(csrPem);
    expect(err).toMatchObject({ code: PkiErrorCode.PKI_KEY_OUTSIDE_PROFILE });
    expect((err as PkiError).message).toMatch(/CSR.*exponent other than 65537/);
  });

  it('refuses a CSR whose RSA public exponent is 3', () => {
    const err = issueError(keyAndCsrWith({ bits: 3072, exponent: 3 }).csrPem);
    expect(err).toMatchObject({ code: PkiErrorCode.PKI_KEY_OUTSIDE_PROFILE });
    expect((err as PkiError).message).toMatch(/exponent other than 65537/);
  }, 60_000);

  it('refuses a CSR with a 2048-bit RSA key', () => {
    const err = issueError(keyAndCsrWith({ bits: 2048, exponent: 65537 }).csrPem);
    expect(err).toMatchObject({ code: PkiErrorCode.PKI_KEY_OUTSIDE_PROFILE });
    expect((err as PkiError).message).toMatch(/modulus shorter than 3072 bits/);
  }, 30_000);

  it.each([
    ['an org slug with capitals', { orgSlug: 'Hanil' }],
    ['an empty name', { name: '' }],
    ['a role other than LEGAL', { role: 'ANALYST' }],
    ['an unknown org kind', { orgKind: 'government' }],
  ])('refuses a subject with %s', (_label, patch) => {
    const subject = { ...GRANTOR_SUBJECT, ...patch } as typeof GRANTOR_SUBJECT;
    expect(
      codeOfSync(() =>
        issueCertificate({
          csrPem: f.leafCsrPem,
          issuerCertPem: f.pki.issuingCertPem,
          issuerKeyPem: f.pki.issuingKeyPem,
          subject,
          notBefore: T.leafNotBefore,
          notAfter: T.leafNotAfter,
        }),
      ),
    ).toBe(PkiErrorCode.PKI_INVALID_SUBJECT);
  });
});

describe('createCrl', () => {
  it('writes a CRL that openssl parses, with the revoked serial and reason', async () => {
    const serial = describeCertificate(f.leafCertPem).serialNumber;
    const crl = await createCrl({
      issuerCertPem: f.pki.issuingCertPem,
      issuerKeyPem: f.pki.issuingKeyPem,
      revoked: [{ serialNumber: serial, revokedAt: T.crlThisUpdate, reason: 'keyCompromise' }],
      thisUpdate: T.crlThisUpdate,
      nextUpdate: T.crlNextUpdate,
      crlNumber: 42,
    });
    const text = spawnSync('openssl', ['crl', '-noout', '-text'], { input: crl }).stdout.toString();
    expect(text).toContain(serial.toUpperCase());
    expect(text).toContain('Key Compromise');
    expect(text).toMatch(/X509v3 CRL Number:\s*\n\s*42/);
    expect(text).toContain('X509v3 Authority Key Identifier');
  });
});

describe('PKCS#12', () => {
  it('round-trips the key and certificate with the passphrase', () => {
    const p12 = exportPkcs12(f.leafKeyPem, f.leafCertPem, [f.pki.issuingCertPem], 'correct horse');
    const back = importPkcs12(p12, 'correct horse');
    expect(back.certPem).toBe(f.leafCertPem.replace(/\r\n/g, '\n'));
    const text = spawnSync('openssl', ['pkey', '-noout', '-text'], {
      input: back.privateKeyPem,
    }).stdout.toString();
    expect(text).toContain('Private-Key: (3072 bit');
  });

  it('is readable by openssl pkcs12', () => {
    const p12 = exportPkcs12(f.leafKeyPem, f.leafCertPem, [f.pki.issuingCertPem], 'correct horse');
    const r = spawnSync('openssl', ['pkcs12', '-nokeys', '-passin', 'pass:correct horse'], { input: p12 });
    expect(r.status).toBe(0);
    expect(splitPem(r.stdout.toString(), 'CERTIFICATE')).toHaveLength(2);
  });

  it('refuses a wrong passphrase', () => {
    const p12 = exportPkcs12(f.leafKeyPem, f.leafCertPem, [], 'correct horse');
    expect(codeOfSync(() => importPkcs12(p12, 'wrong'))).toBe(PkiErrorCode.PKI_PKCS12_INVALID);
  });
});

describe('PEM helpers', () => {
  it('round-trips DER through PEM and refuses a missing or doubled block', () => {
    const der = fromPem(f.leafCertPem, 'CERTIFICATE');
    expect(fromPem(toPem(der, 'CERTIFICATE'), 'CERTIFICATE').equals(der)).toBe(true);
    expect(cmsToDer(toPem(der, 'CMS')).equals(der)).toBe(true);
    expect(codeOfSync(() => fromPem('nothing here', 'CERTIFICATE'))).toBe(PkiErrorCode.PKI_MALFORMED);
    expect(codeOfSync(() => fromPem(f.leafCertPem + f.leafCertPem, 'CERTIFICATE'))).toBe(
      PkiErrorCode.PKI_MALFORMED,
    );
  });

  it('describes a certificate without leaking anything but its facts', () => {
    const d = describeCertificate(f.leafCertPem);
    expect(d.fingerprintSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(d.issuer).toContain('Issuing CA');
  });
});

describe('createDevAlliancePki options', () => {
  it('honours now and validityDays', () => {
    const pki = createDevAlliancePki({ now: new Date('2030-01-01T00:00:00Z'), validityDays: 10 });
    const d = describeCertificate(pki.rootCertPem);
    expect(d.notAfter.toISOString()).toBe('2030-01-11T00:00:00.000Z');
  }, 30_000);
});
