/**
 * Detached CMS (PKCS#7) signatures over grant documents: signing with node-forge (offline, on
 * the member's machine) and verification with pkijs plus the hub's own profile checks.
 */
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import forge from 'node-forge';
import * as pkijs from 'pkijs';
import { engine, parseCertificateDer, parseCrlDer, parseDer, serialHex, toArrayBuffer } from './asn1';
import {
  allianceIdentity,
  basicConstraints,
  extendedKeyUsages,
  keyUsages,
  type SignerIdentity,
} from './certificate';
import {
  ALLIANCE_GRANT_SIGNING_EKU,
  ALLOWED_DIGEST_ALGORITHMS,
  ALLOWED_SIGNATURE_ALGORITHMS,
  OID_ATTR_CONTENT_TYPE,
  OID_ATTR_MESSAGE_DIGEST,
  OID_ATTR_SIGNING_TIME,
  OID_CMS_DATA,
  OID_CMS_SIGNED_DATA,
  OID_RSA_ENCRYPTION,
} from './oids';
import { forgeCarrierFromPem } from './forge-shim';
import { ALLIANCE_KEY_PROFILE, checkCertificateKey } from './key-profile';
import { cmsToDer, fromPem, splitPem } from './pem';
import { namesEqual, validateCertificatePath } from './path-validation';
import { PkiError, PkiErrorCode } from './pki.errors';

/**
 * Signs `content` with a detached CMS SignedData (SHA-256, RSA): signed attributes content-type
 * (id-data), signing-time and message-digest, in that order; the signer certificate and
 * `chainPems` are embedded; no eContent. Returns DER.
 */
export function signDetached(
  content: Buffer,
  keyPem: string,
  certPem: string,
  chainPems: string[] = [],
  opts: { signingTime?: Date } = {},
): Buffer {
  return buildSignedData({
    content,
    keyPem,
    certPem,
    chainPems,
    signingTime: opts.signingTime ?? new Date(),
  });
}

/**
 * The CMS writer behind `signDetached`, with knobs that produce deliberately non-conforming
 * signatures for tests (not exported from the library's index).
 */
export function buildSignedData(p: {
  content: Buffer;
  keyPem: string;
  /** Signs instead of `keyPem` (e.g. a forger that needs no private key); `keyPem` is then ignored. */
  rawSigner?: { sign(md: forge.md.MessageDigest): string };
  certPem: string;
  chainPems: string[];
  signingTime: Date;
  digestOid?: string;
  embedContent?: boolean;
  signerCount?: number;
}): Buffer {
  const key = p.rawSigner ?? forge.pki.privateKeyFromPem(p.keyPem);
  const signer = forgeCarrierFromPem(p.certPem);
  const p7 = forge.pkcs7.createSignedData();
  p7.content = forge.util.createBuffer(p.content.toString('binary'));
  p7.addCertificate(signer.cert);
  for (const c of p.chainPems) p7.addCertificate(forgeCarrierFromPem(c).cert);
  // forge accepts issuer + serialNumber instead of a decoded certificate (its typings omit it).
  const signerParams = {
    key,
    issuer: signer.issuerAttributes,
    serialNumber: signer.serialNumber,
    digestAlgorithm: p.digestOid ?? forge.pki.oids.sha256,
    authenticatedAttributes: [
      { type: forge.pki.oids.contentType, value: forge.pki.oids.data },
      { type: forge.pki.oids.signingTime, value: p.signingTime },
      { type: forge.pki.oids.messageDigest },
    ],
  };
  for (let i = 0; i < (p.signerCount ?? 1); i++) {
    p7.addSigner(signerParams as unknown as Parameters<typeof p7.addSigner>[0]);
  }
  p7.sign({ detached: p.embedContent !== true });
  return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary');
}

/** Most certificates a CMS may carry (signer, its CAs, and spares): each is a path-building candidate. */
export const MAX_CMS_CERTIFICATES = 8;
/** Most CRLs a CMS may carry (each one named like an issuer costs a signature check). */
export const MAX_CMS_CRLS = 4;

/** Inputs of `verifyDetached`. */
export interface VerifyDetachedParams {
  /** The exact bytes that were signed (the grant's canonical bytes). */
  content: Buffer;
  /** The detached CMS, DER or PEM ("PKCS7"/"CMS"). */
  signature: Buffer | string;
  /** The only trusted roots (PEM; bundles allowed). */
  trustAnchorsPem: string[];
  /** Extra intermediates (PEM; bundles allowed). Certificates inside the CMS are also candidates. */
  intermediatesPem: string[];
  /** CRLs (PEM); one signed by every issuer below the root is required. */
  crlsPem: string[];
  /** The verifier's current time: CRLs must be current then, and signingTime may not exceed it. */
  now: Date;
  /** Optional upper bound on CRL age (now − thisUpdate). */
  maxCrlAgeSeconds?: number;
  /** Tolerated signer clock skew for a signingTime after `now`; default 300 s. */
  maxClockSkewSeconds?: number;
}

