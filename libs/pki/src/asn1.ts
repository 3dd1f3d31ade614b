/**
 * Thin helpers around pkijs/asn1js: one crypto engine bound to Node's webcrypto (passed
 * explicitly to every pkijs call, so no global engine is installed), strict DER parsing, and
 * conversions between the libraries' byte types.
 */
import { createHash, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { PkiError, PkiErrorCode } from './pki.errors';

/** The pkijs crypto engine on Node's webcrypto. */
export const engine = new pkijs.CryptoEngine({
  name: 'node-webcrypto',
  crypto: webcrypto,
});

/** Copies bytes into a fresh ArrayBuffer (pkijs/asn1js want ArrayBuffer, not Buffer views). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}

/** Parses DER into an asn1js object; refuses trailing bytes and parse errors with PKI_MALFORMED. */
export function parseDer(der: Uint8Array, what: string): asn1js.AsnType {
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1js.fromBER(toArrayBuffer(der));
  } catch (e) {
    // asn1js reports most damage in `offset` but throws on some (e.g. a BMPString of odd length
    // throws a RangeError): for bytes from outside, either way means "not DER".
    throw new PkiError(PkiErrorCode.PKI_MALFORMED, `${what} is not valid DER`, { cause: e });
  }
  if (parsed.offset === -1 || parsed.offset !== der.byteLength) {
    throw new PkiError(PkiErrorCode.PKI_MALFORMED, `${what} is not valid DER`);
  }
  return parsed.result;
}

/** Parses one DER certificate with pkijs (PKI_MALFORMED on failure). */
export function parseCertificateDer(der: Uint8Array): pkijs.Certificate {
  try {
    return new pkijs.Certificate({ schema: parseDer(der, 'certificate') });
  } catch (e) {
    if (e instanceof PkiError) throw e;
    throw new PkiError(PkiErrorCode.PKI_MALFORMED, 'certificate does not match the X.509 schema', {
      cause: e,
    });
  }
}

/** Parses one DER CRL with pkijs (PKI_MALFORMED on failure). */
export function parseCrlDer(der: Uint8Array): pkijs.CertificateRevocationList {
  try {
    return new pkijs.CertificateRevocationList({ schema: parseDer(der, 'CRL') });
  } catch (e) {
    if (e instanceof PkiError) throw e;
    throw new PkiError(PkiErrorCode.PKI_MALFORMED, 'CRL does not match the X.509 CRL schema', { cause: e });
  }
}

/** DER encoding of a pkijs certificate as a Buffer. */
export function certificateDer(cert: pkijs.Certificate): Buffer {
  return Buffer.from(cert.toSchema(true).toBER(false));
}

/** SHA-256 fingerprint (lowercase hex) of a certificate's DER encoding. */
export function fingerprintSha256(cert: pkijs.Certificate): string {
  return createHash('sha256').update(certificateDer(cert)).digest('hex');
}

/**
 * A serial number as the lowercase hex of its DER INTEGER content, exactly as encoded (so a
 * negative serial such as -1 = "ff" never equals the positive 255 = "00ff").
 */
export function serialHex(serial: asn1js.Integer): string {
  return Buffer.from(serial.valueBlock.valueHexView).toString('hex');
}

/** Looks up an extension by OID; pkijs keeps unknown ones too. */
export function findExtension(
  extensions: pkijs.Extension[] | undefined,
  oid: string,
): pkijs.Extension | undefined {
  return extensions?.find((e) => e.extnID === oid);
}

/** Decodes the value of a string-typed attribute (UTF8String, PrintableString, ...) or undefined. */
export function attributeString(value: unknown): string | undefined {
  const block = (value as { valueBlock?: { value?: unknown } } | undefined)?.valueBlock;
  return typeof block?.value === 'string' ? block.value : undefined;
}

/**
 * Dotted-decimal form of an OBJECT IDENTIFIER, decoded from its DER with BigInt arcs: asn1js
 * prints arcs beyond 2^53 (such as the 2.25.<UUID> alliance EKU) as "{hex}".
 */
export function oidString(oid: asn1js.ObjectIdentifier): string {
  const der = Buffer.from(oid.toBER(false));
  let i = 1;
  let len = der[i++];
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let k = 0; k < n; k++) len = len * 256 + der[i++];
  }
  const content = der.subarray(i, i + len);
  const arcs: bigint[] = [];
  let acc = 0n;
  for (const b of content) {
    acc = (acc << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(acc);
      acc = 0n;
    }
  }
  if (arcs.length === 0) return '';
  const first = arcs[0] < 40n ? 0n : arcs[0] < 80n ? 1n : 2n;
  return [first, arcs[0] - first * 40n, ...arcs.slice(1)].map(String).join('.');
}
