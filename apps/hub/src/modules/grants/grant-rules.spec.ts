import { ContractError, ContractErrorCode, type GrantDataset } from '@maxhub/contracts';
import type { GrantState } from '@maxhub/db';
import { PkiError, PkiErrorCode } from '@maxhub/pki';
import { AccessService, type Actor, HubError } from '@maxhub/core';
import {
  type AccessSnapshot,
  activationAction,
  afterSignature,
  assertAmendmentKeepsParties,
  assertClaimedParty,
  assertNotOtherPartysSigner,
  assertSignable,
  assertTerminationMatches,
  assertTerminationParty,
  assertTermValid,
  CHANGES_GRANT,
  depthOf,
  distinctSigners,
  documentFailure,
  DocumentMismatch,
  documentIsVersion,
  effectiveState,
  fromContract,
  gateRefusal,
  gateUnavailable,
  grantedDataset,
  grantEvent,
  intactDocumentSha256,
  liveVersionDecision,
  MAX_SIGNATURE_BYTES,
  missingSignature,
  partiesOf,
  QUERIES_GRANT,
  SEES_GRANT,
  signatureDer,
  signatureFailure,
  signerMismatch,
  signerParty,
  submittedSha256,
} from './grant-rules';
import { HubPkiErrorCode } from '../pki/pki.errors';
import { GrantErrorCode as E } from './grants.errors';
import { GrantPartyEnum } from './grant.models';

const NOW = new Date('2027-03-01T12:00:00Z');
const DAY = 86_400_000;
const before = (ms: number) => new Date(NOW.getTime() - ms);
const after = (ms: number) => new Date(NOW.getTime() + ms);

/** Runs `fn` and returns the HubError it throws (fails when it throws nothing or something else). */
function refusal(fn: () => unknown): HubError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HubError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

const GRANT = { grantorCompanyId: 'co-1', granteeWorkingGroupId: 'wg-1' };
const DOC = {
  grantor: { companySlug: 'hanul-motors', companyName: '한울모터스' },
  grantee: { workingGroupSlug: 'ai-factory', workingGroupName: 'AI 팩토리' },
};

describe('effectiveState', () => {
  const cert = (revokedAt: Date | null, notAfter: Date) => ({ revokedAt, notAfter });
  const valid = { replacedAt: null, certificate: cert(null, after(DAY)) };

  it('keeps an ended state as stored, whatever the term and the certificates', () => {
    for (const state of ['TERMINATED', 'EXPIRED', 'SUPERSEDED'] as GrantState[]) {
      expect(effectiveState({ state, termUntil: before(DAY) }, [], NOW)).toBe(state);
      expect(
        effectiveState(
          { state, termUntil: after(DAY) },
          [{ replacedAt: null, certificate: cert(NOW, NOW) }],
          NOW,
        ),
      ).toBe(state);
    }
  });

  it('reads EXPIRED once the term is over, at its last instant included', () => {
    for (const state of ['DRAFT', 'AWAITING_SIGNATURES', 'ACTIVE', 'SUSPENDED'] as GrantState[]) {
      expect(effectiveState({ state, termUntil: NOW }, [valid], NOW)).toBe('EXPIRED');
    }
  });

  it('reads an ACTIVE version SUSPENDED when a current signer certificate is revoked or expired', () => {
    const v = { state: 'ACTIVE' as GrantState, termUntil: after(DAY) };
    expect(effectiveState(v, [valid, valid], NOW)).toBe('ACTIVE');
    expect(
      effectiveState(v, [valid, { replacedAt: null, certificate: cert(before(1), after(DAY)) }], NOW),
    ).toBe('SUSPENDED');
    expect(effectiveState(v, [valid, { replacedAt: null, certificate: cert(null, NOW) }], NOW)).toBe(
      'SUSPENDED',
    );
  });

  it('ignores replaced signatures and signatures read without their certificate', () => {
    const v = { state: 'ACTIVE' as GrantState, termUntil: after(DAY) };
    expect(
      effectiveState(v, [valid, { replacedAt: before(1), certificate: cert(before(2), NOW) }], NOW),
    ).toBe('ACTIVE');
    expect(effectiveState(v, [valid, { replacedAt: null }], NOW)).toBe('ACTIVE');
  });

  it('keeps other states within the term as stored', () => {
    const broken = { replacedAt: null, certificate: cert(before(1), after(DAY)) };
    for (const state of ['DRAFT', 'AWAITING_SIGNATURES', 'SUSPENDED'] as GrantState[]) {
      expect(effectiveState({ state, termUntil: after(DAY) }, [broken], NOW)).toBe(state);
    }
  });
});

