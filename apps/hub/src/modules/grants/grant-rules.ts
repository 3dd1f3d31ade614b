import { createHash } from 'node:crypto';
import {
  ContractError,
  type ContractErrorCode,
  MAX_DOCUMENT_BYTES,
  signerMatchesParty,
  type GrantDataset,
  type GrantDocument,
  type SignerOrgIdentity,
} from '@maxhub/contracts';
import type { CertificateEntity, GrantEntity, GrantState, GrantVersionEntity } from '@maxhub/db';
import { PkiError, PkiErrorCode } from '@maxhub/pki';
import {
  type AuditRecord,
  badInput,
  conflict,
  CoreErrorCode,
  HubError,
  isDatabaseUnavailable,
  type PartyRule,
  unavailable,
} from '@maxhub/core';
import { GrantErrorCode as E } from './grants.errors';
import { GrantPartyEnum } from './grant.models';

/*
 * The grant lifecycle's rules as pure functions: no Nest, no database, no clock of their own
 * (`now` and `at` are arguments). The services read and write (GrantsService: drafts and reads;
 * GrantSigningService: signatures and terminations; GrantGateService: the check every data access
 * makes; GrantSweepService: expiry and revocation); what they decide is decided here, and each
 * rule and each refusal is unit-tested in grant-rules.spec.ts.
 */

// ---------------------------------------------------------------- states

/** The states in which a version is in force (at most one per grant: a partial unique index). */
export const LIVE: GrantState[] = ['ACTIVE', 'SUSPENDED'];

/** The state of a version as of `now`: the stored one, with term expiry and revoked or expired signer certificates applied. */
export function effectiveState(
  v: Pick<GrantVersionEntity, 'state' | 'termUntil'>,
  signatures: ReadonlyArray<{
    replacedAt: Date | null;
    certificate?: Pick<CertificateEntity, 'revokedAt' | 'notAfter'> | null;
  }>,
  now: Date,
): GrantState {
  if (['TERMINATED', 'EXPIRED', 'SUPERSEDED'].includes(v.state)) return v.state;
  if (v.termUntil <= now) return 'EXPIRED';
  if (v.state === 'ACTIVE') {
    const broken = signatures.some(
      (s) =>
        s.replacedAt === null &&
        s.certificate &&
        (s.certificate.revokedAt !== null || s.certificate.notAfter <= now),
    );
    if (broken) return 'SUSPENDED';
  }
  return v.state;
}

/** A version can be signed while it is drafted, awaiting signatures or live; CONFLICT otherwise. */
export function assertSignable(
  v: Pick<GrantVersionEntity, 'state' | 'version'> &
    Partial<Pick<GrantVersionEntity, 'reviewStatus' | 'reviewErrorCode'>>,
): void {
  // The document a signer reads must carry the review's levels and figures (invariant 8).
  if (v.reviewStatus === 'PENDING') {
    throw conflict(
      E.GRANT_REVIEW_PENDING,
      `the risk review of version ${v.version} is still running; its document is final (and can be signed) once the review is READY`,
    );
  }
  if (v.reviewStatus === 'FAILED') {
    throw conflict(
      E.GRANT_REVIEW_FAILED,
      `the risk review of version ${v.version} failed (${v.reviewErrorCode ?? 'unknown'}); this version can never be signed: draft a corrected one`,
    );
  }
  if (v.state === 'TERMINATED') {
    throw conflict(
      E.GRANT_TERMINATED,
      `the grant was terminated; version ${v.version} can no longer be signed`,
    );
  }
  if (!['DRAFT', 'AWAITING_SIGNATURES', 'SUSPENDED', 'ACTIVE'].includes(v.state)) {
    throw conflict(
      E.GRANT_VERSION_NOT_SIGNABLE,
      `version ${v.version} is ${v.state} and can no longer be signed`,
    );
  }
}

/**
 * What a new signature does to the version it was attached to, given the parties whose current
 * signatures it now has: both → `ACTIVATE`; one, on a draft → AWAITING_SIGNATURES; one, on an
 * ACTIVE version that lost a signature → SUSPENDED until that party signs again; else no change.
 */
