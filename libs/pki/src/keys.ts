/**
 * Member-side key material: an RSA key and a CSR made on the user's machine (the private key
 * never leaves it), and PKCS#12 import/export for moving the key into other tools.
 */
import { createHash, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { PkiError, PkiErrorCode } from './pki.errors';
import { forgeCarrierFromPem } from './forge-shim';
import { SUBJECT_ATTRIBUTE_OIDS } from './oids';
import { toPem } from './pem';

/** Size of every RSA key this library generates. */
export const RSA_KEY_BITS = 3072;

/** The organisation kinds a member certificate may name. */
export type OrgKind = 'company' | 'working-group';
/** The roles a member certificate may carry; only legal staff sign grants. */
export type SignerRole = 'LEGAL';

/** Generates an RSA-3072 key pair; returns PKCS#8 and SPKI PEM. */
export function generateRsaKeyPem(bits: number = RSA_KEY_BITS): {
  privateKeyPem: string;
  publicKeyPem: string;
} {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/** Builds forge subject attributes as UTF8String (names may be Korean). */
export function utf8Attributes(attrs: { oid: string; value: string }[]): forge.pki.CertificateField[] {
  return attrs.map((a) => ({
    type: a.oid,
    value: a.value, // forge UTF-8-encodes UTF8String values itself
    valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class,
  }));
}

/** What a member types in when asking for a certificate; the CA does not trust it beyond the key. */
export interface KeyAndCsrRequest {
  name: string;
  org: string;
  orgKind: OrgKind;
  role: SignerRole;
  email?: string;
}

/**
 * Generates an RSA-3072 key and a SHA-256-signed PKCS#10 CSR on the member's machine. The
 * CSR's subject is informational (CN=name, O=org, OU=orgKind, title=role, emailAddress);
 * the alliance CA decides the certificate's subject itself.
 */
export function createKeyAndCsr(req: KeyAndCsrRequest): { privateKeyPem: string; csrPem: string } {
  const { privateKeyPem } = generateRsaKeyPem();
  const key = forge.pki.privateKeyFromPem(privateKeyPem);
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  const attrs = [
    { oid: SUBJECT_ATTRIBUTE_OIDS.commonName, value: req.name },
    { oid: SUBJECT_ATTRIBUTE_OIDS.organizationName, value: req.org },
    { oid: SUBJECT_ATTRIBUTE_OIDS.organizationalUnitName, value: req.orgKind },
    { oid: SUBJECT_ATTRIBUTE_OIDS.title, value: req.role },
  ];
  const subject = utf8Attributes(attrs);
  if (req.email !== undefined) {
    subject.push({
      type: SUBJECT_ATTRIBUTE_OIDS.emailAddress,
      value: req.email,
      valueTagClass: forge.asn1.Type.IA5STRING as unknown as forge.asn1.Class,
    });
  }
  csr.setSubject(subject);
  csr.sign(key, forge.md.sha256.create());
  return { privateKeyPem, csrPem: forge.pki.certificationRequestToPem(csr) };
}

/** What `describeCsr` reports: the claimed subject, the key, and whether the self-signature holds. */
export interface CsrDescription {
  /** Subject attributes as claimed by the requester (untrusted), keyed by OID. */
  claimedSubject: Record<string, string>;
  publicKeyBits: number;
  /** SHA-256 of the DER SubjectPublicKeyInfo, lowercase hex. */
  publicKeySha256: string;
  /** The CSR's signature algorithm OID. */
  signatureAlgorithm: string;
  /** True when the CSR's self-signature verifies (proof of possession). */
  signatureValid: boolean;
}

/** Parses a PEM CSR (RSA only). Throws PKI_CSR_INVALID when it cannot be parsed. */
export function describeCsr(csrPem: string): CsrDescription {
  let csr: ReturnType<typeof forge.pki.certificationRequestFromPem>;
  try {
    csr = forge.pki.certificationRequestFromPem(csrPem);
  } catch (e) {
    throw new PkiError(PkiErrorCode.PKI_CSR_INVALID, 'CSR cannot be parsed (only RSA CSRs are accepted)', {
      cause: e,
    });
  }
  let signatureValid = false;
  try {
    signatureValid = csr.verify();
  } catch {
    signatureValid = false;
  }
  const pub = csr.publicKey as forge.pki.rsa.PublicKey;
  const spkiDer = forge.asn1.toDer(forge.pki.publicKeyToAsn1(pub)).getBytes();
  const claimedSubject: Record<string, string> = {};
  for (const a of csr.subject.attributes) {
    if (a.type !== undefined && typeof a.value === 'string') {
      claimedSubject[a.type] =
        Number(a.valueTagClass) === Number(forge.asn1.Type.UTF8) ? forge.util.decodeUtf8(a.value) : a.value;
    }
  }
  return {
    claimedSubject,
    publicKeyBits: pub.n.bitLength(),
    publicKeySha256: createHash('sha256').update(Buffer.from(spkiDer, 'binary')).digest('hex'),
    signatureAlgorithm: (csr as unknown as { siginfo: { algorithmOid: string } }).siginfo.algorithmOid,
    signatureValid,
  };
}

/** PBKDF2 iteration count for PKCS#12 export. */
const PKCS12_ITERATIONS = 10_000;

/**
 * Packs a private key, its certificate and the chain into a PKCS#12 (AES-256 shrouded key,
 * SHA-1 HMAC integrity as PKCS#12 prescribes) protected by `passphrase`. Returns DER.
 */
export function exportPkcs12(
  keyPem: string,
  certPem: string,
  chainPems: string[],
  passphrase: string,
): Buffer {
  const key = forge.pki.privateKeyFromPem(keyPem);
  const certs = [certPem, ...chainPems].map((p) => forgeCarrierFromPem(p).cert);
  const p12 = forge.pkcs12.toPkcs12Asn1(key, certs, passphrase, {
    algorithm: 'aes256',
    count: PKCS12_ITERATIONS,
    friendlyName: 'maxhub signing key',
  });
  return Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary');
}

/**
 * Opens a PKCS#12 with `passphrase` and returns the one private key (PKCS#8 PEM) and the
 * certificate whose public key matches it. Throws PKI_PKCS12_INVALID otherwise.
 */
export function importPkcs12(der: Buffer, passphrase: string): { privateKeyPem: string; certPem: string } {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der.toString('binary')), true, passphrase);
  } catch (e) {
    throw new PkiError(PkiErrorCode.PKI_PKCS12_INVALID, 'PKCS#12 cannot be opened with this passphrase', {
      cause: e,
    });
  }
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ??
      []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
  ];
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
  // forge leaves `cert` null for certificates it cannot decode (e.g. with the alliance EKU) and
  // keeps their ASN.1: compare public keys on the DER instead.
  if (keyBags.length !== 1 || keyBags[0].key === undefined) {
    throw new PkiError(PkiErrorCode.PKI_PKCS12_INVALID, 'PKCS#12 must hold exactly one private key');
  }
  const key = keyBags[0].key;
  const pkcs8 = forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(key));
  const privateKeyPem = forge.pki.privateKeyInfoToPem(pkcs8);
  const wantedSpki = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' });
  for (const bag of certBags) {
    const asn = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : (bag as { asn1?: forge.asn1.Asn1 }).asn1;
    if (asn === undefined) continue;
    const der = Buffer.from(forge.asn1.toDer(asn).getBytes(), 'binary');
    let spki: Buffer;
    try {
      spki = new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
    } catch {
      continue;
    }
    if (spki.equals(wantedSpki)) return { privateKeyPem, certPem: toPem(der, 'CERTIFICATE') };
  }
  throw new PkiError(PkiErrorCode.PKI_PKCS12_INVALID, 'PKCS#12 holds no certificate for its private key');
}
