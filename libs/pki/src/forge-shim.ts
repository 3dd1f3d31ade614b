/**
 * node-forge cannot parse certificates whose extensions hold OID arcs above 53 bits, such as the
 * alliance EKU under 2.25.<UUID>. Where forge only needs to *carry* a certificate (CMS
 * certificate set, PKCS#12 cert bags, the signer's issuer and serial), this builds the minimal
 * object forge reads from the certificate's DER without decoding its extensions.
 */
import forge from 'node-forge';
import { PkiError, PkiErrorCode } from './pki.errors';
import { fromPem } from './pem';

/** The parts of a certificate forge needs to embed it and to name it as a signer. */
export interface ForgeCertificateCarrier {
  /** Stand-in accepted by forge's certificateToAsn1 (uses the cached TBSCertificate). */
  cert: forge.pki.Certificate;
  /** Issuer attributes as forge's RDNAttributesAsArray returns them (bytes and string tags preserved). */
  issuerAttributes: forge.pki.CertificateField[];
  /** Serial number as hex, as forge writes it. */
  serialNumber: string;
}

/** Builds a forge certificate carrier from a PEM certificate. */
export function forgeCarrierFromPem(pem: string): ForgeCertificateCarrier {
  return forgeCarrierFromDer(fromPem(pem, 'CERTIFICATE'));
}

/** Builds a forge certificate carrier from DER. */
export function forgeCarrierFromDer(der: Buffer): ForgeCertificateCarrier {
  try {
    const asn = forge.asn1.fromDer(der.toString('binary'));
    const [tbs, sigAlg, sigBits] = asn.value as forge.asn1.Asn1[];
    const tbsParts = tbs.value as forge.asn1.Asn1[];
    // TBSCertificate: [0] version, serialNumber, signature, issuer, ...
    const offset = tbsParts[0].tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
    const serial = tbsParts[offset].value as string;
    const issuer = tbsParts[offset + 2];
    const signatureOid = forge.asn1.derToOid((sigAlg.value as forge.asn1.Asn1[])[0].value as string);
    const cert = {
      tbsCertificate: tbs,
      signatureOid,
      signatureParameters: {},
      signature: (sigBits.value as string).substring(1),
    } as unknown as forge.pki.Certificate;
    return {
      cert,
      issuerAttributes: nameAttributes(issuer),
      serialNumber: forge.util.bytesToHex(serial),
    };
  } catch (e) {
    throw new PkiError(PkiErrorCode.PKI_MALFORMED, 'certificate cannot be read', { cause: e });
  }
}

interface ForgePkiInternals {
  RDNAttributesAsArray(rdn: forge.asn1.Asn1): forge.pki.CertificateField[];
}

/**
 * A Name's attributes in the form forge writes back byte-identically: forge keeps UTF8String
 * values as raw bytes when parsing but UTF-8-encodes them when writing, so decode them here.
 */
export function nameAttributes(name: forge.asn1.Asn1): forge.pki.CertificateField[] {
  const attrs = (forge.pki as unknown as ForgePkiInternals).RDNAttributesAsArray(name);
  return attrs.map((a) =>
    Number(a.valueTagClass) === Number(forge.asn1.Type.UTF8) && typeof a.value === 'string'
      ? { ...a, value: forge.util.decodeUtf8(a.value) }
      : a,
  );
}

/** Subject attributes of a PEM certificate, ready to be written by forge as an issuer name. */
export function forgeSubjectAttributesFromPem(pem: string): forge.pki.CertificateField[] {
  const asn = forge.asn1.fromDer(fromPem(pem, 'CERTIFICATE').toString('binary'));
  const tbsParts = (asn.value as forge.asn1.Asn1[])[0].value as forge.asn1.Asn1[];
  const offset = tbsParts[0].tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  return nameAttributes(tbsParts[offset + 4]);
}