export function afterSignature(
  state: GrantState,
  signedParties: ReadonlySet<string>,
): 'ACTIVATE' | 'AWAITING_SIGNATURES' | 'SUSPENDED' | null {
  if (signedParties.has('GRANTOR') && signedParties.has('GRANTEE')) return 'ACTIVATE';
  if (state === 'DRAFT') return 'AWAITING_SIGNATURES';
  if (state === 'ACTIVE') return 'SUSPENDED';
  return null;
}

/** The audit action of an activation: a version that was live before is reactivated. */
export function activationAction(state: GrantState): 'grant.activated' | 'grant.reactivated' {
  return state === 'SUSPENDED' || state === 'ACTIVE' ? 'grant.reactivated' : 'grant.activated';
}

// ---------------------------------------------------------------- who

/** Who sees a grant: any member of either party, and the operator; anyone else gets NOT_FOUND. */
export const SEES_GRANT: PartyRule = { company: 'ANY', workingGroup: 'ANY', adminPasses: true };

/** Who changes a grant (drafts, signs, terminates): LEGAL staff of either party, and the operator. */
export const CHANGES_GRANT: PartyRule = { company: ['LEGAL'], workingGroup: ['LEGAL'], adminPasses: true };

/** Who queries a grant's data: ANALYSTs of its grantee working group (the operator only as one). */
export const QUERIES_GRANT: PartyRule = { workingGroup: ['ANALYST'] };

/** A grant's two parties, as AccessService reads them. */
export function partiesOf(g: Pick<GrantEntity, 'grantorCompanyId' | 'granteeWorkingGroupId'>): {
  companyId: string;
  workingGroupId: string;
} {
  return { companyId: g.grantorCompanyId, workingGroupId: g.granteeWorkingGroupId };
}

/** An amendment keeps the grant's grantor company and grantee working group. */
export function assertAmendmentKeepsParties(
  existing: Pick<GrantEntity, 'grantorCompanyId' | 'granteeWorkingGroupId'>,
  companyId: string,
  workingGroupId: string,
): void {
  if (existing.grantorCompanyId !== companyId || existing.granteeWorkingGroupId !== workingGroupId) {
    throw badInput(E.GRANT_AMENDS_NOT_LIVE, 'an amendment keeps the grant’s grantor and grantee');
  }
}

/** A drafted term starts before it ends, and ends after `now`. */
export function assertTermValid(from: Date, until: Date, now: Date): void {
  if (!(from < until) || until <= now) {
    throw badInput(E.GRANT_TERM_INVALID, 'the term must start before it ends, and end in the future');
  }
}

/** What decides a verified signer's party: the certificate's identity, and the hub's record of it. */
export interface SignerFacts {
  signer: SignerOrgIdentity;
  certificate: Pick<CertificateEntity, 'orgKind' | 'companyId' | 'workingGroupId'>;
}

/**
 * The party a verified signer speaks for: the certificate must name the grantor company or the
 * grantee working group as LEGAL (on the document's slugs), and the hub's record of it must agree
 * (same kind of organisation, same id); else BAD_USER_INPUT GRANT_SIGNER_NOT_A_PARTY.
 */
export function signerParty(
  verified: SignerFacts,
  doc: Pick<GrantDocument, 'grantor' | 'grantee'>,
  grant: Pick<GrantEntity, 'grantorCompanyId' | 'granteeWorkingGroupId'>,
): GrantPartyEnum {
  const party = signerMatchesParty(verified.signer, doc);
  const c = verified.certificate;
  const recordAgrees =
    (party === 'GRANTOR' && c.orgKind === 'company' && c.companyId === grant.grantorCompanyId) ||
    (party === 'GRANTEE' &&
      c.orgKind === 'working-group' &&
      c.workingGroupId === grant.granteeWorkingGroupId);
  if (!party || !recordAgrees) {
    throw badInput(
      E.GRANT_SIGNER_NOT_A_PARTY,
      'the signer’s certificate is not a LEGAL certificate of the grantor company or the grantee working group',
    );
  }
  return party as GrantPartyEnum;
}

/** The party the caller says they sign for, when they say one, is the certificate's. */
export function assertClaimedParty(party: GrantPartyEnum, claimed: GrantPartyEnum | undefined): void {
  if (claimed && claimed !== party) {
    throw badInput(
      E.GRANT_SIGNER_PARTY_MISMATCH,
      `the certificate signs for the ${party.toLowerCase()}, not the ${claimed.toLowerCase()}`,
    );
  }
}

