/**
 * Test-only helpers: a development PKI, a member certificate and a fresh CRL at fixed instants.
 * Keys are generated per test file (never committed).
 */
import {
  createCrl,
  createDevAlliancePki,
  issueCertificate,
  type DevAlliancePki,
  type MemberSubject,
} from './ca';
import { createKeyAndCsr } from './keys';

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
