/**
 * Certificate path validation, written for this hub's profile and failing closed: trust only the
 * supplied anchors, verify every signature (allowlisted algorithms only), validity, CA
 * constraints, unknown critical extensions, and revocation by a fresh CRL from every issuer
 * below the anchor. pkijs supplies parsing and the signature primitive (Node webcrypto).
 *
 * Deliberately NOT implemented (such certificates are refused when the extension is critical):
 * name constraints, policy mapping/constraints/inhibitAnyPolicy, delta and indirect CRLs,
 * distribution-point scoping, self-issued key-rollover certificates inside a path.
 */
import { webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { engine, serialHex } from './asn1';
import { basicConstraints, keyUsages } from './certificate';
import { ALLIANCE_KEY_PROFILE, checkCertificateKey, type KeyProfile } from './key-profile';
import {
  ALLOWED_SIGNATURE_ALGORITHMS,
  KNOWN_CRITICAL_CERT_EXTENSIONS,
  KNOWN_CRITICAL_CRL_EXTENSIONS,
} from './oids';
import { PkiError, PkiErrorCode } from './pki.errors';

/** Inputs of a path validation. */
export interface PathValidationInput {
  /** The end-entity certificate. */
  leaf: pkijs.Certificate;
  /** Candidate intermediate CAs (untrusted; self-issued ones are never used). */
  intermediates: pkijs.Certificate[];
  /** The only trusted roots. */
  trustAnchors: pkijs.Certificate[];
  /** Candidate CRLs (any source; each must be signed by the certificate's issuer to count). */
  crls: pkijs.CertificateRevocationList[];
  /** Instant at which every certificate (anchor included) must be within its validity. */
  validityTime: Date;
  /** Instant at which CRLs must be current (thisUpdate ≤ now < nextUpdate). */
  now: Date;
  /** When set, the issuer's newest CRL may be at most this old (now − thisUpdate). */
  maxCrlAgeSeconds?: number;
  /**
   * Whether a CRL from the trust anchor (covering the certificates it issued) is required.
   * Default false (the hub's rule: a CRL from every issuer except the root); when false and such
   * a CRL is supplied anyway, it is still checked in full.
   */
  requireAnchorCrl?: boolean;
  /**
   * Which public keys certificates of the path may carry (leaf, intermediates, anchor); checked
   * before a key verifies anything. Default: the alliance profile.
   */
  keyProfile?: KeyProfile;
}

/** A validated path, leaf first, ending with the trust anchor. */
export interface ValidatedPath {
  certificates: pkijs.Certificate[];
}

const MAX_PATH_LENGTH = 8;
/**
 * Most signature checks path building may make (each distinct certificate/issuer pair is checked
 * at most once). The alliance path needs 2, the PKITS cases at most 5. Look-alike CAs that all
 * verify one another reach it at once and are refused with PKI_PATH_BUDGET_EXCEEDED.
 */
export const MAX_PATH_SIGNATURE_CHECKS = 12;
/** Most partial paths path building may extend (the alliance path: 2; PKITS: at most 5). */
export const MAX_PATH_CANDIDATES = 24;

/**
 * Builds and validates a path from `leaf` to one of `trustAnchors`. Resolves with the path or
 * rejects with a PkiError: PKI_KEY_OUTSIDE_PROFILE, PKI_WEAK_ALGORITHM, PKI_UNTRUSTED_CHAIN, PKI_CERT_EXPIRED,
 * PKI_CERT_NOT_YET_VALID, PKI_BASIC_CONSTRAINTS, PKI_KEY_USAGE, PKI_UNKNOWN_CRITICAL_EXTENSION,
 * PKI_CRL_MISSING, PKI_CRL_STALE, PKI_CERT_REVOKED, PKI_MALFORMED.
 */
export async function validateCertificatePath(input: PathValidationInput): Promise<ValidatedPath> {
  const chain = await buildPath(
    input.leaf,
    input.intermediates,
    input.trustAnchors,
    input.keyProfile ?? ALLIANCE_KEY_PROFILE,
  );
  if (chain === null)
    throw new PkiError(
      PkiErrorCode.PKI_UNTRUSTED_CHAIN,
      'no path to a trusted alliance root whose signatures verify',
    );
  const anchor = chain[chain.length - 1];
  checkValidity(anchor, input.validityTime);
  // From the anchor down, so the topmost problem is the one reported.
  for (let i = chain.length - 2; i >= 0; i--) {
    const cert = chain[i];
    const issuer = chain[i + 1];
    checkValidity(cert, input.validityTime);
    checkCriticalExtensions(cert.extensions, KNOWN_CRITICAL_CERT_EXTENSIONS, 'certificate');
    if (i > 0) checkCaCertificate(cert, i - 1);
    const issuedByAnchor = i === chain.length - 2;
    await checkRevocation(cert, issuer, input, !issuedByAnchor || input.requireAnchorCrl === true);
  }
  return { certificates: chain };
}

/**
 * Depth-first path building: issuer name must match and the issuer's key must verify the
 * signature. Bounded, so hostile certificate sets cost little: duplicates are dropped, each
 * certificate/issuer signature is checked at most once, and the search gives up with
 * PKI_PATH_BUDGET_EXCEEDED after MAX_PATH_SIGNATURE_CHECKS checks or MAX_PATH_CANDIDATES paths.
 */
async function buildPath(
  leaf: pkijs.Certificate,
  intermediates: pkijs.Certificate[],
  anchors: pkijs.Certificate[],
  keyProfile: KeyProfile,
): Promise<pkijs.Certificate[] | null> {
  const leafId = identity(leaf);
  const pool = [...new Map(intermediates.map((c) => [identity(c), c])).entries()]
    .filter(([id, c]) => id !== leafId && !namesEqual(c.subject, c.issuer))
    .map(([, c]) => c);
  // Every key is judged before it verifies anything: a CA-signed certificate with e = 1 or a
  // short modulus is refused even when its signatures "verify".
  checkCertificateKey(leaf, keyProfile, 'the end-entity certificate’s public key');
  const exhausted = () =>
    new PkiError(
      PkiErrorCode.PKI_PATH_BUDGET_EXCEEDED,
      'path building gave up: too many candidate issuers with the names of the alliance CAs',
    );
  const keyChecked = new Set<pkijs.Certificate>();
  const checkKey = (cert: pkijs.Certificate, what: string) => {
    if (keyChecked.has(cert)) return;
    checkCertificateKey(cert, keyProfile, what);
    keyChecked.add(cert);
  };
  let checks = 0;
  let candidates = 0;
  const verdicts = new Map<pkijs.Certificate, Map<pkijs.Certificate, boolean>>();
  const verifiedBy = async (cert: pkijs.Certificate, issuer: pkijs.Certificate): Promise<boolean> => {
    let known = verdicts.get(cert);
    if (known === undefined) verdicts.set(cert, (known = new Map()));
    const verdict = known.get(issuer);
    if (verdict !== undefined) return verdict;
    if (++checks > MAX_PATH_SIGNATURE_CHECKS) throw exhausted();
    const ok = await signedBy(cert, issuer);
    known.set(issuer, ok);
    return ok;
  };
  const step = async (path: pkijs.Certificate[]): Promise<pkijs.Certificate[] | null> => {
    if (++candidates > MAX_PATH_CANDIDATES) throw exhausted();
    const current = path[path.length - 1];
    checkCertificateAlgorithm(current);
    for (const anchor of anchors) {
      if (!namesEqual(anchor.subject, current.issuer)) continue;
      checkKey(anchor, 'a trust anchor’s public key');
      if (await verifiedBy(current, anchor)) return [...path, anchor];
    }
    if (path.length >= MAX_PATH_LENGTH) return null;
    for (const candidate of pool) {
      if (path.includes(candidate) || !namesEqual(candidate.subject, current.issuer)) continue;
      checkKey(candidate, 'an intermediate CA certificate’s public key');
      if (!(await verifiedBy(current, candidate))) continue;
      const found = await step([...path, candidate]);
      if (found !== null) return found;
    }
    return null;
  };
  return step([leaf]);
}

/** Identity of a certificate for de-duplication: the bytes it signs and its signature. */
function identity(cert: pkijs.Certificate): string {
  const tbs = Buffer.from(cert.tbsView).toString('hex');
  return `${tbs}:${Buffer.from(cert.signatureValue.valueBlock.valueHexView).toString('hex')}`;
}

/** Hash of each allowlisted RSASSA-PKCS1-v1_5 certificate signature algorithm (the profile's keys are RSA). */
const RSA_PKCS1_HASHES: ReadonlyMap<string, string> = new Map([
  ['1.2.840.113549.1.1.11', 'SHA-256'],
  ['1.2.840.113549.1.1.12', 'SHA-384'],
  ['1.2.840.113549.1.1.13', 'SHA-512'],
]);

/** Issuer keys imported once per (certificate, hash): path building checks one issuer against several certificates. */
const importedKeys = new WeakMap<pkijs.Certificate, Map<string, Promise<webcrypto.CryptoKey>>>();

function issuerKey(issuer: pkijs.Certificate, hash: string): Promise<webcrypto.CryptoKey> {
  let byHash = importedKeys.get(issuer);
  if (byHash === undefined) importedKeys.set(issuer, (byHash = new Map()));
  let key = byHash.get(hash);
  if (key === undefined) {
    const spki = issuer.subjectPublicKeyInfo.toSchema().toBER(false);
    key = webcrypto.subtle.importKey('spki', spki, { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['verify']);
    byHash.set(hash, key);
  }
  return key;
}

/**
 * Whether `issuer`'s key verifies `cert`'s signature over its TBS bytes as received: Node
 * webcrypto RSASSA-PKCS1-v1_5 (the primitive the Wycheproof suite checks), with the issuer's key
 * imported once. Keys were checked against the profile before; anything else is "no".
 */
async function signedBy(cert: pkijs.Certificate, issuer: pkijs.Certificate): Promise<boolean> {
  const hash = RSA_PKCS1_HASHES.get(cert.signatureAlgorithm.algorithmId);
  const signature = cert.signatureValue.valueBlock;
  if (hash === undefined || signature.unusedBits !== 0 || cert.tbsView.byteLength === 0) return false;
  try {
    return await webcrypto.subtle.verify(
      'RSASSA-PKCS1-v1_5',
      await issuerKey(issuer, hash),
      signature.valueHexView,
      cert.tbsView,
    );
  } catch {
    return false;
  }
}

function checkCertificateAlgorithm(cert: pkijs.Certificate): void {
  const outer = cert.signatureAlgorithm.algorithmId;
  if (!ALLOWED_SIGNATURE_ALGORITHMS.has(outer)) {
    throw new PkiError(
      PkiErrorCode.PKI_WEAK_ALGORITHM,
      'a certificate in the path is signed with a weak or unsupported algorithm',
    );
  }
  // The whole AlgorithmIdentifier, parameters included (RFC 5280 §4.1.1.2): the outer one is not
  // signed, so a changed parameter would otherwise give the same certificate another fingerprint.
  if (!sameAlgorithm(cert.signature, cert.signatureAlgorithm)) {
    throw new PkiError(
      PkiErrorCode.PKI_MALFORMED,
      'certificate signatureAlgorithm differs from the signature field it signs',
    );
  }
}

function sameAlgorithm(a: pkijs.AlgorithmIdentifier, b: pkijs.AlgorithmIdentifier): boolean {
  return Buffer.from(a.toSchema().toBER(false)).equals(Buffer.from(b.toSchema().toBER(false)));
}

function checkValidity(cert: pkijs.Certificate, at: Date): void {
  if (at < cert.notBefore.value)
    throw new PkiError(
      PkiErrorCode.PKI_CERT_NOT_YET_VALID,
      'a certificate in the path was not yet valid at the validation time',
    );
  if (at > cert.notAfter.value)
    throw new PkiError(
      PkiErrorCode.PKI_CERT_EXPIRED,
      'a certificate in the path had expired at the validation time',
    );
}

function checkCriticalExtensions(
  extensions: pkijs.Extension[] | undefined,
  known: ReadonlySet<string>,
  what: string,
): void {
  for (const e of extensions ?? []) {
    if (e.critical && !known.has(e.extnID)) {
      throw new PkiError(
        PkiErrorCode.PKI_UNKNOWN_CRITICAL_EXTENSION,
        `a ${what} carries a critical extension this verifier does not process`,
      );
    }
  }
}

/** `below` = number of intermediate CA certificates between this CA and the leaf. */
function checkCaCertificate(cert: pkijs.Certificate, below: number): void {
  const bc = basicConstraints(cert);
  if (cert.version !== 2 || bc?.cA !== true) {
    throw new PkiError(
      PkiErrorCode.PKI_BASIC_CONSTRAINTS,
      'an issuing certificate in the path is not marked as a CA',
    );
  }
  if (bc.pathLen !== undefined && below > bc.pathLen) {
    throw new PkiError(PkiErrorCode.PKI_BASIC_CONSTRAINTS, 'a CA path length constraint is exceeded');
  }
  const ku = keyUsages(cert);
  if (ku !== undefined && !ku.includes('keyCertSign')) {
    throw new PkiError(
      PkiErrorCode.PKI_KEY_USAGE,
      'an issuing certificate in the path may not sign certificates',
    );
  }
}

async function checkRevocation(
  cert: pkijs.Certificate,
  issuer: pkijs.Certificate,
  input: PathValidationInput,
  required: boolean,
): Promise<void> {
  const issuerKu = keyUsages(issuer);
  const usable: pkijs.CertificateRevocationList[] = [];
  if (issuerKu === undefined || issuerKu.includes('cRLSign')) {
    for (const crl of input.crls) {
      if (!namesEqual(crl.issuer, issuer.subject)) continue;
      if (!ALLOWED_SIGNATURE_ALGORITHMS.has(crl.signatureAlgorithm.algorithmId)) {
        throw new PkiError(
          PkiErrorCode.PKI_WEAK_ALGORITHM,
          'a CRL is signed with a weak or unsupported algorithm',
        );
      }
      let ok = sameAlgorithm(crl.signature, crl.signatureAlgorithm);
      try {
        ok &&= await crl.verify({ issuerCertificate: issuer }, engine);
      } catch {
        ok = false;
      }
      if (!ok) continue; // a look-alike's CRL, or a damaged one: it says nothing about this issuer
      checkCriticalExtensions(crl.crlExtensions?.extensions, KNOWN_CRITICAL_CRL_EXTENSIONS, 'CRL');
      for (const entry of crl.revokedCertificates ?? []) {
        checkCriticalExtensions(
          entry.crlEntryExtensions?.extensions,
          KNOWN_CRITICAL_CRL_EXTENSIONS,
          'CRL entry',
        );
      }
      usable.push(crl);
    }
  }
  if (usable.length === 0 && !required) return;
  if (usable.length === 0)
    throw new PkiError(
      PkiErrorCode.PKI_CRL_MISSING,
      'no CRL signed by the issuer of a certificate in the path was supplied',
    );
  const newest = usable.reduce((a, b) => (b.thisUpdate.value > a.thisUpdate.value ? b : a));
  const next = newest.nextUpdate?.value;
  if (next === undefined || next <= input.now || newest.thisUpdate.value > input.now) {
    throw new PkiError(PkiErrorCode.PKI_CRL_STALE, 'the issuer CRL is not current');
  }
  if (
    input.maxCrlAgeSeconds !== undefined &&
    input.now.getTime() - newest.thisUpdate.value.getTime() > input.maxCrlAgeSeconds * 1000
  ) {
    throw new PkiError(PkiErrorCode.PKI_CRL_STALE, 'the issuer CRL is older than allowed');
  }
  const serial = serialHex(cert.serialNumber);
  // Any revocation on any genuine CRL counts, whatever its date: revocation stops use at once.
  for (const crl of usable) {
    if ((crl.revokedCertificates ?? []).some((r) => serialHex(r.userCertificate) === serial)) {
      throw new PkiError(PkiErrorCode.PKI_CERT_REVOKED, 'a certificate in the path is revoked');
    }
  }
}

/**
 * RFC 5280 §7.1 name matching, simplified from RFC 4518: same RDN structure and attribute types;
 * string values compared after trimming, collapsing inner whitespace and case folding; other
 * values compared by DER.
 */
export function namesEqual(
  a: pkijs.RelativeDistinguishedNames,
  b: pkijs.RelativeDistinguishedNames,
): boolean {
  return nameKey(a) === nameKey(b);
}

/** Normalized names, computed once per parsed name (path building compares the same names often). */
const nameKeys = new WeakMap<pkijs.RelativeDistinguishedNames, string>();

/** A string equal for two names exactly when {@link namesEqual} holds (JSON of the normalized RDNs). */
function nameKey(name: pkijs.RelativeDistinguishedNames): string {
  let key = nameKeys.get(name);
  if (key === undefined) nameKeys.set(name, (key = JSON.stringify(rdns(name))));
  return key;
}

function rdns(name: pkijs.RelativeDistinguishedNames): string[][] {
  // pkijs flattens RDNs into typesAndValues; the original RDN grouping lives in the schema.
  const seq =
    name.valueBeforeDecode.byteLength > 0 ? asn1js.fromBER(name.valueBeforeDecode).result : name.toSchema();
  if (!(seq instanceof asn1js.Sequence))
    return name.typesAndValues.map((tv) => [normalizeAttribute(tv.type, tv.value)]);
  return seq.valueBlock.value.map((set) => {
    const members = set instanceof asn1js.Set ? set.valueBlock.value : [];
    return members
      .map((atv) => {
        const parts = atv instanceof asn1js.Sequence ? atv.valueBlock.value : [];
        const type = parts[0] instanceof asn1js.ObjectIdentifier ? parts[0].valueBlock.toString() : '?';
        return normalizeAttribute(type, parts[1]);
      })
      .sort();
  });
}

function normalizeAttribute(type: string, value: unknown): string {
  const block = (value as { valueBlock?: { value?: unknown } } | undefined)?.valueBlock;
  if (typeof block?.value === 'string') {
    return `${type}=s:${block.value.trim().replace(/\s+/g, ' ').normalize('NFKC').toLowerCase()}`;
  }
  const ber = value instanceof asn1js.BaseBlock ? Buffer.from(value.toBER(false)).toString('hex') : '';
  return `${type}=x:${ber}`;
}
