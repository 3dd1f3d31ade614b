import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PKITS_CASES, runPkitsCases, type PkitsResult } from './pkits';

const DIR = join(__dirname, '../test-vectors/pkits');
const ANCHOR = 'TrustAnchorRootCertificate.crt';

let results: PkitsResult[];

beforeAll(async () => {
  const certFiles = readdirSync(join(DIR, 'certs'));
  results = await runPkitsCases({
    trustAnchor: readFileSync(join(DIR, 'certs', ANCHOR)),
    // Every CA certificate of the subset in one pool: the path builder must choose by name and key.
    caCertificates: certFiles
      .filter((f) => !f.endsWith('EE.crt') && f !== ANCHOR)
      .map((f) => readFileSync(join(DIR, 'certs', f))),
    crls: readdirSync(join(DIR, 'crls')).map((f) => readFileSync(join(DIR, 'crls', f))),
    endEntity: (file) => readFileSync(join(DIR, 'certs', file)),
  });
}, 60_000);

describe('NIST PKITS path validation (supported sections)', () => {
  it('runs every supported case', () => {
    expect(results).toHaveLength(PKITS_CASES.length);
    expect(results.length).toBe(61);
  });

  it('agrees with the expected outcome of every case', () => {
    expect(results.filter((r) => !r.agreed)).toEqual([]);
  });

  it('refuses the invalid cases for the reason the test is about', () => {
    const got = Object.fromEntries(results.map((r) => [r.id, r.got]));
    expect(got).toMatchObject({
      '4.1.2': 'PKI_UNTRUSTED_CHAIN',
      '4.2.1': 'PKI_CERT_NOT_YET_VALID',
      '4.2.6': 'PKI_CERT_EXPIRED',
      '4.4.1': 'PKI_CRL_MISSING',
      '4.4.2': 'PKI_CERT_REVOKED',
      '4.4.3': 'PKI_CERT_REVOKED',
      '4.4.11': 'PKI_CRL_STALE',
      '4.4.15': 'PKI_CERT_REVOKED',
      '4.6.2': 'PKI_BASIC_CONSTRAINTS',
      '4.6.5': 'PKI_BASIC_CONSTRAINTS',
      '4.7.1': 'PKI_KEY_USAGE',
      '4.16.2': 'PKI_UNKNOWN_CRITICAL_EXTENSION',
    });
  });
});
