/**
 * The alliance certificate authority: a development root + issuing CA, member certificates
 * issued from CSRs (the hub decides the subject; the CSR only contributes its public key), and
 * CRLs.
 */
import { randomBytes, webcrypto, createPrivateKey } from 'node:crypto';
import * as asn1js from 'asn1js';
import forge from 'node-forge';
import * as pkijs from 'pkijs';
import { engine, findExtension, parseCertificateDer, toArrayBuffer } from './asn1';
import { forgeSubjectAttributesFromPem } from './forge-shim';
import { ALLIANCE_KEY_PROFILE, checkSpkiDer } from './key-profile';
import { describeCsr, generateRsaKeyPem, utf8Attributes, type OrgKind, type SignerRole } from './keys';
import {
  ALLIANCE_GRANT_SIGNING_EKU,
  ALLOWED_SIGNATURE_ALGORITHMS,
  EKU_EMAIL_PROTECTION,
  OID_EXT_CRL_NUMBER,
  OID_EXT_EXTENDED_KEY_USAGE,
  OID_EXT_CRL_REASON,
  OID_EXT_AUTHORITY_KEY_IDENTIFIER,
  OID_EXT_SUBJECT_KEY_IDENTIFIER,
  SUBJECT_ATTRIBUTE_OIDS,
} from './oids';
import { fromPem, toPem } from './pem';
import { PkiError, PkiErrorCode } from './pki.errors';

/** Marker carried in the O and CN of every development CA certificate. */
export const DEV_MARKER = 'DEVELOPMENT ONLY';

/** The development root and issuing CA, as PEM (keys are PKCS#8). */
export interface DevAlliancePki {
  rootCertPem: string;
  rootKeyPem: string;
  issuingCertPem: string;
  issuingKeyPem: string;
}

const DAY_MS = 86_400_000;

/**
 * Creates a development alliance PKI: a self-signed root CA and an issuing CA under it (RSA 3072,
 * SHA-256), both named "... DEVELOPMENT ONLY". Never use these keys in production.
 */
export function createDevAlliancePki(opts: { now?: Date; validityDays?: number } = {}): DevAlliancePki {
  const now = opts.now ?? new Date();
  const days = opts.validityDays ?? 3650;
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now.getTime() + days * DAY_MS);
  const org = `M.AX Alliance ${DEV_MARKER}`;
  const root = generateRsaKeyPem();
  const issuing = generateRsaKeyPem();
  const rootName = utf8Attributes([
    { oid: SUBJECT_ATTRIBUTE_OIDS.organizationName, value: org },
    { oid: SUBJECT_ATTRIBUTE_OIDS.commonName, value: `M.AX Alliance Root CA ${DEV_MARKER}` },
  ]);
  const issuingName = utf8Attributes([
    { oid: SUBJECT_ATTRIBUTE_OIDS.organizationName, value: org },
    { oid: SUBJECT_ATTRIBUTE_OIDS.commonName, value: `M.AX Alliance Issuing CA ${DEV_MARKER}` },
  ]);
  const rootCertPem = signCaCertificate({
    subject: rootName,
    subjectKeyPem: root.privateKeyPem,
    issuerCertPem: undefined,
    issuerKeyPem: root.privateKeyPem,
    notBefore,
    notAfter,
    pathLen: 1,
  });
  const issuingCertPem = signCaCertificate({
    subject: issuingName,
    subjectKeyPem: issuing.privateKeyPem,
    issuerCertPem: rootCertPem,
    issuerKeyPem: root.privateKeyPem,
    notBefore,
    notAfter,
    pathLen: 0,
  });
  return {
    rootCertPem,
    rootKeyPem: root.privateKeyPem,
    issuingCertPem,
    issuingKeyPem: issuing.privateKeyPem,
  };
}

/**
 * Makes a CA certificate (basicConstraints critical cA with pathLen, keyUsage critical
 * keyCertSign+cRLSign, SKI/AKI). Exported for tests and tooling that need extra CAs (e.g. a
 * look-alike CA); `issuerCertPem` undefined means self-signed.
 */
