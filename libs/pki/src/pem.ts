import { PkiError, PkiErrorCode } from './pki.errors';

/** PEM labels this library reads and writes. */
export type PemLabel = 'CERTIFICATE' | 'X509 CRL' | 'CERTIFICATE REQUEST' | 'PRIVATE KEY' | 'PKCS7' | 'CMS';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/=\s]*$/;

/** Wraps DER bytes in a PEM block with the given label (64-column base64 lines, trailing newline). */
export function toPem(der: Uint8Array, label: PemLabel): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * Decodes the single PEM block of a text whose label is one of `labels` into DER bytes.
 * Throws PKI_MALFORMED when there is no such block, more than one, or the body is not base64.
 */
export function fromPem(pem: string, labels: PemLabel | readonly PemLabel[]): Buffer {
  const wanted = typeof labels === 'string' ? [labels] : labels;
  const blocks = pemBlocks(pem).filter((b) => (wanted as readonly string[]).includes(b.label));
  if (blocks.length !== 1) {
    throw new PkiError(
      PkiErrorCode.PKI_MALFORMED,
      `expected exactly one PEM block labelled ${wanted.join(' or ')}`,
    );
  }
  return blocks[0].der;
}

/** Splits a PEM bundle (e.g. a chain file) into the DER of each block with the given label, in order. */
export function splitPem(pem: string, label: PemLabel): Buffer[] {
  return pemBlocks(pem)
    .filter((b) => b.label === label)
    .map((b) => b.der);
}

/** Accepts a CMS signature as DER or as PEM ("PKCS7" or "CMS" label) and returns DER. */
export function cmsToDer(signature: Buffer | string): Buffer {
  const text = typeof signature === 'string' ? signature : signature.subarray(0, 11).toString('latin1');
  if (text.startsWith('-----BEGIN')) {
    return fromPem(typeof signature === 'string' ? signature : signature.toString('latin1'), [
      'PKCS7',
      'CMS',
    ]);
  }
  if (typeof signature === 'string') {
    throw new PkiError(PkiErrorCode.PKI_MALFORMED, 'a signature given as text must be PEM');
  }
  return signature;
}

function pemBlocks(pem: string): { label: string; der: Buffer }[] {
  const out: { label: string; der: Buffer }[] = [];
  for (const m of pem.matchAll(PEM_BLOCK)) {
    const body = m[2];
    if (!BASE64_BODY.test(body)) {
      throw new PkiError(PkiErrorCode.PKI_MALFORMED, 'PEM body is not base64');
    }
    out.push({ label: m[1], der: Buffer.from(body.replace(/\s+/g, ''), 'base64') });
  }
  return out;
}