/** The result of a successful verification. */
export interface VerifiedSignature {
  signer: SignerIdentity;
  signingTime: Date;
}

/**
 * Verifies a detached CMS signature over `content` under the alliance profile, failing closed.
 * Every key in the path must be in the alliance key profile (RSA 3072..8192 bits, e = 65537).
 * Certificates are validated at the signing time; CRLs must be current at `now`; a revoked
 * certificate fails whatever its revocation date. Throws PkiError with a precise code.
 */
export async function verifyDetached(p: VerifyDetachedParams): Promise<VerifiedSignature> {
  const der = cmsToDer(p.signature);
  // Look-alike CAs that all sign one another make path building branch at every level, so the
  // candidates an upload brings are few. Counted first on the DER headers alone (parsing every
  // certificate is the dearest part of refusing a flood), and again after parsing.
  checkCmsObjectCounts(countCmsObjects(der));
  const signed = parseSignedData(der);
  checkCmsObjectCounts({ certificates: signed.certificates?.length ?? 0, crls: signed.crls?.length ?? 0 });

  for (const alg of signed.digestAlgorithms) digestName(alg.algorithmId);
  if (signed.signerInfos.length !== 1)
    throw new PkiError(PkiErrorCode.PKI_SIGNER_COUNT, 'exactly one signer is required');
  const signerInfo = signed.signerInfos[0];
  if (signed.encapContentInfo.eContent !== undefined) {
    throw new PkiError(
      PkiErrorCode.PKI_EMBEDDED_CONTENT,
      'the signature encapsulates content; only detached signatures are accepted',
    );
  }
  const contentType = signed.encapContentInfo.eContentType;
  if (contentType !== OID_CMS_DATA)
    throw new PkiError(PkiErrorCode.PKI_ATTRIBUTES_INVALID, 'encapsulated content type must be id-data');

  const digest = digestName(signerInfo.digestAlgorithm.algorithmId);
  checkSignerSignatureAlgorithm(signerInfo.signatureAlgorithm.algorithmId, digest);
  const attrs = signedAttributes(signerInfo, contentType);
  if (!createHash(digest).update(p.content).digest().equals(attrs.messageDigest)) {
    throw new PkiError(
      PkiErrorCode.PKI_DIGEST_MISMATCH,
      'the signed message digest does not match the content',
    );
  }

  const embeddedCerts = (signed.certificates ?? []).filter(
    (c): c is pkijs.Certificate => c instanceof pkijs.Certificate,
  );
  const suppliedIntermediates = p.intermediatesPem
    .flatMap((pem) => splitPem(pem, 'CERTIFICATE'))
    .map(parseCertificateDer);
  const signerCert = findSignerCertificate(signerInfo, [...embeddedCerts, ...suppliedIntermediates]);
  if (!embeddedCerts.includes(signerCert)) signed.certificates = [...(signed.certificates ?? []), signerCert];
  // Before the signer's key verifies the signature: with e = 1 "verifying" proves nothing.
  checkCertificateKey(signerCert, ALLIANCE_KEY_PROFILE, 'the signer certificate’s public key');

  await verifySignatureValue(signed, p.content);

  const skewMs = (p.maxClockSkewSeconds ?? 300) * 1000;
  if (attrs.signingTime.getTime() > p.now.getTime() + skewMs) {
    throw new PkiError(PkiErrorCode.PKI_SIGNING_TIME_INVALID, 'the signing time is in the future');
  }

  const embeddedCrls = (signed.crls ?? []).filter(
    (c): c is pkijs.CertificateRevocationList => c instanceof pkijs.CertificateRevocationList,
  );
  await validateCertificatePath({
    leaf: signerCert,
    intermediates: [...suppliedIntermediates, ...embeddedCerts.filter((c) => c !== signerCert)],
    trustAnchors: p.trustAnchorsPem.flatMap((pem) => splitPem(pem, 'CERTIFICATE')).map(parseCertificateDer),
    crls: [...p.crlsPem.map((pem) => parseCrlDer(fromPem(pem, 'X509 CRL'))), ...embeddedCrls],
    validityTime: attrs.signingTime,
    now: p.now,
    ...(p.maxCrlAgeSeconds === undefined ? {} : { maxCrlAgeSeconds: p.maxCrlAgeSeconds }),
  });

  return { signer: checkLeafProfile(signerCert), signingTime: attrs.signingTime };
}