export function signCaCertificate(p: {
  subject: forge.pki.CertificateField[];
  subjectKeyPem: string;
  /** Undefined for a self-signed certificate. */
  issuerCertPem: string | undefined;
  issuerKeyPem: string;
  notBefore: Date;
  notAfter: Date;
  pathLen: number;
  serialNumber?: string;
  md?: forge.md.MessageDigest;
}): string {
  const subjectKey = forge.pki.privateKeyFromPem(p.subjectKeyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(subjectKey.n, subjectKey.e);
  cert.serialNumber = p.serialNumber ?? randomSerialHex();
  cert.validity.notBefore = p.notBefore;
  cert.validity.notAfter = p.notAfter;
  cert.setSubject(p.subject);
  cert.setIssuer(p.issuerCertPem === undefined ? p.subject : forgeSubjectAttributesFromPem(p.issuerCertPem));
  const aki =
    p.issuerCertPem === undefined
      ? subjectKeyIdBytes(cert.publicKey)
      : issuerKeyId(forge.pki.certificateFromPem(p.issuerCertPem));
  cert.setExtensions([
    { name: 'basicConstraints', critical: true, cA: true, pathLenConstraint: p.pathLen },
    { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: aki },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(p.issuerKeyPem), p.md ?? forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** The identity the hub binds into a member certificate. */
export interface MemberSubject {
  /** The hub's id of the person (e.g. a UUID). */
  personId: string;
  /** Display name of the person. */
  name: string;
  orgKind: OrgKind;
  /** Slug of the company or working group (lowercase letters, digits, '-'). */
  orgSlug: string;
  /** Display name of the organisation (may be Korean). */
  orgName: string;
  role: SignerRole;
  /** Optional e-mail, written as an rfc822Name subjectAltName. */
  email?: string;
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
/** Control characters (C0, DEL and C1: `\p{Cc}`) are refused in certificate subject text. */
const CONTROL = /\p{Cc}/u;

function checkText(value: string, field: string, max: number): void {
  if (value.length === 0 || value.length > max || CONTROL.test(value) || value.trim() !== value) {
    throw new PkiError(
      PkiErrorCode.PKI_INVALID_SUBJECT,
      `subject field ${field} must be 1..${max} printable characters without surrounding spaces`,
    );
  }
}

function validateSubject(s: MemberSubject): void {
  checkText(s.personId, 'personId', 64);
  checkText(s.name, 'name', 128);
  checkText(s.orgName, 'orgName', 200);
  if (!SLUG.test(s.orgSlug))
    throw new PkiError(PkiErrorCode.PKI_INVALID_SUBJECT, 'subject field orgSlug is not a slug');
  if (s.orgKind !== 'company' && s.orgKind !== 'working-group') {
    throw new PkiError(
      PkiErrorCode.PKI_INVALID_SUBJECT,
      'subject field orgKind must be company or working-group',
    );
  }
  if (s.role !== 'LEGAL')
    throw new PkiError(PkiErrorCode.PKI_INVALID_SUBJECT, 'subject field role must be LEGAL');
  if (s.email !== undefined && !/^[^\s@]{1,64}@[^\s@]{1,255}$/.test(s.email)) {
    throw new PkiError(PkiErrorCode.PKI_INVALID_SUBJECT, 'subject field email is not an address');
  }
}

/** Subject attributes of a member certificate, in order (see SUBJECT_ATTRIBUTE_OIDS). */
export function memberSubjectAttributes(s: MemberSubject): forge.pki.CertificateField[] {
  return utf8Attributes([
    { oid: SUBJECT_ATTRIBUTE_OIDS.organizationName, value: s.orgSlug },
    { oid: SUBJECT_ATTRIBUTE_OIDS.organizationalUnitName, value: s.orgKind },
    { oid: SUBJECT_ATTRIBUTE_OIDS.description, value: s.orgName },
    { oid: SUBJECT_ATTRIBUTE_OIDS.title, value: s.role },
    { oid: SUBJECT_ATTRIBUTE_OIDS.uid, value: s.personId },
    { oid: SUBJECT_ATTRIBUTE_OIDS.commonName, value: s.name },
  ]);
}

/** Parameters of `issueCertificate`. */
export interface IssueCertificateParams {
  csrPem: string;
  issuerCertPem: string;
  issuerKeyPem: string;
  subject: MemberSubject;
  /** Positive serial as hex; random 128-bit by default. */
  serialNumber?: string;
  notBefore: Date;
  notAfter: Date;
}

/**
 * Issues a member signing certificate from a CSR. Only the CSR's public key is used (after its
 * self-signature is verified, SHA-256+ required, and the key checked against the alliance key
 * profile: RSA 3072..8192 bits, exponent 65537, else PKI_KEY_OUTSIDE_PROFILE); the subject
 * comes from `subject`. Profile: keyUsage critical digitalSignature+nonRepudiation; EKU emailProtection
 * + alliance grant signing; basicConstraints critical CA:false; SKI/AKI; SHA-256 signature.
 */
export function issueCertificate(p: IssueCertificateParams): string {
  validateSubject(p.subject);
  const csrInfo = describeCsr(p.csrPem);
  if (!csrInfo.signatureValid)
    throw new PkiError(PkiErrorCode.PKI_CSR_INVALID, 'CSR self-signature does not verify');
  if (!ALLOWED_SIGNATURE_ALGORITHMS.has(csrInfo.signatureAlgorithm)) {
    throw new PkiError(PkiErrorCode.PKI_CSR_INVALID, 'CSR is signed with a weak or unsupported algorithm');
  }
  const csr = forge.pki.certificationRequestFromPem(p.csrPem);
  const publicKey = csr.publicKey as forge.pki.rsa.PublicKey;
  // A self-signature proves nothing about a key outside the profile (with e = 1 anyone can make
  // it), so the key itself is checked, on its DER as the certificate will carry it.
  checkSpkiDer(
    Buffer.from(forge.asn1.toDer(forge.pki.publicKeyToAsn1(publicKey)).getBytes(), 'binary'),
    ALLIANCE_KEY_PROFILE,
    'the CSR’s public key',
  );
  if (!(p.notBefore < p.notAfter))
    throw new PkiError(PkiErrorCode.PKI_INVALID_SUBJECT, 'notBefore must precede notAfter');
  return signMemberCertificate({ ...p, publicKey });
}

/**
 * Variations of the member profile, for tests that need a deliberately non-conforming
 * certificate (not exported from the library's index).
 */
export interface MemberProfileOverrides {
  keyUsage?: Record<string, boolean>;
  extendedKeyUsages?: string[];
  md?: forge.md.MessageDigest;
  extraExtensions?: object[];
}

/** Writes and signs a member certificate for `publicKey` (no CSR checks: callers do them). */
export function signMemberCertificate(
  p: Omit<IssueCertificateParams, 'csrPem'> & {
    publicKey: forge.pki.rsa.PublicKey;
    overrides?: MemberProfileOverrides;
  },
): string {
  validateSubject(p.subject);
  const o = p.overrides ?? {};
  const issuer = forge.pki.certificateFromPem(p.issuerCertPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = p.publicKey;
  cert.serialNumber = p.serialNumber ?? randomSerialHex();
  cert.validity.notBefore = p.notBefore;
  cert.validity.notAfter = p.notAfter;
  cert.setSubject(memberSubjectAttributes(p.subject));
  cert.setIssuer(forgeSubjectAttributesFromPem(p.issuerCertPem));
  const extensions: object[] = [
    { name: 'basicConstraints', critical: true, cA: false },
    { name: 'keyUsage', critical: true, ...(o.keyUsage ?? { digitalSignature: true, nonRepudiation: true }) },
    // Pre-encoded: forge cannot encode OID arcs above 32 bits (the 2.25 UUID arc).
    {
      id: OID_EXT_EXTENDED_KEY_USAGE,
      critical: false,
      value: extKeyUsageDer(o.extendedKeyUsages ?? [EKU_EMAIL_PROTECTION, ALLIANCE_GRANT_SIGNING_EKU]),
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: issuerKeyId(issuer) },
    ...(o.extraExtensions ?? []),
  ];
  if (p.subject.email !== undefined) {
    extensions.push({ name: 'subjectAltName', altNames: [{ type: 1, value: p.subject.email }] });
  }
  cert.setExtensions(extensions);
  cert.sign(forge.pki.privateKeyFromPem(p.issuerKeyPem), o.md ?? forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** A revocation to list on a CRL. */
export interface RevokedEntry {
  /** Serial number as hex (as in `describeCertificate`). */
  serialNumber: string;
  revokedAt: Date;
  reason: CrlReason;
}

/** RFC 5280 CRLReason names. */
export const CRL_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
} as const;
export type CrlReason = keyof typeof CRL_REASONS;

/** Parameters of `createCrl`. */
export interface CreateCrlParams {
  issuerCertPem: string;
  issuerKeyPem: string;
  revoked: RevokedEntry[];
  thisUpdate: Date;
  nextUpdate: Date;
  crlNumber: number | bigint;
}

/**
 * Creates a v2 CRL signed with SHA-256/RSA by the issuer (with AKI and CRL number extensions,
 * and a reason code per entry) and returns it as PEM ("X509 CRL").
 */
export async function createCrl(p: CreateCrlParams): Promise<string> {
  if (!(p.thisUpdate < p.nextUpdate))
    throw new PkiError(PkiErrorCode.PKI_MALFORMED, 'thisUpdate must precede nextUpdate');
  const issuer = parseCertificateDer(fromPem(p.issuerCertPem, 'CERTIFICATE'));
  const crl = new pkijs.CertificateRevocationList();
  crl.version = 1;
  crl.issuer = issuer.subject;
  crl.thisUpdate = pkixTime(p.thisUpdate);
  crl.nextUpdate = pkixTime(p.nextUpdate);
  if (p.revoked.length > 0) {
    crl.revokedCertificates = p.revoked.map(
      (r) =>
        new pkijs.RevokedCertificate({
          userCertificate: new asn1js.Integer({ valueHex: toArrayBuffer(serialBytes(r.serialNumber)) }),
          revocationDate: pkixTime(r.revokedAt),
          crlEntryExtensions: new pkijs.Extensions({
            extensions: [
              new pkijs.Extension({
                extnID: OID_EXT_CRL_REASON,
                critical: false,
                extnValue: new asn1js.Enumerated({ value: CRL_REASONS[r.reason] }).toBER(false),
              }),
            ],
          }),
        }),
    );
  }
  const ski = findExtension(issuer.extensions, OID_EXT_SUBJECT_KEY_IDENTIFIER);
  const crlExtensions = [
    new pkijs.Extension({
      extnID: OID_EXT_CRL_NUMBER,
      critical: false,
      extnValue: new asn1js.Integer({
        valueHex: toArrayBuffer(serialBytes(BigInt(p.crlNumber).toString(16))),
      }).toBER(false),
    }),
  ];
  if (ski !== undefined) {
    const keyId = (ski.parsedValue as asn1js.OctetString).valueBlock.valueHexView;
    crlExtensions.push(
      new pkijs.Extension({
        extnID: OID_EXT_AUTHORITY_KEY_IDENTIFIER,
        critical: false,
        extnValue: new pkijs.AuthorityKeyIdentifier({
          keyIdentifier: new asn1js.OctetString({ valueHex: toArrayBuffer(keyId) }),
        })
          .toSchema()
          .toBER(false),
      }),
    );
  }
  crl.crlExtensions = new pkijs.Extensions({ extensions: crlExtensions });
  const pkcs8 = createPrivateKey(p.issuerKeyPem).export({ type: 'pkcs8', format: 'der' });
  const key = await webcrypto.subtle.importKey(
    'pkcs8',
    pkcs8,
    { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  await crl.sign(key, 'SHA-256', engine);
  return toPem(new Uint8Array(crl.toSchema(true).toBER(false)), 'X509 CRL');
}

/** UTCTime until 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
function pkixTime(d: Date): pkijs.Time {
  return new pkijs.Time({ type: d.getUTCFullYear() < 2050 ? 0 : 1, value: d });
}

/** A random positive 128-bit serial as hex (first byte kept below 0x80, never all zero). */
export function randomSerialHex(): string {
  const b = randomBytes(16);
  b[0] = (b[0] & 0x7f) | 0x01;
  return b.toString('hex');
}

/** Hex serial → minimal positive DER INTEGER content bytes. */
function serialBytes(hex: string): Buffer {
  if (!/^[0-9a-fA-F]{1,40}$/.test(hex))
    throw new PkiError(PkiErrorCode.PKI_MALFORMED, 'serial number must be 1..40 hex digits');
  let b = Buffer.from(hex.length % 2 === 1 ? `0${hex}` : hex, 'hex');
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  b = b.subarray(i);
  return b[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
}

/** DER of an ExtKeyUsageSyntax value, as forge's binary string. */
function extKeyUsageDer(oids: string[]): string {
  const seq = new asn1js.Sequence({ value: oids.map((value) => new asn1js.ObjectIdentifier({ value })) });
  return Buffer.from(seq.toBER(false)).toString('binary');
}

/** RFC 5280 method-1 key identifier (SHA-1 of the RSAPublicKey), as forge's binary string. */
function subjectKeyIdBytes(pub: forge.pki.PublicKey): string {
  return forge.pki
    .getPublicKeyFingerprint(pub, { type: 'RSAPublicKey', md: forge.md.sha1.create() })
    .getBytes();
}

/** The issuer's own SKI (so AKI matches it exactly), falling back to computing it. */
function issuerKeyId(issuer: forge.pki.Certificate): string {
  const ext: { subjectKeyIdentifier?: string } | undefined = issuer.getExtension('subjectKeyIdentifier');
  const ski = ext?.subjectKeyIdentifier;
  return ski !== undefined ? forge.util.hexToBytes(ski) : subjectKeyIdBytes(issuer.publicKey);
}
