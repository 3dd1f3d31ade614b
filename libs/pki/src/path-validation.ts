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

/** Depth-first path building: issuer name must match and the issuer's key must verify the signature. */
async function buildPath(
  leaf: pkijs.Certificate,
  intermediates: pkijs.Certificate[],
  anchors: pkijs.Certificate[],
  keyProfile: KeyProfile,
): Promise<pkijs.Certificate[] | null> {
  const pool = intermediates.filter((c) => !namesEqual(c.subject, c.issuer));
  // Every key is judged before it verifies anything: a CA-signed certificate with e = 1 or a
  // short modulus is refused even when its signatures "verify".
  checkCertificateKey(leaf, keyProfile, 'the end-entity certificate’s public key');
  const step = async (path: pkijs.Certificate[]): Promise<pkijs.Certificate[] | null> => {
    const current = path[path.length - 1];
    checkCertificateAlgorithm(current);
    for (const anchor of anchors) {
      if (!namesEqual(anchor.subject, current.issuer)) continue;
      checkCertificateKey(anchor, keyProfile, 'a trust anchor’s public key');
      if (await signedBy(current, anchor)) return [...path, anchor];
    }
    if (path.length >= MAX_PATH_LENGTH) return null;
    for (const candidate of pool) {
      if (path.includes(candidate) || !namesEqual(candidate.subject, current.issuer)) continue;
      checkCertificateKey(candidate, keyProfile, 'an intermediate CA certificate’s public key');
      if (!(await signedBy(current, candidate))) continue;
      const found = await step([...path, candidate]);
      if (found !== null) return found;
    }
    return null;
  };
  return step([leaf]);
}

async function signedBy(cert: pkijs.Certificate, issuer: pkijs.Certificate): Promise<boolean> {
  try {
    return await cert.verify(issuer, engine);
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
  if (cert.signature.algorithmId !== outer) {
    throw new PkiError(PkiErrorCode.PKI_MALFORMED, 'certificate signature algorithm fields disagree');
  }
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
      let ok = false;
      try {
        ok = await crl.verify({ issuerCertificate: issuer }, engine);
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
  const ra = rdns(a);
  const rb = rdns(b);
  if (ra.length !== rb.length) return false;
  return ra.every((set, i) => set.length === rb[i].length && set.every((v, j) => v === rb[i][j]));
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