describe('assertSignable', () => {
  it('lets drafted, half-signed and live versions be signed', () => {
    for (const state of ['DRAFT', 'AWAITING_SIGNATURES', 'SUSPENDED', 'ACTIVE'] as GrantState[]) {
      expect(() => assertSignable({ state, version: 1 })).not.toThrow();
    }
  });

  it('refuses a version whose risk review is running (GRANT_REVIEW_PENDING) or failed (GRANT_REVIEW_FAILED)', () => {
    expect(
      refusal(() => assertSignable({ state: 'DRAFT', version: 1, reviewStatus: 'PENDING' })),
    ).toMatchObject({
      category: 'CONFLICT',
      code: E.GRANT_REVIEW_PENDING,
    });
    expect(
      refusal(() =>
        assertSignable({
          state: 'DRAFT',
          version: 1,
          reviewStatus: 'FAILED',
          reviewErrorCode: 'DEID_HIERARCHY_INCOMPLETE',
        }),
      ),
    ).toMatchObject({ category: 'CONFLICT', code: E.GRANT_REVIEW_FAILED });
    expect(() => assertSignable({ state: 'DRAFT', version: 1, reviewStatus: 'READY' })).not.toThrow();
  });

  it('refuses a terminated version with GRANT_TERMINATED', () => {
    expect(refusal(() => assertSignable({ state: 'TERMINATED', version: 2 }))).toMatchObject({
      category: 'CONFLICT',
      code: E.GRANT_TERMINATED,
      safeMessage: 'the grant was terminated; version 2 can no longer be signed',
    });
  });

  it('refuses an expired or superseded version with GRANT_VERSION_NOT_SIGNABLE', () => {
    for (const state of ['EXPIRED', 'SUPERSEDED'] as GrantState[]) {
      expect(refusal(() => assertSignable({ state, version: 3 }))).toMatchObject({
        category: 'CONFLICT',
        code: E.GRANT_VERSION_NOT_SIGNABLE,
        safeMessage: `version 3 is ${state} and can no longer be signed`,
      });
    }
  });
});

describe('afterSignature and activationAction', () => {
  const both = new Set(['GRANTOR', 'GRANTEE']);
  const one = new Set(['GRANTOR']);

  it('activates a version once both parties’ current signatures are there, from any signable state', () => {
    for (const state of ['DRAFT', 'AWAITING_SIGNATURES', 'SUSPENDED', 'ACTIVE'] as GrantState[]) {
      expect(afterSignature(state, both)).toBe('ACTIVATE');
    }
  });

  it('moves a draft to AWAITING_SIGNATURES and an ACTIVE version that lost a signature to SUSPENDED', () => {
    expect(afterSignature('DRAFT', one)).toBe('AWAITING_SIGNATURES');
    expect(afterSignature('ACTIVE', one)).toBe('SUSPENDED');
  });

  it('leaves a version awaiting signatures or suspended as it is with one party', () => {
    expect(afterSignature('AWAITING_SIGNATURES', one)).toBeNull();
    expect(afterSignature('SUSPENDED', one)).toBeNull();
  });

  it('names an activation of a version that was live a reactivation', () => {
    expect(activationAction('DRAFT')).toBe('grant.activated');
    expect(activationAction('AWAITING_SIGNATURES')).toBe('grant.activated');
    expect(activationAction('SUSPENDED')).toBe('grant.reactivated');
    expect(activationAction('ACTIVE')).toBe('grant.reactivated');
  });
});