/** The two parties' signers are different people: the other party's current signer may not sign. */
export function assertNotOtherPartysSigner(
  current: ReadonlyArray<{ party: string; signerUserId: string }>,
  party: GrantPartyEnum,
  signerUserId: string,
): void {
  const other = current.find((s) => s.party !== String(party));
  if (other && other.signerUserId === signerUserId) {
    throw badInput(E.GRANT_SAME_SIGNER, 'the same person may not sign for both parties');
  }
}

/** A termination names this grant and its live version. */
export function assertTerminationMatches(
  termination: { grantId: string; grantSha256: string },
  grantId: string,
  liveSha256: string,
): void {
  if (termination.grantId !== grantId || termination.grantSha256 !== liveSha256) {
    throw badInput(E.GRANT_TERMINATION_MISMATCH, 'the termination document names another grant or version');
  }
}

/** The party a termination names is the one its signer signs for. */
export function assertTerminationParty(signerParty: GrantPartyEnum, named: string): void {
  if (signerParty !== (named as GrantPartyEnum)) {
    throw badInput(
      E.GRANT_SIGNER_PARTY_MISMATCH,
      'the termination names a party the signer does not sign for',
    );
  }
}

// ---------------------------------------------------------------- inputs

/** Largest signature the hub accepts (a CMS with a three-certificate chain is ~6 KB). */
export const MAX_SIGNATURE_BYTES = 64 * 1024;
/** Largest termination document the hub accepts. */
export const MAX_TERMINATION_BYTES = 64 * 1024;
/** Largest draft input (serialized), the same as the largest grant document. */
export const MAX_DRAFT_BYTES = MAX_DOCUMENT_BYTES;

/** SHA-256 of bytes, as lowercase hex (how the hub records every hash). */
export const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/**
 * SHA-256 (hex) of an argument as the caller sent it, for a refusal's audit entry: the log can
 * tell repeated attempts apart without holding their text. Null beyond `maxChars` (refused anyway).
 */
export function submittedSha256(text: string, maxChars: number): string | null {
  return text.length > maxChars ? null : sha256Hex(Buffer.from(text, 'utf8'));
}

/** Depth of a JSON-like value, iteratively (a hostile input cannot exhaust the stack); stops past `limit`. */
export function depthOf(value: unknown, limit: number): number {
  const stack: Array<[unknown, number]> = [[value, 0]];
  let max = 0;
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    max = Math.max(max, d + 1);
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

/** A signature given as PEM ("PKCS7"/"CMS") or base64 DER, as DER; size-limited before decoding. */
export function signatureDer(signature: string): Buffer {
  if (signature.length > MAX_SIGNATURE_BYTES * 2) {
    throw badInput(E.GRANT_UPLOAD_TOO_LARGE, `a signature may be at most ${MAX_SIGNATURE_BYTES} bytes`);
  }
  const t = signature.trim();
  const pem = /^-----BEGIN (PKCS7|CMS)-----([A-Za-z0-9+/=\s]*)-----END \1-----$/.exec(t);
  const b64 = pem ? pem[2].replace(/\s+/g, '') : t.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
    throw badInput(E.GRANT_SIGNATURE_MALFORMED, 'the signature must be PEM ("PKCS7" or "CMS") or base64 DER');
  }
  const der = Buffer.from(b64, 'base64');
  if (der.length > MAX_SIGNATURE_BYTES) {
    throw badInput(E.GRANT_UPLOAD_TOO_LARGE, `a signature may be at most ${MAX_SIGNATURE_BYTES} bytes`);
  }
  return der;
}

/** Maps a @maxhub/contracts error to the hub's GRANT_ code (same rule, same message). */
export function fromContract(err: ContractError): HubError {
  return badInput(grantCodeOf(err.code), err.message);
}

/** The hub's GRANT_ code of a @maxhub/contracts code (every one has its twin; a unit test checks). */
export function grantCodeOf(code: ContractErrorCode): E {
  return code.replace(/^CONTRACT_/, 'GRANT_') as E;
}

/** Maps a @maxhub/pki verification error: the PKI_ code itself is the reason. */
export function fromPki(err: PkiError): HubError {
  return badInput(err.code, err.message);
}

/** A grant event for the audit log: both parties' logs, the grant as subject. */
export function grantEvent(
  actorUserId: string | null,
  action: string,
  companyId: string,
  workingGroupId: string,
  grantId: string,
  details: AuditRecord['details'],
): AuditRecord {
  return {
    actorUserId,
    action,
    companyId,
    workingGroupId,
    subjectType: 'grant',
    subjectId: grantId,
    details,
  };
}

