/**
 * Test-only helpers: a development PKI, a member certificate and a fresh CRL at fixed instants.
 * Keys are generated per test file (never committed).
 */
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import {
  createCrl,
  createDevAlliancePki,
  issueCertificate,
  type DevAlliancePki,
  type MemberSubject,
} from './ca';
import { createKeyAndCsr, utf8Attributes } from './keys';
import { SUBJECT_ATTRIBUTE_OIDS } from './oids';

/** Instants used by the PKI tests. */
export const T = {
  caCreated: new Date('2025-01-01T00:00:00Z'),
  leafNotBefore: new Date('2025-06-01T00:00:00Z'),
  leafNotAfter: new Date('2027-06-01T00:00:00Z'),
  signed: new Date('2026-02-01T09:00:00Z'),
  crlThisUpdate: new Date('2026-02-28T00:00:00Z'),
  crlNextUpdate: new Date('2026-03-07T00:00:00Z'),
  now: new Date('2026-03-01T12:00:00Z'),
};

/** The identity of the test signer (grantor company legal staff). */
export const GRANTOR_SUBJECT: MemberSubject = {
  personId: '6f1c2b7e-5c1a-4f7e-9d61-0c7f1b2a3e44',
  name: '김지현',
  orgKind: 'company',
  orgSlug: 'hanil-motors',
  orgName: '한일자동차',
  role: 'LEGAL',
};

/** Everything a signing test needs. */
export interface Fixture {
  pki: DevAlliancePki;
  leafKeyPem: string;
  leafCsrPem: string;
  leafCertPem: string;
  crlPem: string;
  rootCrlPem: string;
}

/** Builds a dev PKI, issues a member certificate and an empty, current CRL from each CA. */
export async function buildFixture(subject: MemberSubject = GRANTOR_SUBJECT): Promise<Fixture> {
  const pki = createDevAlliancePki({ now: T.caCreated, validityDays: 3650 });
  const { privateKeyPem, csrPem } = createKeyAndCsr({
    name: subject.name,
    org: subject.orgSlug,
    orgKind: subject.orgKind,
    role: 'LEGAL',
  });
  const leafCertPem = issueCertificate({
    csrPem,
    issuerCertPem: pki.issuingCertPem,
    issuerKeyPem: pki.issuingKeyPem,
    subject,
    notBefore: T.leafNotBefore,
    notAfter: T.leafNotAfter,
  });
  const crlPem = await emptyCrl(pki.issuingCertPem, pki.issuingKeyPem);
  const rootCrlPem = await emptyCrl(pki.rootCertPem, pki.rootKeyPem);
  return { pki, leafKeyPem: privateKeyPem, leafCsrPem: csrPem, leafCertPem, crlPem, rootCrlPem };
}

/** An empty CRL current at T.now. */
export function emptyCrl(issuerCertPem: string, issuerKeyPem: string): Promise<string> {
  return createCrl({
    issuerCertPem,
    issuerKeyPem,
    revoked: [],
    thisUpdate: T.crlThisUpdate,
    nextUpdate: T.crlNextUpdate,
    crlNumber: 1,
  });
}

/** DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2, note 1). */
const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/**
 * What an attacker holds against a certificate whose RSA public exponent is 1: a forge "private
 * key" that needs no secret. With e = 1, s^e mod n = s, so the EMSA-PKCS1-v1_5 encoding of the
 * digest is itself a signature that verifies under (n, 1). SHA-256 only.
 */
export function exponentOneForger(modulus: forge.jsbn.BigInteger): {
  sign(md: forge.md.MessageDigest): string;
} {
  const k = Math.ceil(modulus.bitLength() / 8);
  return {
    sign(md) {
      if (md.algorithm !== 'sha256') throw new Error('the e = 1 forger does SHA-256 only');
      const t = Buffer.concat([SHA256_DIGEST_INFO_PREFIX, Buffer.from(md.digest().getBytes(), 'binary')]);
      const em = Buffer.concat([
        Buffer.from([0x00, 0x01]),
        Buffer.alloc(k - t.length - 3, 0xff),
        Buffer.from([0x00]),
        t,
      ]);
      return em.toString('binary');
    },
  };
}

/** An RSA public key with a real 3072-bit modulus (taken from `keyPem`) and exponent `e`. */
export function publicKeyWithExponent(keyPem: string, e: number): forge.pki.rsa.PublicKey {
  const key = forge.pki.privateKeyFromPem(keyPem);
  return forge.pki.setRsaPublicKey(key.n, new forge.jsbn.BigInteger(String(e), 10));
}

/** A CSR for an e = 1 key (modulus of `keyPem`) whose self-signature verifies, forged without a secret. */
export function exponentOneCsr(keyPem: string): string {
  const publicKey = publicKeyWithExponent(keyPem, 1);
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = publicKey;
  csr.setSubject(utf8Attributes([{ oid: SUBJECT_ATTRIBUTE_OIDS.commonName, value: 'Mallory' }]));
  csr.sign(exponentOneForger(publicKey.n) as unknown as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}

/** A genuine key pair and CSR with a chosen modulus size and public exponent (slow: RSA key generation). */
export function keyAndCsrWith(opts: { bits: number; exponent: number }): {
  privateKeyPem: string;
  csrPem: string;
} {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: opts.bits,
    publicExponent: opts.exponent,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const key = forge.pki.privateKeyFromPem(privateKey);
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  csr.setSubject(utf8Attributes([{ oid: SUBJECT_ATTRIBUTE_OIDS.commonName, value: 'Member' }]));
  csr.sign(key, forge.md.sha256.create());
  return { privateKeyPem: privateKey, csrPem: forge.pki.certificationRequestToPem(csr) };
}
