/**
 * Which public keys the alliance profile admits, checked wherever a key enters: a CSR before the
 * CA signs it, and every certificate of a path (signer, intermediates, trust anchor) before its
 * key verifies anything. The profile names no elliptic curves (node-forge, the CA, can only do
 * RSA), so only RSA keys qualify.
 *
 * Why the exponent is pinned: with e = 1 the "signature" of a message is its own padded digest,
 * so anyone holding the certificate can sign in its owner's name; small exponents such as 3
 * invite Bleichenbacher-style forgeries against lenient verifiers. 65537 is what every
 * mainstream key generator (node:crypto, OpenSSL, forge) uses.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { parseDer } from './asn1';
import { OID_RSA_ENCRYPTION } from './oids';
import { PkiError, PkiErrorCode } from './pki.errors';

/** Bounds on RSA keys; the exponent is always 65537. */
export interface KeyProfile {
  /** Smallest RSA modulus accepted, in bits. */
  minRsaModulusBits: number;
  /** Largest RSA modulus accepted, in bits (bounds the cost of one verification). */
  maxRsaModulusBits: number;
}

/** The alliance profile: RSA with a 3072..8192-bit modulus and public exponent 65537. */
export const ALLIANCE_KEY_PROFILE: KeyProfile = { minRsaModulusBits: 3072, maxRsaModulusBits: 8192 };

/** The only RSA public exponent the profile accepts. */
export const RSA_PUBLIC_EXPONENT = 65537;

/** What a key check reports about an RSA key that is inside the profile. */
export interface RsaKeyFacts {
  modulusBits: number;
}

/**
 * Checks a SubjectPublicKeyInfo against `profile`: rsaEncryption with NULL parameters, an
 * RSAPublicKey in strict DER, a positive odd modulus of allowed size, exponent 65537. `what`
 * names the key in the message ("the CSR's public key", "the signer certificate's public key").
 * Throws PkiError PKI_KEY_OUTSIDE_PROFILE; never echoes key material.
 */
export function checkPublicKeyInfo(
  spki: pkijs.PublicKeyInfo,
  profile: KeyProfile,
  what: string,
): RsaKeyFacts {
  const refuse = (why: string): never => {
    throw new PkiError(
      PkiErrorCode.PKI_KEY_OUTSIDE_PROFILE,
      `${what} ${why} (the profile requires RSA ${profile.minRsaModulusBits}..${profile.maxRsaModulusBits} bits with exponent ${RSA_PUBLIC_EXPONENT})`,
    );
  };
  if (spki.algorithm.algorithmId !== OID_RSA_ENCRYPTION) return refuse('is not an RSA key');
  if (!(spki.algorithm.algorithmParams instanceof asn1js.Null))
    return refuse('has rsaEncryption parameters other than NULL');
  const bits = spki.subjectPublicKey;
  if (!(bits instanceof asn1js.BitString) || bits.valueBlock.unusedBits !== 0)
    return refuse('is not a whole-byte BIT STRING');
  let rsa: asn1js.AsnType;
  try {
    rsa = parseDer(bits.valueBlock.valueHexView, 'RSA public key');
  } catch {
    return refuse('is not a DER RSAPublicKey');
  }
  const parts = rsa instanceof asn1js.Sequence ? rsa.valueBlock.value : [];
  if (parts.length !== 2 || !(parts[0] instanceof asn1js.Integer) || !(parts[1] instanceof asn1js.Integer)) {
    return refuse('is not an RSAPublicKey (modulus, exponent)');
  }
  const modulus = minimalPositive(parts[0].valueBlock.valueHexView);
  const exponent = minimalPositive(parts[1].valueBlock.valueHexView);
  if (modulus === null) return refuse('has a modulus that is not a minimally encoded positive integer');
  if (exponent === null)
    return refuse('has an RSA public exponent that is not a minimally encoded positive integer');
  if (!(exponent.length === 3 && exponent[0] === 0x01 && exponent[1] === 0x00 && exponent[2] === 0x01)) {
    return refuse(`has an RSA public exponent other than ${RSA_PUBLIC_EXPONENT}`);
  }
  const modulusBits = (modulus.length - 1) * 8 + (32 - Math.clz32(modulus[0]));
  if (modulusBits < profile.minRsaModulusBits)
    return refuse(`has an RSA modulus shorter than ${profile.minRsaModulusBits} bits`);
  if (modulusBits > profile.maxRsaModulusBits)
    return refuse(`has an RSA modulus longer than ${profile.maxRsaModulusBits} bits`);
  if ((modulus[modulus.length - 1] & 1) === 0) return refuse('has an even RSA modulus');
  return { modulusBits };
}

/** Checks the key of a certificate (see {@link checkPublicKeyInfo}). */
export function checkCertificateKey(cert: pkijs.Certificate, profile: KeyProfile, what: string): RsaKeyFacts {
  return checkPublicKeyInfo(cert.subjectPublicKeyInfo, profile, what);
}

/** Checks a DER SubjectPublicKeyInfo (e.g. a CSR's). Unparseable DER is PKI_KEY_OUTSIDE_PROFILE too. */
export function checkSpkiDer(der: Uint8Array, profile: KeyProfile, what: string): RsaKeyFacts {
  let spki: pkijs.PublicKeyInfo;
  try {
    spki = new pkijs.PublicKeyInfo({ schema: parseDer(der, 'public key') });
  } catch (e) {
    throw new PkiError(PkiErrorCode.PKI_KEY_OUTSIDE_PROFILE, `${what} is not a DER SubjectPublicKeyInfo`, {
      cause: e,
    });
  }
  return checkPublicKeyInfo(spki, profile, what);
}

/** The magnitude bytes of a DER INTEGER's content when it is positive and minimal, else null. */
function minimalPositive(content: Uint8Array): Uint8Array | null {
  if (content.length === 0 || (content[0] & 0x80) !== 0) return null; // empty or negative
  if (content[0] === 0x00) {
    if (content.length === 1 || (content[1] & 0x80) === 0) return null; // zero, or a redundant leading zero
    return content.subarray(1);
  }
  return content;
}
