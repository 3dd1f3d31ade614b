import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ContractError, parseCanonicalGrant, parseCanonicalTermination } from '@maxhub/contracts';
import { GrantEntity, GrantSignatureEntity, GrantTerminationEntity, GrantVersionEntity } from '@maxhub/db';
import { PkiError, PkiErrorCode } from '@maxhub/pki';
import { DataSource, EntityManager, In, IsNull } from 'typeorm';
import {
  AccessService,
  Actor,
  AuditService,
  badInput,
  conflict,
  forbidden,
  HubError,
  isUniqueViolation,
  notFound,
  returnedRows,
} from '@maxhub/core';
import { PkiService, VerifiedSigner } from '../pki/pki.service';
import { GrantRefusalsService } from './grant-refusals.service';
import {
  activationAction,
  afterSignature,
  assertClaimedParty,
  assertNotOtherPartysSigner,
  assertSignable,
  assertTerminationMatches,
  assertTerminationParty,
  CHANGES_GRANT,
  fromContract,
  fromPki,
  grantEvent,
  LIVE,
  MAX_SIGNATURE_BYTES,
  MAX_TERMINATION_BYTES,
  partiesOf,
  sha256Hex,
  signatureDer,
  signerParty,
  submittedSha256,
} from './grant-rules';
import { GrantErrorCode as E } from './grants.errors';
import { Grant, GrantPartyEnum, GrantVersion } from './grant.models';
import { GrantsService } from './grants.service';

/**
 * Signed changes of a grant: a party's signature on a version (verified under the alliance PKI;
 * both parties → ACTIVE, an amendment superseding the live version in the same transaction) and
 * a signed termination. Each takes the grant row's lock, re-checks what it decided on inside the
 * transaction, and appends its audit entries there; a refusal on a grant the caller can see is
 * audited too (GrantRefusalsService).
 */