// ---------------------------------------------------------------- the gate

/**
 * What the gate judges, read in one query (GrantGateService): the grant's parties, its live
 * (ACTIVE or SUSPENDED) version or else the state of its latest, the SHA-256 of the stored
 * document computed by the database in that query, the current signatures with the certificate
 * records they name, and the issuing CA's newest CRL number.
 */
export interface AccessSnapshot {
  grantorCompanyId: string;
  granteeWorkingGroupId: string;
  versionId: string | null;
  version: number | null;
  state: GrantState | null;
  stateReason: string | null;
  termFrom: Date | null;
  termUntil: Date | null;
  sha256: string | null;
  documentSha256: string | null;
  latestState: GrantState | null;
  crlNumber: string | null;
  signatures: Array<{
    party: 'GRANTOR' | 'GRANTEE';
    certificateId: string;
    cmsSha256: string;
    serialNumber: string;
    issuerFingerprint: string;
    fingerprintSha256: string;
    userId: string;
    notAfter: string;
    revokedAt: string | null;
  }>;
}

/** The live version the gate goes on to verify. */
export interface LiveVersion {
  id: string;
  version: number;
  state: GrantState;
  termFrom: Date;
  termUntil: Date;
}

/** A refusal of the gate: the grant exists and may be asked about, but does not open (FORBIDDEN). */
export interface GateRefusal {
  code: E;
  message: string;
  details?: HubError['details'];
}

/** One step of the gate's decision: go on with `open`, or stop with `refused`. */
export type GateDecision<T> = { open: T } | { refused: GateRefusal };

/** The error a gate refusal is answered with. */
export function gateRefusal(r: GateRefusal): HubError {
  return new HubError('FORBIDDEN', r.code, r.message, { details: r.details });
}

const SUSPENDED_SENTENCE = 'a signer’s certificate is revoked or expired; that party must sign again';
/** The two parties, in the order the gate checks their signatures. */
export const PARTIES = ['GRANTOR', 'GRANTEE'] as const;

/**
 * The gate's decision over the snapshot's states and term at `at`, before anything is verified:
 * no live version → TERMINATED, EXPIRED or NOT_ACTIVE by the latest version's state; past its
 * term → EXPIRED; SUSPENDED (details.reason); before its term → NOT_ACTIVE; else the live version.
 */
export function liveVersionDecision(snap: AccessSnapshot, at: Date): GateDecision<LiveVersion> {
  const { versionId, version, termFrom, termUntil } = snap;
  if (versionId === null || version === null || termFrom === null || termUntil === null) {
    if (snap.latestState === 'TERMINATED')
      return { refused: { code: E.GRANT_TERMINATED, message: 'the grant was terminated' } };
    if (snap.latestState === 'EXPIRED')
      return { refused: { code: E.GRANT_EXPIRED, message: 'the grant’s term has ended' } };
    return {
      refused: {
        code: E.GRANT_NOT_ACTIVE,
        message: 'the grant is not active (not yet signed by both parties)',
      },
    };
  }
  if (termUntil <= at) return { refused: { code: E.GRANT_EXPIRED, message: 'the grant’s term has ended' } };
  if (snap.state === 'SUSPENDED') {
    return {
      refused: {
        code: E.GRANT_SUSPENDED,
        message: SUSPENDED_SENTENCE,
        details: { reason: snap.stateReason },
      },
    };
  }
  if (at < termFrom)
    return { refused: { code: E.GRANT_NOT_ACTIVE, message: 'the grant’s term has not started yet' } };
  return { open: { id: versionId, version, state: snap.state!, termFrom, termUntil } };
}

/** The gate's own verdict that stored document bytes do not match what was signed. */
export class DocumentMismatch extends Error {}

/**
 * The recorded SHA-256 of the live document when the bytes stored now hash to it (the database
 * hashed them in the snapshot's query, so a tampered row is caught whether or not its parse is
 * cached); else null.
 */
export function intactDocumentSha256(snap: Pick<AccessSnapshot, 'sha256' | 'documentSha256'>): string | null {
  return snap.sha256 !== null && snap.documentSha256 === snap.sha256 ? snap.sha256 : null;
}

