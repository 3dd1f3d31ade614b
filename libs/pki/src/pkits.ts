/**
 * NIST PKITS (Public Key Interoperability Test Suite, 2011 edition, SHA-256) path-validation
 * cases that this verifier's profile supports, run through `validateCertificatePath` with
 * revocation checking on every certificate (the trust anchor's CRL included). Not part of the
 * library's public face: a conformance harness for the tests. Takes file bytes from a loader, so
 * it does no I/O itself.
 *
 * Excluded sections and why (the verifier refuses or does not implement them):
 * - 4.1.4–4.1.6 DSA signatures (DSA is not on the algorithm allowlist);
 * - 4.4.19–4.4.21 separate certificate- and CRL-signing keys, 4.5 self-issued certificates and
 *   4.6.15–4.6.17 self-issued pathLen cases (self-issued certificates are never used in a path);
 * - 4.8–4.12 certificate policies, 4.13 name constraints, 4.14 distribution points and indirect
 *   CRLs, 4.15 delta CRLs (not implemented; their critical extensions make a path invalid here).
 */
import { parseCertificateDer, parseCrlDer } from './asn1';
import { ALLIANCE_KEY_PROFILE, type KeyProfile } from './key-profile';
import { validateCertificatePath } from './path-validation';
import { PkiError } from './pki.errors';

/** One PKITS case: its section number, end-entity certificate file and NIST's expected outcome. */
export interface PkitsCase {
  id: string;
  eeFile: string;
  expected: 'valid' | 'invalid';
}

const cases: [string, string][] = [
  ['4.1.1', 'ValidCertificatePathTest1EE'],
  ['4.1.2', 'InvalidCASignatureTest2EE'],
  ['4.1.3', 'InvalidEESignatureTest3EE'],
  ['4.2.1', 'InvalidCAnotBeforeDateTest1EE'],
  ['4.2.2', 'InvalidEEnotBeforeDateTest2EE'],
  ['4.2.3', 'Validpre2000UTCnotBeforeDateTest3EE'],
  ['4.2.4', 'ValidGeneralizedTimenotBeforeDateTest4EE'],
  ['4.2.5', 'InvalidCAnotAfterDateTest5EE'],
  ['4.2.6', 'InvalidEEnotAfterDateTest6EE'],
  ['4.2.7', 'Invalidpre2000UTCEEnotAfterDateTest7EE'],
  ['4.2.8', 'ValidGeneralizedTimenotAfterDateTest8EE'],
  ['4.3.1', 'InvalidNameChainingTest1EE'],
  ['4.3.2', 'InvalidNameChainingOrderTest2EE'],
  ['4.3.3', 'ValidNameChainingWhitespaceTest3EE'],
  ['4.3.4', 'ValidNameChainingWhitespaceTest4EE'],
  ['4.3.5', 'ValidNameChainingCapitalizationTest5EE'],
  ['4.3.6', 'ValidNameUIDsTest6EE'],
  ['4.3.7', 'ValidRFC3280MandatoryAttributeTypesTest7EE'],
  ['4.3.8', 'ValidRFC3280OptionalAttributeTypesTest8EE'],
  ['4.3.9', 'ValidUTF8StringEncodedNamesTest9EE'],
  ['4.3.10', 'ValidRolloverfromPrintableStringtoUTF8StringTest10EE'],
  ['4.3.11', 'ValidUTF8StringCaseInsensitiveMatchTest11EE'],
  ['4.4.1', 'InvalidMissingCRLTest1EE'],
  ['4.4.2', 'InvalidRevokedCATest2EE'],
  ['4.4.3', 'InvalidRevokedEETest3EE'],
  ['4.4.4', 'InvalidBadCRLSignatureTest4EE'],
  ['4.4.5', 'InvalidBadCRLIssuerNameTest5EE'],
  ['4.4.6', 'InvalidWrongCRLTest6EE'],
  ['4.4.7', 'ValidTwoCRLsTest7EE'],
  ['4.4.8', 'InvalidUnknownCRLEntryExtensionTest8EE'],
  ['4.4.9', 'InvalidUnknownCRLExtensionTest9EE'],
  ['4.4.10', 'InvalidUnknownCRLExtensionTest10EE'],
  ['4.4.11', 'InvalidOldCRLnextUpdateTest11EE'],
  ['4.4.12', 'Invalidpre2000CRLnextUpdateTest12EE'],
  ['4.4.13', 'ValidGeneralizedTimeCRLnextUpdateTest13EE'],
  ['4.4.14', 'ValidNegativeSerialNumberTest14EE'],
  ['4.4.15', 'InvalidNegativeSerialNumberTest15EE'],
  ['4.4.16', 'ValidLongSerialNumberTest16EE'],
  ['4.4.17', 'ValidLongSerialNumberTest17EE'],
  ['4.4.18', 'InvalidLongSerialNumberTest18EE'],
  ['4.6.1', 'InvalidMissingbasicConstraintsTest1EE'],
  ['4.6.2', 'InvalidcAFalseTest2EE'],
  ['4.6.3', 'InvalidcAFalseTest3EE'],
  ['4.6.4', 'ValidbasicConstraintsNotCriticalTest4EE'],
  ['4.6.5', 'InvalidpathLenConstraintTest5EE'],
  ['4.6.6', 'InvalidpathLenConstraintTest6EE'],
  ['4.6.7', 'ValidpathLenConstraintTest7EE'],
  ['4.6.8', 'ValidpathLenConstraintTest8EE'],
  ['4.6.9', 'InvalidpathLenConstraintTest9EE'],
  ['4.6.10', 'InvalidpathLenConstraintTest10EE'],
  ['4.6.11', 'InvalidpathLenConstraintTest11EE'],
  ['4.6.12', 'InvalidpathLenConstraintTest12EE'],
  ['4.6.13', 'ValidpathLenConstraintTest13EE'],
  ['4.6.14', 'ValidpathLenConstraintTest14EE'],
  ['4.7.1', 'InvalidkeyUsageCriticalkeyCertSignFalseTest1EE'],
  ['4.7.2', 'InvalidkeyUsageNotCriticalkeyCertSignFalseTest2EE'],
  ['4.7.3', 'ValidkeyUsageNotCriticalTest3EE'],
  ['4.7.4', 'InvalidkeyUsageCriticalcRLSignFalseTest4EE'],
  ['4.7.5', 'InvalidkeyUsageNotCriticalcRLSignFalseTest5EE'],
  ['4.16.1', 'ValidUnknownNotCriticalCertificateExtensionTest1EE'],
  ['4.16.2', 'InvalidUnknownCriticalCertificateExtensionTest2EE'],
];

