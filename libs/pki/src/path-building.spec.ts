/**
 * Hostile certificate sets: look-alike intermediates (the alliance CAs' subject names, the
 * attacker's keys) that all sign one another make depth-first path building explode unless the
 * certificates considered, the signature checks and the candidate paths are bounded.
 */
import { webcrypto } from 'node:crypto';
import forge from 'node-forge';
import { parseCertificateDer } from './asn1';
import { createDevAlliancePki, signCaCertificate, signMemberCertificate, type DevAlliancePki } from './ca';
import { MAX_CMS_CERTIFICATES, signDetached, verifyDetached } from './cms';
import { forgeSubjectAttributesFromPem } from './forge-shim';
import { MAX_PATH_SIGNATURE_CHECKS, validateCertificatePath } from './path-validation';
import { fromPem } from './pem';
import { PkiError, PkiErrorCode } from './pki.errors';
import { buildFixture, GRANTOR_SUBJECT, T, type Fixture } from './pki.test-fixtures';

const content = Buffer.from('{"grantId":"look-alike flood"}', 'utf8');
/** A refusal must cost less CPU than this (a bound against blow-ups, not a speed benchmark). */
const CPU_BUDGET_MS = 100;
/**
 * Refusals that do verify signatures are bounded by the larger of CPU_BUDGET_MS and three genuine
 * verifications measured here and now: on a loaded machine CPU time per verification grows, and
 * the bound is there to catch the exponential search (which never finished), not to time RSA.
 */
let refusalBudgetMs = CPU_BUDGET_MS;

let f: Fixture;
let lookalike: DevAlliancePki;
let lookalikeLeafPem: string;
/** Ten look-alike pairs, interleaved: [issuing-named, root-named, issuing-named, ...]. */
let pairs: string[];

beforeAll(async () => {
  f = await buildFixture();
  lookalike = createDevAlliancePki({ now: T.caCreated });
  const key = forge.pki.privateKeyFromPem(f.leafKeyPem);
  lookalikeLeafPem = signMemberCertificate({
    issuerCertPem: lookalike.issuingCertPem,
    issuerKeyPem: lookalike.issuingKeyPem,
    subject: GRANTOR_SUBJECT,
    notBefore: T.leafNotBefore,
    notAfter: T.leafNotAfter,
    publicKey: forge.pki.setRsaPublicKey(key.n, key.e),
  });
  // "Issuing CA" certificates signed by the look-alike root key and "Root CA" certificates
  // signed by the look-alike issuing key: every one verifies under every one of the other name,
  // so each level of a depth-first search branches ten ways.
  const issuingName = forgeSubjectAttributesFromPem(f.pki.issuingCertPem);
  const rootName = forgeSubjectAttributesFromPem(f.pki.rootCertPem);
  const common = { notBefore: T.caCreated, notAfter: T.leafNotAfter, pathLen: 8 };
  pairs = [];
  for (let i = 0; i < 10; i++) {
    pairs.push(
      signCaCertificate({
        ...common,
        subject: issuingName,
        subjectKeyPem: lookalike.issuingKeyPem,
        issuerCertPem: lookalike.rootCertPem,
        issuerKeyPem: lookalike.rootKeyPem,
      }),
      signCaCertificate({
        ...common,
        subject: rootName,
        subjectKeyPem: lookalike.rootKeyPem,
        issuerCertPem: lookalike.issuingCertPem,
        issuerKeyPem: lookalike.issuingKeyPem,
      }),
    );
  }
  // Warm the verifier up (JIT, first imports), then time genuine verifications.
  const genuine = signDetached(content, f.leafKeyPem, f.leafCertPem, [f.pki.issuingCertPem], {
    signingTime: T.signed,
  });
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    const start = process.cpuUsage();
    await verifyDetached({
      content,
      signature: genuine,
      trustAnchorsPem: [f.pki.rootCertPem],
      intermediatesPem: [],
      crlsPem: [f.crlPem],
      now: T.now,
    });
    const used = process.cpuUsage(start);
    if (i > 0) times.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  refusalBudgetMs = Math.max(CPU_BUDGET_MS, 3 * times[2]);
}, 180_000);

afterEach(() => jest.restoreAllMocks());

const cert = (pem: string) => parseCertificateDer(fromPem(pem, 'CERTIFICATE'));

/**
 * Runs `work`, returning its PkiError code (or 'OK'), the CPU it took and how many signatures it
 * verified (every RSA verification, CMS and CRL included, goes through Node webcrypto).
 */