@Injectable()
export class GrantSigningService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly grants: GrantsService,
    private readonly pki: PkiService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly refusals: GrantRefusalsService,
  ) {}

  // ---------------------------------------------------------------- signing

  /**
   * Verifies and attaches a party's signature to a grant version. The party comes from the
   * certificate (`party`, when given, is only checked against it). When both parties' legal
   * signers have valid signatures, the version becomes ACTIVE (an amendment supersedes the
   * live version in the same transaction).
   */
  async attachSignature(
    actor: Actor,
    grantId: string,
    version: number,
    signature: string,
    claimedParty?: GrantPartyEnum,
  ): Promise<GrantVersion> {
    const grant = await this.grants.visibleGrant(actor, grantId, 'grantId');
    return this.refusals.audited(
      actor,
      grant,
      'grant.signature.refused',
      {
        version,
        party: claimedParty ?? null,
        submittedSha256: submittedSha256(signature, MAX_SIGNATURE_BYTES * 2),
      },
      () => this.attachToVisible(actor, grant, version, signature, claimedParty),
    );
  }

  private async attachToVisible(
    actor: Actor,
    grant: GrantEntity,
    version: number,
    signature: string,
    claimedParty?: GrantPartyEnum,
  ): Promise<GrantVersion> {
    const grantId = grant.id;
    const der = signatureDer(signature);
    if (this.access.standing(actor, partiesOf(grant), CHANGES_GRANT) !== 'ALLOWED') {
      throw forbidden(
        E.GRANT_LEGAL_ROLE_REQUIRED,
        'attaching signatures needs the LEGAL role in a party (or the operator)',
      );
    }
    const target = await this.dataSource
      .getRepository(GrantVersionEntity)
      .findOne({ where: { grantId, version } });
    if (!target) throw notFound(E.GRANT_VERSION_NOT_FOUND, 'no such version of the grant');
    assertSignable(target);
    const now = new Date();
    // Signing time against the draft's createdAt, certificate valid now: in verifyDocumentSignature.
    const verified = await this.verifyForVersion(grantId, target, der, now);
    const party = signerParty(verified, parseCanonicalGrant(target.document), grant);
    assertClaimedParty(party, claimedParty);

    await this.dataSource.transaction(async (m) => {
      await m.query('SELECT id FROM grants WHERE id = $1 FOR UPDATE', [grantId]);
      await this.assertSignerStillLegal(m, verified, party, grant);
      const v = await m.findOneOrFail(GrantVersionEntity, { where: { id: target.id } });
      assertSignable(v);
      const current = await m.find(GrantSignatureEntity, {
        where: { grantVersionId: v.id, replacedAt: IsNull() },
      });
      const cmsSha = sha256Hex(der);
      if (current.some((s) => s.cmsSha256 === cmsSha)) {
        throw conflict(E.GRANT_ALREADY_SIGNED, 'this signature is already attached');
      }
      assertNotOtherPartysSigner(current, party, verified.certificate.userId);
      for (const s of current) {
        // A party's signature that still verifies stands; one that no longer does (revoked or
        // expired certificate) is replaced (same party) or must be renewed (other party).
        const stillValid = await this.signatureValid(v.document, s, now);
        if (s.party === String(party)) {
          if (stillValid)
            throw conflict(E.GRANT_ALREADY_SIGNED, 'this party has already signed this version');
          await m.update(GrantSignatureEntity, { id: s.id }, { replacedAt: now });
        } else if (!stillValid) {
          await m.update(GrantSignatureEntity, { id: s.id }, { replacedAt: now });
        }
      }
      const row = await m.save(
        GrantSignatureEntity,
        m.create(GrantSignatureEntity, {
          grantVersionId: v.id,
          party,
          certificateId: verified.certificate.id,
          signerUserId: verified.certificate.userId,
          cmsDer: der,
          cmsSha256: cmsSha,
          signingTime: verified.signingTime,
          attachedBy: actor.userId,
          replacedAt: null,
        }),
      );
      await this.audit.append(
        m,
        grantEvent(
          actor.userId,
          'grant.signed',
          grant.grantorCompanyId,
          grant.granteeWorkingGroupId,
          grantId,
          {
            version: v.version,
            sha256: v.sha256,
            party,
            certificateSerial: verified.certificate.serialNumber,
            cmsSha256: cmsSha,
          },
        ),
      );
      const signedParties = new Set(
        (await m.find(GrantSignatureEntity, { where: { grantVersionId: v.id, replacedAt: IsNull() } })).map(
          (s) => s.party,
        ),
      );
      const next = afterSignature(v.state, signedParties);
      if (next === 'ACTIVATE') {
        await this.activate(m, grant, v, actor.userId, now);
      } else if (next !== null) {
        await m.update(GrantVersionEntity, { id: v.id }, { state: next });
      }
      return row;
    });
    return this.grants.versionById(target.id);
  }

  /** Verifies a signature for `target`; a signature over another version of the grant is named a replay. */
  private async verifyForVersion(
    grantId: string,
    target: GrantVersionEntity,
    der: Buffer,
    now: Date,
  ): Promise<VerifiedSigner> {
    try {
      return await this.pki.verify(target.document, der, now);
    } catch (err) {
      if (!(err instanceof PkiError)) throw err;
      if (err.code === PkiErrorCode.PKI_DIGEST_MISMATCH) {
        const others = await this.dataSource.getRepository(GrantVersionEntity).find({ where: { grantId } });
        for (const o of others) {
          if (o.id === target.id) continue;
          const covers = await this.pki.verify(o.document, der, now).then(
            () => true,
            () => false,
          );
          if (covers) {
            throw badInput(
              E.GRANT_VERSION_MISMATCH,
              `the signature covers version ${o.version}, not version ${target.version}`,
            );
          }
        }
      }
      throw fromPki(err);
    }
  }

  /**
   * A certificate is issued to a party's legal staff and stays valid until it expires or is
   * revoked; a new signature (to open a version or to end the grant) also needs its holder to
   * hold the LEGAL role in that party now, so that someone whose role was taken away cannot sign
   * in the meantime. Signatures already attached stand: the role is judged when one signs. Read
   * in the signing transaction (the membership tables, not the caller's token).
   */
  private async assertSignerStillLegal(
    m: EntityManager,
    verified: VerifiedSigner,
    party: GrantPartyEnum,
    grant: GrantEntity,
  ): Promise<void> {
    const rows: unknown[] =
      party === GrantPartyEnum.GRANTOR
        ? await m.query(
            `SELECT 1 FROM company_members WHERE user_id = $1 AND company_id = $2 AND role = 'LEGAL'`,
            [verified.certificate.userId, grant.grantorCompanyId],
          )
        : await m.query(
            `SELECT 1 FROM working_group_members WHERE user_id = $1 AND working_group_id = $2 AND role = 'LEGAL'`,
            [verified.certificate.userId, grant.granteeWorkingGroupId],
          );
    if (rows.length === 0) {
      throw forbidden(
        E.GRANT_SIGNER_NO_LONGER_LEGAL,
        `the signer no longer has the LEGAL role in the ${party === GrantPartyEnum.GRANTOR ? 'grantor company' : 'grantee working group'}; a current legal signer of that party must sign`,
      );
    }
  }

  private async signatureValid(document: Buffer, s: GrantSignatureEntity, now: Date): Promise<boolean> {
    try {
      const v = await this.pki.verify(document, s.cmsDer, now);
      return v.certificate.notAfter > now && v.certificate.revokedAt === null;
    } catch (err) {
      if (err instanceof PkiError || err instanceof HubError) return false;
      throw err;
    }
  }

  private async activate(
    m: EntityManager,
    grant: GrantEntity,
    v: GrantVersionEntity,
    actorUserId: string | null,
    now: Date,
  ): Promise<void> {
    if (v.supersedesSha256) {
      const live = await m.findOne(GrantVersionEntity, { where: { grantId: grant.id, state: In(LIVE) } });
      if (!live || live.sha256 !== v.supersedesSha256) {
        throw conflict(
          E.GRANT_AMENDMENT_CONFLICT,
          'the version this amendment supersedes is no longer live (another amendment won)',
        );
      }
      await m.update(
        GrantVersionEntity,
        { id: live.id },
        { state: 'SUPERSEDED', endedAt: now, stateReason: `SUPERSEDED_BY_V${v.version}` },
      );
      await this.audit.append(
        m,
        grantEvent(
          actorUserId,
          'grant.superseded',
          grant.grantorCompanyId,
          grant.granteeWorkingGroupId,
          grant.id,
          {
            version: live.version,
            sha256: live.sha256,
            supersededBy: v.version,
          },
        ),
      );
    }
    try {
      await m.update(
        GrantVersionEntity,
        { id: v.id },
        { state: 'ACTIVE', activatedAt: v.activatedAt ?? now, stateReason: null },
      );
    } catch (err) {
      if (isUniqueViolation(err, 'uq_grant_versions_live')) {
        throw conflict(E.GRANT_AMENDMENT_CONFLICT, 'another version of this grant is already live');
      }
      throw err;
    }
    await this.audit.append(
      m,
      grantEvent(
        actorUserId,
        activationAction(v.state),
        grant.grantorCompanyId,
        grant.granteeWorkingGroupId,
        grant.id,
        { version: v.version, sha256: v.sha256 },
      ),
    );
  }

  // ---------------------------------------------------------------- ending

  /**
   * Ends the live version at once with a signed termination document
   * (maxhub.grant-termination/v1, canonical) from either party's legal signer. Versions still
   * pending (an amendment in DRAFT or AWAITING_SIGNATURES) end with it: they can no longer be
   * signed. A refusal on a grant the caller can see is audited (GrantRefusalsService).
   */
  async terminate(
    actor: Actor,
    grantId: string,
    terminationDocument: string,
    signature: string,
  ): Promise<Grant> {
    const grant = await this.grants.visibleGrant(actor, grantId, 'grantId');
    return this.refusals.audited(
      actor,
      grant,
      'grant.termination.refused',
      {
        documentSha256: submittedSha256(terminationDocument, MAX_TERMINATION_BYTES),
        submittedSha256: submittedSha256(signature, MAX_SIGNATURE_BYTES * 2),
      },
      () => this.terminateVisible(actor, grant, terminationDocument, signature),
    );
  }

  private async terminateVisible(
    actor: Actor,
    grant: GrantEntity,
    terminationDocument: string,
    signature: string,
  ): Promise<Grant> {
    const grantId = grant.id;
    const bytes = Buffer.from(terminationDocument, 'utf8');
    if (bytes.length > MAX_TERMINATION_BYTES) {
      throw badInput(
        E.GRANT_UPLOAD_TOO_LARGE,
        `a termination document may be at most ${MAX_TERMINATION_BYTES} bytes`,
      );
    }
    const der = signatureDer(signature);
    if (this.access.standing(actor, partiesOf(grant), CHANGES_GRANT) !== 'ALLOWED') {
      throw forbidden(
        E.GRANT_LEGAL_ROLE_REQUIRED,
        'terminating needs the LEGAL role in a party (or the operator)',
      );
    }
    let termination;
    try {
      termination = parseCanonicalTermination(bytes);
    } catch (err) {
      if (err instanceof ContractError) throw fromContract(err);
      throw err;
    }
    const live = await this.dataSource
      .getRepository(GrantVersionEntity)
      .findOne({ where: { grantId, state: In(LIVE) } });
    if (!live) throw conflict(E.GRANT_NOT_ACTIVE, 'the grant has no live version to terminate');
    assertTerminationMatches(termination, grantId, live.sha256);
    const now = new Date();
    let verified: VerifiedSigner;
    try {
      verified = await this.pki.verify(bytes, der, now);
    } catch (err) {
      if (err instanceof PkiError) throw fromPki(err);
      throw err;
    }
    const party = signerParty(verified, parseCanonicalGrant(live.document), grant);
    assertTerminationParty(party, termination.party);
    await this.dataSource.transaction(async (m) => {
      await m.query('SELECT id FROM grants WHERE id = $1 FOR UPDATE', [grantId]);
      await this.assertSignerStillLegal(m, verified, party, grant);
      const v = await m.findOneOrFail(GrantVersionEntity, { where: { id: live.id } });
      if (!LIVE.includes(v.state))
        throw conflict(E.GRANT_NOT_ACTIVE, 'the grant has no live version to terminate');
      await m.insert(GrantTerminationEntity, {
        grantVersionId: v.id,
        document: bytes,
        sha256: sha256Hex(bytes),
        party,
        certificateId: verified.certificate.id,
        cmsDer: der,
        signingTime: verified.signingTime,
        effectiveAt: new Date(termination.effectiveAt),
        createdBy: actor.userId,
      });
      await m.update(
        GrantVersionEntity,
        { id: v.id },
        { state: 'TERMINATED', endedAt: now, stateReason: `TERMINATED_BY_${party}` },
      );
      await this.endPendingVersions(m, actor.userId, grant, now);
      await this.audit.append(
        m,
        grantEvent(
          actor.userId,
          'grant.terminated',
          grant.grantorCompanyId,
          grant.granteeWorkingGroupId,
          grantId,
          {
            version: v.version,
            sha256: v.sha256,
            party,
            terminationSha256: sha256Hex(bytes),
            certificateSerial: verified.certificate.serialNumber,
          },
        ),
      );
    });
    return this.grants.get(actor, grantId);
  }

  /**
   * In the terminating transaction: versions of the grant still pending (drafted or partly signed
   * amendments) end with it, each audited, so none can be signed afterwards or make the grant
   * read as anything but TERMINATED.
   */
  private async endPendingVersions(
    m: EntityManager,
    actorUserId: string,
    grant: GrantEntity,
    now: Date,
  ): Promise<void> {
    const ended = await m
      .query(
        `UPDATE grant_versions SET state = 'TERMINATED', ended_at = $2, state_reason = 'GRANT_TERMINATED'
          WHERE grant_id = $1 AND state IN ('DRAFT', 'AWAITING_SIGNATURES')
        RETURNING version, sha256`,
        [grant.id, now],
      )
      .then(returnedRows<{ version: number; sha256: string }>);
    for (const v of ended.sort((a, b) => a.version - b.version)) {
      await this.audit.append(
        m,
        grantEvent(
          actorUserId,
          'grant.amendment.ended',
          grant.grantorCompanyId,
          grant.granteeWorkingGroupId,
          grant.id,
          { version: v.version, sha256: v.sha256, reason: E.GRANT_TERMINATED },
        ),
      );
    }
  }
}