/** The supported PKITS cases; NIST's expected outcome is encoded in each file name (Valid…/Invalid…). */
export const PKITS_CASES: readonly PkitsCase[] = cases.map(([id, ee]) => ({
  id,
  eeFile: `${ee}.crt`,
  expected: ee.startsWith('Valid') ? 'valid' : 'invalid',
}));

/**
 * PKITS keys are RSA-2048 with exponent 65537: path semantics are what PKITS tests, so the harness
 * lowers the modulus floor to 2048 bits (the alliance requires 3072) and keeps everything else.
 */
export const PKITS_KEY_PROFILE: KeyProfile = { ...ALLIANCE_KEY_PROFILE, minRsaModulusBits: 2048 };

/** PKITS validation instant: inside every "valid" certificate's and CRL's window (2010–2030). */
export const PKITS_VALIDATION_TIME = new Date('2024-01-01T00:00:00Z');

/** The bytes the harness needs: the trust anchor, a pool of CA certificates and CRLs, and each EE. */
export interface PkitsFiles {
  trustAnchor: Buffer;
  caCertificates: Buffer[];
  crls: Buffer[];
  endEntity(file: string): Buffer;
}

/** Outcome of one case. */
export interface PkitsResult {
  id: string;
  expected: 'valid' | 'invalid';
  /** 'valid' or the PkiErrorCode that refused the path. */
  got: string;
  agreed: boolean;
}

/**
 * Runs the supported PKITS cases against a shared pool of CA certificates and CRLs (the path
 * builder must pick the right issuer by name and signature) and reports each outcome.
 */
export async function runPkitsCases(
  files: PkitsFiles,
  cases: readonly PkitsCase[] = PKITS_CASES,
): Promise<PkitsResult[]> {
  const anchor = parseCertificateDer(files.trustAnchor);
  const intermediates = files.caCertificates.map(parseCertificateDer);
  const crls = files.crls.map(parseCrlDer);
  const results: PkitsResult[] = [];
  for (const c of cases) {
    let got = 'valid';
    try {
      await validateCertificatePath({
        leaf: parseCertificateDer(files.endEntity(c.eeFile)),
        intermediates,
        trustAnchors: [anchor],
        crls,
        validityTime: PKITS_VALIDATION_TIME,
        now: PKITS_VALIDATION_TIME,
        requireAnchorCrl: true,
        keyProfile: PKITS_KEY_PROFILE,
      });
    } catch (e) {
      if (!(e instanceof PkiError)) throw e;
      got = e.code;
    }
    results.push({
      id: c.id,
      expected: c.expected,
      got,
      agreed: (got === 'valid') === (c.expected === 'valid'),
    });
  }
  return results;
}