function checkCmsObjectCounts(counts: { certificates: number; crls: number } | null): void {
  if (counts === null) return; // not the expected shape: the full parser decides
  if (counts.certificates > MAX_CMS_CERTIFICATES || counts.crls > MAX_CMS_CRLS) {
    throw new PkiError(
      PkiErrorCode.PKI_TOO_MANY_CERTIFICATES,
      `the CMS certificates field may hold at most ${MAX_CMS_CERTIFICATES} certificates and its crls field at most ${MAX_CMS_CRLS} CRLs`,
    );
  }
}

/** One definite-length TLV header at `at` (tag byte, content bounds), or null when it is not one. */
function tlv(b: Uint8Array, at: number, limit: number): { tag: number; start: number; end: number } | null {
  if (at + 2 > limit) return null;
  const tag = b[at];
  if ((tag & 0x1f) === 0x1f) return null; // high tag numbers do not occur in CMS
  let len = b[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) return null; // indefinite (BER) or absurd
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i];
    start += n;
  }
  return start + len <= limit ? { tag, start, end: start + len } : null;
}

/**
 * How many certificates ([0]) and CRLs ([1]) a ContentInfo/SignedData carries, read from the
 * DER headers without parsing them; null when the bytes do not have that shape.
 */
function countCmsObjects(der: Uint8Array): { certificates: number; crls: number } | null {
  const info = tlv(der, 0, der.length);
  const type = info && info.tag === 0x30 ? tlv(der, info.start, info.end) : null;
  const content = type && type.tag === 0x06 ? tlv(der, type.end, info!.end) : null;
  const sd = content && content.tag === 0xa0 ? tlv(der, content.start, content.end) : null;
  if (!sd || sd.tag !== 0x30) return null;
  const counts = { certificates: 0, crls: 0 };
  for (let at = sd.start; at < sd.end;) {
    const field = tlv(der, at, sd.end);
    if (!field) return null;
    if (field.tag === 0xa0 || field.tag === 0xa1) {
      let n = 0;
      for (let c = field.start; c < field.end; n++) {
        const item = tlv(der, c, field.end);
        if (!item) return null;
        c = item.end;
      }
      counts[field.tag === 0xa0 ? 'certificates' : 'crls'] += n;
    }
    at = field.end;
  }
  return counts;
}

function parseSignedData(der: Buffer): pkijs.SignedData {
  const asn = parseDer(der, 'signature');
  try {
    const info = new pkijs.ContentInfo({ schema: asn });
    if (info.contentType !== OID_CMS_SIGNED_DATA)
      throw new PkiError(PkiErrorCode.PKI_MALFORMED, 'the CMS is not SignedData');
    return new pkijs.SignedData({ schema: info.content });
  } catch (e) {
    if (e instanceof PkiError) throw e;
    throw new PkiError(PkiErrorCode.PKI_MALFORMED, 'the signature is not a CMS SignedData', { cause: e });
  }
}

function digestName(oid: string): string {
  const name = ALLOWED_DIGEST_ALGORITHMS.get(oid);
  if (name === undefined)
    throw new PkiError(
      PkiErrorCode.PKI_WEAK_ALGORITHM,
      'the CMS uses a weak or unsupported digest algorithm',
    );
  return name;
}

function checkSignerSignatureAlgorithm(oid: string, digest: string): void {
  if (oid === OID_RSA_ENCRYPTION) return; // the hash is the (already allowlisted) digest algorithm
  if (!ALLOWED_SIGNATURE_ALGORITHMS.has(oid)) {
    throw new PkiError(
      PkiErrorCode.PKI_WEAK_ALGORITHM,
      'the CMS uses a weak or unsupported signature algorithm',
    );
  }
  const hashOfAlg = {
    '1.2.840.113549.1.1.11': 'sha256',
    '1.2.840.113549.1.1.12': 'sha384',
    '1.2.840.113549.1.1.13': 'sha512',
    '1.2.840.10045.4.3.2': 'sha256',
    '1.2.840.10045.4.3.3': 'sha384',
    '1.2.840.10045.4.3.4': 'sha512',
  }[oid];
  if (hashOfAlg !== digest)
    throw new PkiError(PkiErrorCode.PKI_ATTRIBUTES_INVALID, 'signature and digest algorithms disagree');
}

interface ProfileAttributes {
  messageDigest: Buffer;
  signingTime: Date;
}