describe('who sees and who changes a grant (through AccessService)', () => {
  const access = new AccessService();
  const actor = (over: Partial<Actor>): Actor => ({
    userId: 'u',
    email: 'u@example.test',
    displayName: 'U',
    isAdmin: false,
    tokenId: 't',
    companies: new Map(),
    workingGroups: new Map(),
    ...over,
  });
  const parties = partiesOf(GRANT);

  it('lets the operator see and change any grant', () => {
    const op = actor({ isAdmin: true });
    expect(access.standing(op, parties, SEES_GRANT)).toBe('ALLOWED');
    expect(access.standing(op, parties, CHANGES_GRANT)).toBe('ALLOWED');
  });

  it('lets any member of either party see the grant, and only their LEGAL staff change it', () => {
    const publisher = actor({ companies: new Map([['co-1', new Set(['PUBLISHER' as const])]]) });
    expect(access.standing(publisher, parties, SEES_GRANT)).toBe('ALLOWED');
    expect(access.standing(publisher, parties, CHANGES_GRANT)).toBe('MEMBER');
    const analyst = actor({ workingGroups: new Map([['wg-1', new Set(['ANALYST' as const])]]) });
    expect(access.standing(analyst, parties, SEES_GRANT)).toBe('ALLOWED');
    expect(access.standing(analyst, parties, CHANGES_GRANT)).toBe('MEMBER');
    const groupLegal = actor({ workingGroups: new Map([['wg-1', new Set(['LEGAL' as const])]]) });
    expect(access.standing(groupLegal, parties, CHANGES_GRANT)).toBe('ALLOWED');
    const companyLegal = actor({ companies: new Map([['co-1', new Set(['LEGAL' as const])]]) });
    expect(access.standing(companyLegal, parties, CHANGES_GRANT)).toBe('ALLOWED');
  });

  it('lets only ANALYSTs of the grantee working group query the grant’s data, not the operator as such', () => {
    const group = { workingGroupId: 'wg-1' };
    const analyst = actor({ workingGroups: new Map([['wg-1', new Set(['ANALYST' as const])]]) });
    expect(access.standing(analyst, group, QUERIES_GRANT)).toBe('ALLOWED');
    const groupLegal = actor({ workingGroups: new Map([['wg-1', new Set(['LEGAL' as const])]]) });
    expect(access.standing(groupLegal, group, QUERIES_GRANT)).toBe('MEMBER');
    const otherAnalyst = actor({ workingGroups: new Map([['wg-2', new Set(['ANALYST' as const])]]) });
    expect(access.standing(otherAnalyst, group, QUERIES_GRANT)).toBe('OUTSIDER');
    expect(access.standing(actor({ isAdmin: true }), group, QUERIES_GRANT)).toBe('OUTSIDER');
  });

  it('leaves LEGAL staff of another company or working group outside the grant', () => {
    const stranger = actor({
      companies: new Map([['co-2', new Set(['LEGAL' as const])]]),
      workingGroups: new Map([['wg-2', new Set(['LEGAL' as const, 'ANALYST' as const])]]),
    });
    expect(access.standing(stranger, parties, SEES_GRANT)).toBe('OUTSIDER');
    expect(access.standing(stranger, parties, CHANGES_GRANT)).toBe('OUTSIDER');
  });
});

describe('drafting rules', () => {
  it('keeps an amendment’s grantor and grantee', () => {
    expect(() => assertAmendmentKeepsParties(GRANT, 'co-1', 'wg-1')).not.toThrow();
    for (const [co, wg] of [
      ['co-2', 'wg-1'],
      ['co-1', 'wg-2'],
    ]) {
      expect(refusal(() => assertAmendmentKeepsParties(GRANT, co, wg))).toMatchObject({
        category: 'BAD_USER_INPUT',
        code: E.GRANT_AMENDS_NOT_LIVE,
      });
    }
  });

  it('wants a term that starts before it ends and ends in the future', () => {
    expect(() => assertTermValid(before(DAY), after(DAY), NOW)).not.toThrow();
    for (const [from, until] of [
      [after(DAY), after(DAY)],
      [after(2 * DAY), after(DAY)],
      [before(2 * DAY), NOW],
    ]) {
      expect(refusal(() => assertTermValid(from, until, NOW))).toMatchObject({
        category: 'BAD_USER_INPUT',
        code: E.GRANT_TERM_INVALID,
        safeMessage: 'the term must start before it ends, and end in the future',
      });
    }
  });
});

