/**
 * One party's signature over a grant or termination document, judged by every rule that needs
 * no database. The hub (PkiService, before its own record checks) and `maxhub contract verify`
 * (offline) both call this, so the offline verdict cannot be weaker than the hub's.
 */
import { PkiError, PkiErrorCode, verifyDetached, type VerifiedSignature } from '@maxhub/pki';
import { assertCanonical, parseCanonicalGrant, parseCanonicalTermination } from './canonical';
import { TERMINATION_SCHEMA, type GrantDocument, type TerminationDocument } from './grant';

/** Tolerated clock difference between a signer's machine and the verifier, in seconds. */
export const SIGNING_CLOCK_SKEW_SECONDS = 300;

/** Inputs of {@link verifyDocumentSignature}: only bytes, PEM and a time (no hub, no network). */
export interface DocumentSignatureInput {
  /** The document's canonical bytes, exactly as signed; the document is read from them. */
  content: Buffer;
  /** The detached CMS, DER or PEM. */
  signature: Buffer | string;
  /** The alliance root(s), PEM. */
  trustAnchorsPem: string[];
  /** The issuing CA (and other intermediates), PEM. */
  intermediatesPem: string[];
  /** The CRL(s) in force, PEM. */
  crlsPem: string[];
  /** The verifier's time: CRLs must be current and the signer's certificate valid then. */
  now: Date;
}

/** The document the signed bytes encode. */
export type SignedDocument =
  { kind: 'grant'; grant: GrantDocument } | { kind: 'termination'; termination: TerminationDocument };

/** A signature that passed every rule, with the document it covers. */
export interface VerifiedDocumentSignature extends VerifiedSignature {
  document: SignedDocument;
}

/** Reads canonical bytes as a grant or a termination document (ContractError when they are neither). */
export function parseSignedDocument(content: Buffer): SignedDocument {
  const value = assertCanonical(content) as { schema?: unknown };
  return value.schema === TERMINATION_SCHEMA
    ? { kind: 'termination', termination: parseCanonicalTermination(content) }
    : { kind: 'grant', grant: parseCanonicalGrant(content) };
}

/**
 * Verifies one signature over a document's canonical bytes:
 * 1. the alliance CMS profile (`verifyDetached`: key profile, algorithms, detached content,
 *    digest, chain to the anchors, validity at the signing time, revocation on a current CRL,
 *    signing time at most SIGNING_CLOCK_SKEW_SECONDS ahead of `now`, grant-signing EKU);
 * 2. the signer's certificate is still valid at `now` (a back-dated signing time cannot revive
 *    an expired certificate): PKI_CERT_EXPIRED;
 * 3. for a grant, the signing time is not before the document's `createdAt` (less the skew):
 *    PKI_SIGNING_TIME_INVALID.
 * Throws ContractError when `content` is not a canonical grant or termination, PkiError for
 * every refusal of the signature. Which party the signer speaks for, and whether the hub issued
 * and still recognises the certificate, are the caller's to decide.
 */
export async function verifyDocumentSignature(p: DocumentSignatureInput): Promise<VerifiedDocumentSignature> {
  const document = parseSignedDocument(p.content);
  const verified = await verifyDetached({
    content: p.content,
    signature: p.signature,
    trustAnchorsPem: p.trustAnchorsPem,
    intermediatesPem: p.intermediatesPem,
    crlsPem: p.crlsPem,
    now: p.now,
    maxClockSkewSeconds: SIGNING_CLOCK_SKEW_SECONDS,
  });
  if (verified.signer.notAfter.getTime() <= p.now.getTime()) {
    throw new PkiError(
      PkiErrorCode.PKI_CERT_EXPIRED,
      'the signer certificate has expired (notAfter is before now; it must be valid when signing and now)',
    );
  }
  if (
    document.kind === 'grant' &&
    verified.signingTime.getTime() < Date.parse(document.grant.createdAt) - SIGNING_CLOCK_SKEW_SECONDS * 1000
  ) {
    throw new PkiError(
      PkiErrorCode.PKI_SIGNING_TIME_INVALID,
      'the signing-time attribute is before the document was drafted (its createdAt)',
    );
  }
  return { ...verified, document };
}
