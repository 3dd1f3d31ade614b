import { generateKeyPairSync } from 'node:crypto';
import * as asn1js from 'asn1js';
import { ALLIANCE_KEY_PROFILE, checkSpkiDer } from './key-profile';
import { OID_RSA_ENCRYPTION } from './oids';
import { PkiError, PkiErrorCode } from './pki.errors';

/** A SubjectPublicKeyInfo DER for an RSA key given as raw INTEGER contents (no key generation needed). */
function rsaSpki(modulus: Buffer, exponent: Buffer, params: asn1js.AsnType = new asn1js.Null()): Buffer {
  const rsa = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ valueHex: new Uint8Array(modulus) }),
      new asn1js.Integer({ valueHex: new Uint8Array(exponent) }),
    ],
  });
  const spki = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID_RSA_ENCRYPTION }), params] }),
      new asn1js.BitString({ valueHex: rsa.toBER(false) }),
    ],
  });
  return Buffer.from(spki.toBER(false));
}

/** A positive odd modulus of exactly `bits` bits, as minimal INTEGER content. */
function modulusOf(bits: number): Buffer {
  const bytes = Buffer.alloc(Math.ceil(bits / 8), 0xa5);
  bytes[0] = 1 << ((bits - 1) % 8); // the highest bit of the top byte is bit number bits-1
  bytes[bytes.length - 1] |= 1;
  return bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

const F4 = Buffer.from([0x01, 0x00, 0x01]);

function reason(der: Buffer): string {
  try {
    checkSpkiDer(der, ALLIANCE_KEY_PROFILE, 'the key');
    return 'OK';
  } catch (e) {
    if (!(e instanceof PkiError)) throw e;
    expect(e.code).toBe(PkiErrorCode.PKI_KEY_OUTSIDE_PROFILE);
    return e.message;
  }
}

describe('the alliance key profile', () => {
  it('accepts RSA 3072 and 8192 bits with exponent 65537', () => {
    expect(reason(rsaSpki(modulusOf(3072), F4))).toBe('OK');
    expect(reason(rsaSpki(modulusOf(8192), F4))).toBe('OK');
    expect(checkSpkiDer(rsaSpki(modulusOf(3072), F4), ALLIANCE_KEY_PROFILE, 'k')).toEqual({
      modulusBits: 3072,
    });
  });

  it.each([
    ['1', [0x01]],
    ['3', [0x03]],
    ['65539', [0x01, 0x00, 0x03]],
    ['2^64+1', [0x01, 0, 0, 0, 0, 0, 0, 0, 0x01]],
  ])('refuses an RSA public exponent of %s', (_label, e) => {
    expect(reason(rsaSpki(modulusOf(3072), Buffer.from(e)))).toMatch(/exponent other than 65537/);
  });

  it('refuses moduli outside 3072..8192 bits', () => {
    expect(reason(rsaSpki(modulusOf(3071), F4))).toMatch(/shorter than 3072 bits/);
    expect(reason(rsaSpki(modulusOf(2048), F4))).toMatch(/shorter than 3072 bits/);
    expect(reason(rsaSpki(modulusOf(8193), F4))).toMatch(/longer than 8192 bits/);
  });

  it('refuses an even, negative or non-minimally encoded modulus, and a redundant zero in the exponent', () => {
    const even = modulusOf(3072);
    even[even.length - 1] &= 0xfe;
    expect(reason(rsaSpki(even, F4))).toMatch(/even RSA modulus/);
    expect(reason(rsaSpki(modulusOf(3072).subarray(1), F4))).toMatch(/minimally encoded positive/); // top bit set: negative
    expect(reason(rsaSpki(Buffer.concat([Buffer.from([0]), modulusOf(3072)]), F4))).toMatch(
      /minimally encoded positive/,
    );
    expect(reason(rsaSpki(modulusOf(3072), Buffer.from([0x00, 0x01, 0x00, 0x01])))).toMatch(
      /exponent that is not a minimally encoded/,
    );
  });

  it('refuses rsaEncryption parameters other than NULL', () => {
    expect(reason(rsaSpki(modulusOf(3072), F4, new asn1js.Integer({ value: 0 })))).toMatch(
      /parameters other than NULL/,
    );
  });

  it('refuses keys that are not RSA: EC P-256 and Ed25519 (the profile names no curves)', () => {
    for (const der of [
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }),
      generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }),
    ]) {
      expect(reason(der)).toMatch(/is not an RSA key/);
    }
  });

  it('refuses bytes that are not a SubjectPublicKeyInfo', () => {
    expect(reason(Buffer.from('not a key'))).toMatch(/not a DER SubjectPublicKeyInfo/);
    expect(reason(Buffer.concat([rsaSpki(modulusOf(3072), F4), Buffer.from([0])]))).toMatch(
      /not a DER SubjectPublicKeyInfo/,
    );
  });
});