describe('signer and party rules', () => {
  const companySigner = {
    signer: { orgKind: 'company', orgSlug: 'hanul-motors', role: 'LEGAL' },
    certificate: { orgKind: 'company' as const, companyId: 'co-1', workingGroupId: null },
  };
  const groupSigner = {
    signer: { orgKind: 'working-group', orgSlug: 'ai-factory', role: 'LEGAL' },
    certificate: { orgKind: 'working-group' as const, companyId: null, workingGroupId: 'wg-1' },
  };

  it('takes the party from the certificate when the hub’s record agrees', () => {
    expect(signerParty(companySigner, DOC, GRANT)).toBe(GrantPartyEnum.GRANTOR);
    expect(signerParty(groupSigner, DOC, GRANT)).toBe(GrantPartyEnum.GRANTEE);
  });

  it('refuses a signer who is not a LEGAL signer of a party, or whose record names another organisation', () => {
    const notAParty = [
      { ...companySigner, signer: { ...companySigner.signer, role: 'PUBLISHER' } },
      { ...companySigner, signer: { ...companySigner.signer, orgSlug: 'other-co' } },
      { ...companySigner, certificate: { ...companySigner.certificate, companyId: 'co-2' } },
      { ...companySigner, certificate: { ...groupSigner.certificate } },
      { ...groupSigner, certificate: { ...groupSigner.certificate, workingGroupId: 'wg-2' } },
    ];
    for (const s of notAParty) {
      expect(refusal(() => signerParty(s, DOC, GRANT))).toMatchObject({
        category: 'BAD_USER_INPUT',
        code: E.GRANT_SIGNER_NOT_A_PARTY,
      });
    }
  });

  it('checks a claimed party against the certificate’s, naming both', () => {
    expect(() => assertClaimedParty(GrantPartyEnum.GRANTOR, undefined)).not.toThrow();
    expect(() => assertClaimedParty(GrantPartyEnum.GRANTOR, GrantPartyEnum.GRANTOR)).not.toThrow();
    expect(refusal(() => assertClaimedParty(GrantPartyEnum.GRANTOR, GrantPartyEnum.GRANTEE))).toMatchObject({
      code: E.GRANT_SIGNER_PARTY_MISMATCH,
      safeMessage: 'the certificate signs for the grantor, not the grantee',
    });
  });

  it('refuses the other party’s current signer signing for this party too', () => {
    const current = [{ party: 'GRANTOR', signerUserId: 'alice' }];
    expect(() => assertNotOtherPartysSigner(current, GrantPartyEnum.GRANTEE, 'bob')).not.toThrow();
    // Re-signing for one's own party is judged elsewhere (GRANT_ALREADY_SIGNED or a replacement).
    expect(() => assertNotOtherPartysSigner(current, GrantPartyEnum.GRANTOR, 'alice')).not.toThrow();
    expect(refusal(() => assertNotOtherPartysSigner(current, GrantPartyEnum.GRANTEE, 'alice'))).toMatchObject(
      {
        code: E.GRANT_SAME_SIGNER,
      },
    );
  });

  it('wants a termination to name this grant’s live version and the signer’s party', () => {
    expect(() => assertTerminationMatches({ grantId: 'g', grantSha256: 'aa' }, 'g', 'aa')).not.toThrow();
    for (const t of [
      { grantId: 'other', grantSha256: 'aa' },
      { grantId: 'g', grantSha256: 'bb' },
    ]) {
      expect(refusal(() => assertTerminationMatches(t, 'g', 'aa'))).toMatchObject({
        code: E.GRANT_TERMINATION_MISMATCH,
      });
    }
    expect(() => assertTerminationParty(GrantPartyEnum.GRANTEE, 'GRANTEE')).not.toThrow();
    expect(refusal(() => assertTerminationParty(GrantPartyEnum.GRANTEE, 'GRANTOR'))).toMatchObject({
      code: E.GRANT_SIGNER_PARTY_MISMATCH,
      safeMessage: 'the termination names a party the signer does not sign for',
    });
  });
});

