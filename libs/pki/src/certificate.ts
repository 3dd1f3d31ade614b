/**
 * Reading certificates: the alliance identity a member certificate carries, its validity,
 * serial and fingerprint.
 */
import type * as pkijs from 'pkijs';
import * as asn1js from 'asn1js';
import {
  attributeString,
  findExtension,
  fingerprintSha256,
  oidString,
  parseCertificateDer,
  serialHex,
} from './asn1';
import type { OrgKind, SignerRole } from './keys';
import {
  OID_EXT_BASIC_CONSTRAINTS,
  OID_EXT_EXTENDED_KEY_USAGE,
  OID_EXT_KEY_USAGE,
  SUBJECT_ATTRIBUTE_OIDS,
} from './oids';
import { fromPem } from './pem';

/** Who a member certificate says its holder is (read from the certificate only). */
export interface AllianceIdentity {
  personId: string;
  name: string;
  orgKind: OrgKind;
  orgSlug: string;
  orgName?: string;
  role: SignerRole;
}

/** A signer as reported by verification: the identity plus the certificate's facts. */
export interface SignerIdentity extends AllianceIdentity {
  /** Serial number: lowercase hex of the DER INTEGER content. */
  serialNumber: string;
  /** SHA-256 of the certificate DER, lowercase hex. */
  fingerprintSha256: string;
  notBefore: Date;
  notAfter: Date;
}

/** What `describeCertificate` reports. */
export interface CertificateDescription {
  subject: string;
  issuer: string;
  serialNumber: string;
  fingerprintSha256: string;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  /** The alliance identity, or null when the subject does not follow the member profile. */
  identity: AllianceIdentity | null;
  /** Extended key usage OIDs (empty when the extension is absent). */
  extendedKeyUsages: string[];
  /** Key usage flag names present (empty when the extension is absent). */
  keyUsages: KeyUsageName[];
}

/** Names of the RFC 5280 keyUsage bits, in bit order. */
export const KEY_USAGE_NAMES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
export type KeyUsageName = (typeof KEY_USAGE_NAMES)[number];

const SHORT_NAMES: Record<string, string> = {
  [SUBJECT_ATTRIBUTE_OIDS.commonName]: 'CN',
  [SUBJECT_ATTRIBUTE_OIDS.countryName]: 'C',
  [SUBJECT_ATTRIBUTE_OIDS.organizationName]: 'O',
  [SUBJECT_ATTRIBUTE_OIDS.organizationalUnitName]: 'OU',
  [SUBJECT_ATTRIBUTE_OIDS.title]: 'title',
  [SUBJECT_ATTRIBUTE_OIDS.description]: 'description',
  [SUBJECT_ATTRIBUTE_OIDS.uid]: 'UID',
};

/** Parses a PEM certificate and describes it (PKI_MALFORMED when it is not one). */
export function describeCertificate(pem: string): CertificateDescription {
  return describeParsedCertificate(parseCertificateDer(fromPem(pem, 'CERTIFICATE')));
}

/** Describes an already parsed certificate. */
export function describeParsedCertificate(cert: pkijs.Certificate): CertificateDescription {
  return {
    subject: nameToString(cert.subject),
    issuer: nameToString(cert.issuer),
    serialNumber: serialHex(cert.serialNumber),
    fingerprintSha256: fingerprintSha256(cert),
    notBefore: cert.notBefore.value,
    notAfter: cert.notAfter.value,
    isCa: basicConstraints(cert)?.cA ?? false,
    identity: allianceIdentity(cert),
    extendedKeyUsages: extendedKeyUsages(cert) ?? [],
    keyUsages: keyUsages(cert) ?? [],
  };
}

/** A one-line rendering of a Name (e.g. "O=acme, CN=Kim"), for display only. */
export function nameToString(name: pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues
    .map((tv) => `${SHORT_NAMES[tv.type] ?? tv.type}=${attributeString(tv.value) ?? '#'}`)
    .join(', ');
}

/** The single string value of a subject attribute, or undefined when absent or repeated. */
export function subjectAttribute(cert: pkijs.Certificate, oid: string): string | undefined {
  const hits = cert.subject.typesAndValues.filter((tv) => tv.type === oid);
  return hits.length === 1 ? attributeString(hits[0].value) : undefined;
}

/** The alliance identity carried in the subject, or null when any part is missing or invalid. */
export function allianceIdentity(cert: pkijs.Certificate): AllianceIdentity | null {
  const personId = subjectAttribute(cert, SUBJECT_ATTRIBUTE_OIDS.uid);
  const name = subjectAttribute(cert, SUBJECT_ATTRIBUTE_OIDS.commonName);
  const orgSlug = subjectAttribute(cert, SUBJECT_ATTRIBUTE_OIDS.organizationName);
  const orgKind = subjectAttribute(cert, SUBJECT_ATTRIBUTE_OIDS.organizationalUnitName);
  const role = subjectAttribute(cert, SUBJECT_ATTRIBUTE_OIDS.title);
  const orgName = subjectAttribute(cert, SUBJECT_ATTRIBUTE_OIDS.description);
  if (personId === undefined || name === undefined || orgSlug === undefined) return null;
  if (orgKind !== 'company' && orgKind !== 'working-group') return null;
  if (role !== 'LEGAL') return null;
  return { personId, name, orgKind, orgSlug, role, ...(orgName === undefined ? {} : { orgName }) };
}

/** basicConstraints of a certificate, or undefined when absent. */
export function basicConstraints(cert: pkijs.Certificate): { cA: boolean; pathLen?: number } | undefined {
  const ext = findExtension(cert.extensions, OID_EXT_BASIC_CONSTRAINTS);
  if (ext === undefined) return undefined;
  const bc = ext.parsedValue as pkijs.BasicConstraints | undefined;
  if (bc === undefined) return { cA: false };
  const pathLen =
    typeof bc.pathLenConstraint === 'number'
      ? bc.pathLenConstraint
      : bc.pathLenConstraint?.valueBlock.valueDec;
  return { cA: bc.cA === true, ...(pathLen === undefined ? {} : { pathLen }) };
}

/** keyUsage flags of a certificate, or undefined when the extension is absent. */
export function keyUsages(cert: pkijs.Certificate): KeyUsageName[] | undefined {
  const ext = findExtension(cert.extensions, OID_EXT_KEY_USAGE);
  if (ext === undefined) return undefined;
  const bits = ext.parsedValue as asn1js.BitString | undefined;
  if (!(bits instanceof asn1js.BitString)) return [];
  const bytes = bits.valueBlock.valueHexView;
  return KEY_USAGE_NAMES.filter((_, i) => i < bytes.length * 8 && (bytes[i >> 3] & (0x80 >> (i & 7))) !== 0);
}

/** extKeyUsage OIDs of a certificate, or undefined when the extension is absent. */
export function extendedKeyUsages(cert: pkijs.Certificate): string[] | undefined {
  const ext = findExtension(cert.extensions, OID_EXT_EXTENDED_KEY_USAGE);
  if (ext === undefined) return undefined;
  const seq = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView).result;
  if (!(seq instanceof asn1js.Sequence)) return [];
  return seq.valueBlock.value.filter((v) => v instanceof asn1js.ObjectIdentifier).map(oidString);
}