/** Exactly one content-type (= eContentType), one message-digest and one signing-time; no duplicates. */
function signedAttributes(si: pkijs.SignerInfo, contentType: string): ProfileAttributes {
  const attributes = si.signedAttrs?.attributes;
  if (attributes === undefined || attributes.length === 0) {
    throw new PkiError(PkiErrorCode.PKI_ATTRIBUTES_INVALID, 'signed attributes are required');
  }
  const types = attributes.map((a) => a.type);
  if (new Set(types).size !== types.length)
    throw new PkiError(PkiErrorCode.PKI_ATTRIBUTES_INVALID, 'a signed attribute is repeated');
  const single = (oid: string, what: string): unknown => {
    // pkijs leaves `values` undefined for an attribute whose SET of values is empty.
    const values = attributes.find((x) => x.type === oid)?.values as unknown[] | undefined;
    if (values?.length !== 1)
      throw new PkiError(
        PkiErrorCode.PKI_ATTRIBUTES_INVALID,
        `exactly one ${what} attribute value is required`,
      );
    return values[0];
  };
  const ct = single(OID_ATTR_CONTENT_TYPE, 'content-type');
  if (!(ct instanceof asn1js.ObjectIdentifier) || ct.valueBlock.toString() !== contentType) {
    throw new PkiError(
      PkiErrorCode.PKI_ATTRIBUTES_INVALID,
      'the content-type attribute does not match the content type',
    );
  }
  const md = single(OID_ATTR_MESSAGE_DIGEST, 'message-digest');
  if (!(md instanceof asn1js.OctetString))
    throw new PkiError(
      PkiErrorCode.PKI_ATTRIBUTES_INVALID,
      'the message-digest attribute is not an OCTET STRING',
    );
  const st = single(OID_ATTR_SIGNING_TIME, 'signing-time');
  if (!(st instanceof asn1js.UTCTime || st instanceof asn1js.GeneralizedTime)) {
    throw new PkiError(PkiErrorCode.PKI_ATTRIBUTES_INVALID, 'the signing-time attribute is not a time');
  }
  const signingTime = st.toDate();
  if (Number.isNaN(signingTime.getTime()))
    throw new PkiError(PkiErrorCode.PKI_ATTRIBUTES_INVALID, 'the signing-time attribute is not a valid time');
  return { messageDigest: Buffer.from(md.valueBlock.valueHexView), signingTime };
}

function findSignerCertificate(si: pkijs.SignerInfo, candidates: pkijs.Certificate[]): pkijs.Certificate {
  if (!(si.sid instanceof pkijs.IssuerAndSerialNumber)) {
    throw new PkiError(
      PkiErrorCode.PKI_SIGNER_CERT_MISSING,
      'the signer must be identified by issuer and serial number',
    );
  }
  const sid = si.sid;
  const serial = serialHex(sid.serialNumber);
  const hits = candidates.filter(
    (c) => serialHex(c.serialNumber) === serial && namesEqual(c.issuer, sid.issuer),
  );
  const unique = [
    ...new Map(hits.map((c) => [Buffer.from(c.toSchema(true).toBER(false)).toString('hex'), c])).values(),
  ];
  if (unique.length !== 1)
    throw new PkiError(
      PkiErrorCode.PKI_SIGNER_CERT_MISSING,
      'the signer certificate is not uniquely available',
    );
  return unique[0];
}

async function verifySignatureValue(signed: pkijs.SignedData, content: Buffer): Promise<void> {
  let ok = false;
  try {
    const result = await signed.verify(
      { signer: 0, data: toArrayBuffer(content), checkChain: false, extendedMode: true },
      engine,
    );
    ok = result.signatureVerified === true;
  } catch (e) {
    throw new PkiError(PkiErrorCode.PKI_SIGNATURE_INVALID, 'the signature does not verify', { cause: e });
  }
  if (!ok) throw new PkiError(PkiErrorCode.PKI_SIGNATURE_INVALID, 'the signature does not verify');
}

/** Leaf profile: not a CA, keyUsage digitalSignature+nonRepudiation, alliance EKU, alliance identity. */
function checkLeafProfile(cert: pkijs.Certificate): SignerIdentity {
  if (basicConstraints(cert)?.cA === true)
    throw new PkiError(PkiErrorCode.PKI_KEY_USAGE, 'a CA certificate may not sign grants');
  const ku = keyUsages(cert);
  if (ku === undefined || !ku.includes('digitalSignature') || !ku.includes('nonRepudiation')) {
    throw new PkiError(
      PkiErrorCode.PKI_KEY_USAGE,
      'the signer certificate must allow digitalSignature and nonRepudiation',
    );
  }
  if (!(extendedKeyUsages(cert) ?? []).includes(ALLIANCE_GRANT_SIGNING_EKU)) {
    throw new PkiError(
      PkiErrorCode.PKI_NOT_ALLIANCE_SIGNER,
      'the signer certificate is not an alliance grant-signing certificate',
    );
  }
  const identity = allianceIdentity(cert);
  if (identity === null)
    throw new PkiError(
      PkiErrorCode.PKI_NOT_ALLIANCE_SIGNER,
      'the signer certificate lacks the alliance identity attributes',
    );
  return {
    ...identity,
    serialNumber: serialHex(cert.serialNumber),
    fingerprintSha256: createHash('sha256')
      .update(Buffer.from(cert.toSchema(true).toBER(false)))
      .digest('hex'),
    notBefore: cert.notBefore.value,
    notAfter: cert.notAfter.value,
  };
}