describe('inputs', () => {
  const der = Buffer.from([0x30, 0x82, 0x01, 0x02, 0xff, 0xfe]);
  const b64 = der.toString('base64');

  it('reads a signature as PEM (PKCS7 or CMS) or base64 DER, whitespace ignored', () => {
    expect(signatureDer(b64)).toEqual(der);
    expect(signatureDer(` ${b64.slice(0, 4)}\n${b64.slice(4)} `)).toEqual(der);
    expect(signatureDer(`-----BEGIN PKCS7-----\n${b64}\n-----END PKCS7-----\n`)).toEqual(der);
    expect(signatureDer(`-----BEGIN CMS-----\n${b64}\n-----END CMS-----`)).toEqual(der);
  });

  it('refuses anything else as GRANT_SIGNATURE_MALFORMED', () => {
    for (const s of ['', 'not base64!', `-----BEGIN PKCS7-----\n${b64}\n-----END CMS-----`, 'QUJD===']) {
      expect(refusal(() => signatureDer(s))).toMatchObject({ code: E.GRANT_SIGNATURE_MALFORMED });
    }
  });

  it('refuses an oversized signature before and after decoding', () => {
    expect(refusal(() => signatureDer('A'.repeat(MAX_SIGNATURE_BYTES * 2 + 1)))).toMatchObject({
      code: E.GRANT_UPLOAD_TOO_LARGE,
    });
    const big = Buffer.alloc(MAX_SIGNATURE_BYTES + 3).toString('base64');
    expect(refusal(() => signatureDer(big))).toMatchObject({ code: E.GRANT_UPLOAD_TOO_LARGE });
  });

  it('hashes what the caller sent for a refusal’s audit entry, unless it is too long to be anything', () => {
    expect(submittedSha256('abc', 3)).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(submittedSha256('abcd', 3)).toBeNull();
  });

  it('measures nesting without recursion and stops past the limit', () => {
    expect(depthOf('x', 10)).toBe(0);
    expect(depthOf({ a: [1, { b: null }] }, 10)).toBe(3);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(depthOf(deep, 40)).toBe(41);
  });

  it('answers a contracts refusal with the GRANT_ code and the same message', () => {
    const err = fromContract(new ContractError(ContractErrorCode.CONTRACT_UNKNOWN_COLUMN, 'no such column'));
    expect(err).toMatchObject({
      category: 'BAD_USER_INPUT',
      code: 'GRANT_UNKNOWN_COLUMN',
      safeMessage: 'no such column',
    });
  });

  it('records grant events in both parties’ logs, the grant as subject', () => {
    expect(grantEvent(null, 'grant.expired', 'co-1', 'wg-1', 'g-1', { version: 1 })).toEqual({
      actorUserId: null,
      action: 'grant.expired',
      companyId: 'co-1',
      workingGroupId: 'wg-1',
      subjectType: 'grant',
      subjectId: 'g-1',
      details: { version: 1 },
    });
  });
});