async function measureOnce(work: () => Promise<unknown>) {
  const verifications = jest.spyOn(webcrypto.subtle, 'verify');
  const start = process.cpuUsage();
  let code: string = 'OK';
  try {
    await work();
  } catch (e) {
    if (!(e instanceof PkiError)) throw e;
    code = e.code;
  }
  const used = process.cpuUsage(start);
  const signatureChecks = verifications.mock.calls.length;
  verifications.mockRestore();
  return { code, cpuMs: (used.user + used.system) / 1000, signatureChecks };
}

/**
 * {@link measureOnce}, with the CPU taken as the least of up to three runs (the process's CPU
 * counter also counts the garbage collector and whatever else the process did meanwhile, which on
 * a loaded machine can exceed a budget the work itself keeps).
 */
async function measure(work: () => Promise<unknown>, budgetMs = refusalBudgetMs) {
  let r = await measureOnce(work);
  for (let i = 1; i < 3 && r.cpuMs >= budgetMs; i++) {
    const again = await measureOnce(work);
    r = { ...again, cpuMs: Math.min(r.cpuMs, again.cpuMs) };
  }
  return r;
}

describe('path building on look-alike intermediates', () => {
  it('refuses a CMS carrying ten look-alike intermediate pairs before checking any signature (PKI_TOO_MANY_CERTIFICATES)', async () => {
    const sig = signDetached(content, f.leafKeyPem, lookalikeLeafPem, pairs, { signingTime: T.signed });
    const r = await measure(
      () =>
        verifyDetached({
          content,
          signature: sig,
          trustAnchorsPem: [f.pki.rootCertPem],
          intermediatesPem: [f.pki.issuingCertPem],
          crlsPem: [f.crlPem],
          now: T.now,
        }),
      CPU_BUDGET_MS,
    );
    expect(r).toMatchObject({ code: PkiErrorCode.PKI_TOO_MANY_CERTIFICATES, signatureChecks: 0 });
    expect(r.cpuMs).toBeLessThan(CPU_BUDGET_MS);
  }, 30_000);

  it('gives up after a bounded number of signature checks when the pool holds ten look-alike pairs (PKI_PATH_BUDGET_EXCEEDED)', async () => {
    const leaf = cert(lookalikeLeafPem);
    const intermediates = pairs.map(cert);
    const anchor = cert(f.pki.rootCertPem);
    const r = await measure(() =>
      validateCertificatePath({
        leaf,
        intermediates,
        trustAnchors: [anchor],
        crls: [],
        validityTime: T.signed,
        now: T.now,
      }),
    );
    expect(r.code).toBe(PkiErrorCode.PKI_PATH_BUDGET_EXCEEDED);
    expect(r.signatureChecks).toBe(MAX_PATH_SIGNATURE_CHECKS);
    expect(r.cpuMs).toBeLessThan(refusalBudgetMs);
  }, 30_000);

  it('refuses within its budget a CMS with as many look-alikes as it may carry', async () => {
    const sig = signDetached(
      content,
      f.leafKeyPem,
      lookalikeLeafPem,
      pairs.slice(0, MAX_CMS_CERTIFICATES - 1),
      {
        signingTime: T.signed,
      },
    );
    const r = await measure(() =>
      verifyDetached({
        content,
        signature: sig,
        trustAnchorsPem: [f.pki.rootCertPem],
        intermediatesPem: [f.pki.issuingCertPem],
        crlsPem: [f.crlPem],
        now: T.now,
      }),
    );
    expect([PkiErrorCode.PKI_PATH_BUDGET_EXCEEDED, PkiErrorCode.PKI_UNTRUSTED_CHAIN]).toContain(r.code);
    expect(r.signatureChecks).toBeLessThanOrEqual(1 + MAX_PATH_SIGNATURE_CHECKS); // the CMS signature, then the path
    expect(r.cpuMs).toBeLessThan(refusalBudgetMs);
  }, 30_000);

  it('still finds the genuine path when look-alikes come before the real issuing CA in the CMS', async () => {
    const sig = signDetached(
      content,
      f.leafKeyPem,
      f.leafCertPem,
      [...pairs.slice(0, 6), f.pki.issuingCertPem],
      {
        signingTime: T.signed,
      },
    );
    const r = await measure(() =>
      verifyDetached({
        content,
        signature: sig,
        trustAnchorsPem: [f.pki.rootCertPem],
        intermediatesPem: [],
        crlsPem: [f.crlPem],
        now: T.now,
      }),
    );
    expect(r.code).toBe('OK');
    // The CMS signature; the leaf against three look-alike issuing CAs and the real one; the real
    // one against the root; the CRL.
    expect(r.signatureChecks).toBe(7);
  }, 30_000);
});