/** The parsed document is the grant and version the row says it is. */
export function documentIsVersion(
  document: Pick<GrantDocument, 'grantId' | 'version'>,
  grantId: string,
  version: number,
): boolean {
  return document.grantId === grantId && document.version === version;
}

/**
 * A failure while the gate read or parsed the stored document: only its own verdicts
 * (DocumentMismatch, the canonical parser's ContractError) mean tampering; anything else is a
 * failed read and answers SERVICE_UNAVAILABLE.
 */
export function documentFailure(err: unknown): HubError {
  if (!(err instanceof DocumentMismatch || err instanceof ContractError)) return gateUnavailable(err);
  return gateRefusal({
    code: E.GRANT_DOCUMENT_TAMPERED,
    message: 'the stored grant no longer matches what was signed',
  });
}

/** The grant's terms for `datasetId`, or GRANT_DATASET_NOT_GRANTED. */
export function grantedDataset(
  document: Pick<GrantDocument, 'datasets'>,
  datasetId: string,
): GateDecision<GrantDataset> {
  const dataset = document.datasets.find((d) => d.datasetId === datasetId);
  return dataset
    ? { open: dataset }
    : { refused: { code: E.GRANT_DATASET_NOT_GRANTED, message: 'the dataset is not part of this grant' } };
}

/** A party without a current signature. */
export function missingSignature(party: (typeof PARTIES)[number]): GateRefusal {
  return { code: E.GRANT_SIGNATURE_INVALID, message: `the ${party.toLowerCase()}’s signature is missing` };
}

/**
 * A failure while the gate verified a party's stored signature. Only verification verdicts
 * (PkiError, the hub's own refusals) judge the signature: a revoked or expired certificate
 * suspends (details.reason), any other verdict is GRANT_SIGNATURE_INVALID (details.pkiCode). The
 * hub's SERVICE_UNAVAILABLE passes as it is; anything else is a failed read (SERVICE_UNAVAILABLE).
 */
export function signatureFailure(party: (typeof PARTIES)[number], err: unknown): HubError {
  if (err instanceof HubError && err.category === 'SERVICE_UNAVAILABLE') return err;
  if (!(err instanceof PkiError || err instanceof HubError)) return gateUnavailable(err);
  const code = err.code;
  if (code === PkiErrorCode.PKI_CERT_REVOKED || code === PkiErrorCode.PKI_CERT_EXPIRED) {
    return gateRefusal({ code: E.GRANT_SUSPENDED, message: SUSPENDED_SENTENCE, details: { reason: code } });
  }
  return gateRefusal({
    code: E.GRANT_SIGNATURE_INVALID,
    message: `the ${party.toLowerCase()}’s signature does not verify`,
    details: { pkiCode: code },
  });
}

/**
 * A verified signature still has to be the party's: its certificate names that party on this
 * document, and is the certificate record the stored signature names.
 */
export function signerMismatch(
  party: (typeof PARTIES)[number],
  document: Pick<GrantDocument, 'grantor' | 'grantee'>,
  verified: { signer: SignerOrgIdentity; certificate: { id: string } },
  storedCertificateId: string,
): GateRefusal | null {
  if (
    signerMatchesParty(verified.signer, document) === party &&
    verified.certificate.id === storedCertificateId
  )
    return null;
  return {
    code: E.GRANT_SIGNATURE_INVALID,
    message: `the ${party.toLowerCase()}’s signer does not match the party`,
    details: { pkiCode: null },
  };
}

/** The two parties' signers (by person) are different people. */
export function distinctSigners(signerUserIds: ReadonlySet<string>): GateRefusal | null {
  return signerUserIds.size === 2
    ? null
    : { code: E.GRANT_SIGNATURE_INVALID, message: 'the two signers must be different people' };
}

/**
 * A failure of the gate's infrastructure (database, storage) while it read what it checks: the
 * access is refused, but as SERVICE_UNAVAILABLE with its own reason, never as a security verdict.
 */
export function gateUnavailable(err: unknown): HubError {
  return isDatabaseUnavailable(err)
    ? unavailable(
        CoreErrorCode.DATABASE_UNAVAILABLE,
        'the grant cannot be checked right now (database unreachable)',
        err,
      )
    : unavailable(E.GRANT_CHECK_UNAVAILABLE, 'the grant cannot be checked right now', err);
}