describe('the gate’s decision over the access snapshot', () => {
  const live: AccessSnapshot = {
    grantorCompanyId: 'co-1',
    granteeWorkingGroupId: 'wg-1',
    versionId: 'v-2',
    version: 2,
    state: 'ACTIVE',
    stateReason: null,
    termFrom: before(DAY),
    termUntil: after(DAY),
    sha256: 'aa',
    documentSha256: 'aa',
    latestState: 'ACTIVE',
    crlNumber: '7',
    signatures: [],
  };
  const noLive: AccessSnapshot = {
    ...live,
    versionId: null,
    version: null,
    state: null,
    termFrom: null,
    termUntil: null,
    sha256: null,
    documentSha256: null,
  };

  it('opens the live version when it is ACTIVE within its term', () => {
    expect(liveVersionDecision(live, NOW)).toEqual({
      open: { id: 'v-2', version: 2, state: 'ACTIVE', termFrom: live.termFrom, termUntil: live.termUntil },
    });
  });

  it('without a live version, refuses by the latest version’s state', () => {
    expect(liveVersionDecision({ ...noLive, latestState: 'TERMINATED' }, NOW)).toEqual({
      refused: { code: E.GRANT_TERMINATED, message: 'the grant was terminated' },
    });
    expect(liveVersionDecision({ ...noLive, latestState: 'EXPIRED' }, NOW)).toEqual({
      refused: { code: E.GRANT_EXPIRED, message: 'the grant’s term has ended' },
    });
    for (const latestState of ['DRAFT', 'AWAITING_SIGNATURES', 'SUPERSEDED'] as GrantState[]) {
      expect(liveVersionDecision({ ...noLive, latestState }, NOW)).toEqual({
        refused: {
          code: E.GRANT_NOT_ACTIVE,
          message: 'the grant is not active (not yet signed by both parties)',
        },
      });
    }
  });

  it('refuses a live version past its term (at its last instant too), before judging a suspension', () => {
    for (const s of [live, { ...live, state: 'SUSPENDED' as GrantState }]) {
      expect(liveVersionDecision({ ...s, termUntil: NOW }, NOW)).toEqual({
        refused: { code: E.GRANT_EXPIRED, message: 'the grant’s term has ended' },
      });
    }
  });

  it('refuses a SUSPENDED version, with the stored reason', () => {
    expect(
      liveVersionDecision({ ...live, state: 'SUSPENDED', stateReason: 'PKI_CERT_REVOKED' }, NOW),
    ).toEqual({
      refused: {
        code: E.GRANT_SUSPENDED,
        message: 'a signer’s certificate is revoked or expired; that party must sign again',
        details: { reason: 'PKI_CERT_REVOKED' },
      },
    });
  });

  it('refuses a version whose term has not started', () => {
    expect(liveVersionDecision({ ...live, termFrom: after(1) }, NOW)).toEqual({
      refused: { code: E.GRANT_NOT_ACTIVE, message: 'the grant’s term has not started yet' },
    });
    expect('open' in liveVersionDecision({ ...live, termFrom: NOW }, NOW)).toBe(true);
  });

  it('answers refusals FORBIDDEN with the code, the sentence and the details', () => {
    const err = gateRefusal({ code: E.GRANT_SUSPENDED, message: 'm', details: { reason: 'r' } });
    expect(err).toBeInstanceOf(HubError);
    expect(err).toMatchObject({ category: 'FORBIDDEN', code: E.GRANT_SUSPENDED, safeMessage: 'm' });
    expect(err.details).toEqual({ reason: 'r' });
  });

  it('trusts the stored document only when the database’s hash of it is the recorded one', () => {
    expect(intactDocumentSha256(live)).toBe('aa');
    expect(intactDocumentSha256({ sha256: 'aa', documentSha256: 'bb' })).toBeNull();
    expect(intactDocumentSha256({ sha256: null, documentSha256: null })).toBeNull();
    expect(documentIsVersion({ grantId: 'g', version: 2 }, 'g', 2)).toBe(true);
    expect(documentIsVersion({ grantId: 'g', version: 1 }, 'g', 2)).toBe(false);
    expect(documentIsVersion({ grantId: 'h', version: 2 }, 'g', 2)).toBe(false);
  });

  it('calls a document that does not match GRANT_DOCUMENT_TAMPERED, and a failed read SERVICE_UNAVAILABLE', () => {
    for (const err of [
      new DocumentMismatch('hash'),
      new ContractError(ContractErrorCode.CONTRACT_NOT_CANONICAL, 'not canonical'),
    ]) {
      expect(documentFailure(err)).toMatchObject({
        category: 'FORBIDDEN',
        code: E.GRANT_DOCUMENT_TAMPERED,
        safeMessage: 'the stored grant no longer matches what was signed',
      });
    }
    const lost = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    });
    expect(documentFailure(lost)).toMatchObject({
      category: 'SERVICE_UNAVAILABLE',
      code: 'DATABASE_UNAVAILABLE',
    });
    expect(documentFailure(new Error('boom'))).toMatchObject({
      category: 'SERVICE_UNAVAILABLE',
      code: E.GRANT_CHECK_UNAVAILABLE,
    });
  });

  it('opens only a dataset the document grants', () => {
    const ds = { datasetId: 'd-1' } as GrantDataset;
    expect(grantedDataset({ datasets: [ds] }, 'd-1')).toEqual({ open: ds });
    expect(grantedDataset({ datasets: [ds] }, 'd-2')).toEqual({
      refused: { code: E.GRANT_DATASET_NOT_GRANTED, message: 'the dataset is not part of this grant' },
    });
  });

  it('refuses a missing party signature as GRANT_SIGNATURE_INVALID', () => {
    expect(missingSignature('GRANTEE')).toEqual({
      code: E.GRANT_SIGNATURE_INVALID,
      message: 'the grantee’s signature is missing',
    });
  });

  it('suspends on a revoked or expired signer certificate and calls other verdicts GRANT_SIGNATURE_INVALID', () => {
    for (const code of [PkiErrorCode.PKI_CERT_REVOKED, PkiErrorCode.PKI_CERT_EXPIRED]) {
      const err = signatureFailure('GRANTOR', new PkiError(code, 'x'));
      expect(err).toMatchObject({ category: 'FORBIDDEN', code: E.GRANT_SUSPENDED });
      expect(err.details).toEqual({ reason: code });
    }
    const digest = signatureFailure('GRANTEE', new PkiError(PkiErrorCode.PKI_DIGEST_MISMATCH, 'x'));
    expect(digest).toMatchObject({
      category: 'FORBIDDEN',
      code: E.GRANT_SIGNATURE_INVALID,
      safeMessage: 'the grantee’s signature does not verify',
    });
    expect(digest.details).toEqual({ pkiCode: PkiErrorCode.PKI_DIGEST_MISMATCH });
    const unknown = signatureFailure(
      'GRANTOR',
      new HubError('BAD_USER_INPUT', HubPkiErrorCode.PKI_CERTIFICATE_UNKNOWN, 'x'),
    );
    expect(unknown).toMatchObject({ code: E.GRANT_SIGNATURE_INVALID });
    expect(unknown.details).toEqual({ pkiCode: 'PKI_CERTIFICATE_UNKNOWN' });
  });

  it('never turns a failed read during verification into a signature verdict', () => {
    const down = new HubError('SERVICE_UNAVAILABLE', HubPkiErrorCode.PKI_CA_NOT_CONFIGURED, 'x');
    expect(signatureFailure('GRANTOR', down)).toBe(down);
    const lost = new Error('Connection terminated unexpectedly');
    expect(signatureFailure('GRANTOR', lost)).toMatchObject({
      category: 'SERVICE_UNAVAILABLE',
      code: 'DATABASE_UNAVAILABLE',
    });
    expect(signatureFailure('GRANTEE', new TypeError('x'))).toMatchObject({
      category: 'SERVICE_UNAVAILABLE',
      code: E.GRANT_CHECK_UNAVAILABLE,
    });
  });

  it('wants each verified signer to be the party’s, on the certificate record the signature names', () => {
    const grantor = {
      signer: { orgKind: 'company', orgSlug: 'hanul-motors', role: 'LEGAL' },
      certificate: { id: 'c-1' },
    };
    expect(signerMismatch('GRANTOR', DOC, grantor, 'c-1')).toBeNull();
    const wrong = {
      code: E.GRANT_SIGNATURE_INVALID,
      message: 'the grantor’s signer does not match the party',
      details: { pkiCode: null },
    };
    expect(signerMismatch('GRANTOR', DOC, grantor, 'c-2')).toEqual(wrong);
    expect(signerMismatch('GRANTEE', DOC, grantor, 'c-1')).toEqual({
      ...wrong,
      message: 'the grantee’s signer does not match the party',
    });
  });

  it('wants two different people to have signed', () => {
    expect(distinctSigners(new Set(['alice', 'bob']))).toBeNull();
    expect(distinctSigners(new Set(['alice']))).toEqual({
      code: E.GRANT_SIGNATURE_INVALID,
      message: 'the two signers must be different people',
    });
  });

  it('answers an infrastructure failure SERVICE_UNAVAILABLE with its own reason', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(gateUnavailable(refused)).toMatchObject({
      category: 'SERVICE_UNAVAILABLE',
      code: 'DATABASE_UNAVAILABLE',
      safeMessage: 'the grant cannot be checked right now (database unreachable)',
    });
    expect(gateUnavailable(new Error('socket hang up'))).toMatchObject({
      category: 'SERVICE_UNAVAILABLE',
      code: E.GRANT_CHECK_UNAVAILABLE,
      safeMessage: 'the grant cannot be checked right now',
    });
  });
});
