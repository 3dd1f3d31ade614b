import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { HUB_CONFIG, HubConfig } from '@maxhub/config';
import {
  describeUnsafeText,
  normalizeName,
  unsafeTextKind,
  verifyDocumentSignature,
} from '@maxhub/contracts';
import {
  CertificateEntity,
  CompanyEntity,
  CompanyMemberEntity,
  CrlEntity,
  UserEntity,
  WorkingGroupEntity,
  WorkingGroupMemberEntity,
} from '@maxhub/db';
import {
  createCrl,
  describeCertificate,
  describeCsr,
  SUBJECT_ATTRIBUTE_OIDS,
  issueCertificate,
  PkiError,
  PkiErrorCode,
  type CrlReason,
  type SignerIdentity,
} from '@maxhub/pki';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, AuditService, badInput, conflict, HubError, notFound } from '@maxhub/core';
import { IssueCertificateInput } from './dto/issue-certificate.input';
import { HubPkiErrorCode as E } from './pki.errors';
import { Certificate, OrgKindEnum, RevocationReasonEnum, SignerRoleEnum } from './pki.models';
import { type AllianceCa, loadAllianceCa } from './alliance-ca';

export type { AllianceCa } from './alliance-ca';

/** The CRL in force: the newest one the issuing CA published. */
export interface CurrentCrl {
  crlNumber: string;
  crlPem: string;
  thisUpdate: Date;
  nextUpdate: Date;
}

/** The columns of the hub's certificate record a signature check compares with the signer. */
export type SignerCertificate = Pick<
  CertificateEntity,
  'id' | 'serialNumber' | 'issuerFingerprint' | 'fingerprintSha256' | 'userId' | 'notAfter' | 'revokedAt'
>;

/** A signature that verified under the alliance profile, with the hub's record of its certificate. */
export interface VerifiedSigner<C extends SignerCertificate = CertificateEntity> {
  signer: SignerIdentity;
  signingTime: Date;
  certificate: C;
  crlNumber: string;
}

/**
 * A signature stored by the hub, as the access check reads it in one query: hashes of the stored
 * bytes computed by the database at that moment, and the certificate record the signature names.
 * The bytes themselves are loaded only when the outcome is not cached.
 */
export interface StoredSignature {
  cmsSha256: string;
  contentSha256: string;
  certificate: SignerCertificate;
  load(): Promise<{ content: Buffer; cmsDer: Buffer }>;
}

/** Called inside the revoking transaction (e.g. to suspend the grants the certificate signed). */
export type RevocationListener = (m: EntityManager, cert: CertificateEntity, actor: Actor) => Promise<void>;

/** How long a CRL stays current: long enough to survive an outage, short enough to be fresh. */
export const CRL_VALIDITY_MS = 7 * 86_400_000;
/** A CRL with less than this left is reissued before use. */
const CRL_REFRESH_MARGIN_MS = 86_400_000;
const CRL_LOCK_ID = 0x6d617863; // "maxc": serializes CRL numbering across hubs
const MAX_CACHE = 10_000;

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

@Injectable()
export class PkiService implements OnModuleInit {
  private readonly logger = new Logger(PkiService.name);
  private caPromise?: Promise<AllianceCa>;
  private readonly listeners: RevocationListener[] = [];
  private crlCache?: CurrentCrl;
  /** Verification outcomes keyed by (CMS sha256, content sha256, CRL number). */
  private readonly verifications = new Map<string, { ok: VerifiedSignatureLike } | { error: PkiError }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly audit: AuditService,
  ) {}

  /** Production and development load (and check) the CA at start, so a misconfigured hub never starts. */
  async onModuleInit(): Promise<void> {
    if (this.config.env !== 'test') await this.ca();
  }

  /** Registers a callback run inside every revocation's transaction. */
  onRevocation(listener: RevocationListener): void {
    this.listeners.push(listener);
  }

  /** The alliance CA (loaded once). */
  ca(): Promise<AllianceCa> {
    this.caPromise ??= Promise.resolve().then(() => loadAllianceCa(this.config, this.logger));
    return this.caPromise;
  }

  /** The CA chain served at GET /pki/ca: issuing CA, then root. */
  async chainPem(): Promise<string> {
    const ca = await this.ca();
    return ca.issuingCertPem + ca.rootCertPem;
  }

  /**
   * The CRL in force. Read from the database every time (another hub may have revoked a
   * certificate a moment ago); reissued when missing or close to its nextUpdate.
   */
  async currentCrl(now = new Date()): Promise<CurrentCrl> {
    const ca = await this.ca();
    const rows: Array<{ crl_number: string; next_update: Date }> = await this.dataSource.query(
      `SELECT crl_number, next_update FROM crls WHERE issuer_fingerprint = $1 ORDER BY crl_number DESC LIMIT 1`,
      [ca.issuerFingerprint],
    );
    const latest = rows[0];
    if (latest && latest.next_update.getTime() - now.getTime() > CRL_REFRESH_MARGIN_MS) {
      if (this.crlCache?.crlNumber === String(latest.crl_number)) return this.crlCache;
      const row = await this.dataSource.getRepository(CrlEntity).findOneByOrFail({
        issuerFingerprint: ca.issuerFingerprint,
        crlNumber: String(latest.crl_number),
      });
      return (this.crlCache = this.toCrl(row));
    }
    return this.dataSource.transaction((m) => this.publishCrl(m, now));
  }

  /** Issues and stores a new CRL listing every revoked certificate of the issuing CA (inside `m`). */
  async publishCrl(m: EntityManager, now = new Date()): Promise<CurrentCrl> {
    const ca = await this.ca();
    await m.query('SELECT pg_advisory_xact_lock($1)', [CRL_LOCK_ID]);
    const last: Array<{ n: string | null }> = await m.query(
      `SELECT max(crl_number)::text AS n FROM crls WHERE issuer_fingerprint = $1`,
      [ca.issuerFingerprint],
    );
    const crlNumber = BigInt(last[0]?.n ?? '0') + 1n;
    const revoked = await m.getRepository(CertificateEntity).find({
      where: { issuerFingerprint: ca.issuerFingerprint },
      order: { revokedAt: 'ASC' },
    });
    const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000 - 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + CRL_VALIDITY_MS);
    const crlPem = await createCrl({
      issuerCertPem: ca.issuingCertPem,
      issuerKeyPem: ca.issuingKeyPem,
      revoked: revoked
        .filter((c) => c.revokedAt !== null)
        .map((c) => ({
          serialNumber: c.serialNumber,
          revokedAt: c.revokedAt!,
          reason: (c.revocationReason ?? 'unspecified') as CrlReason,
        })),
      thisUpdate,
      nextUpdate,
      crlNumber,
    });
    const row = await m.save(
      CrlEntity,
      m.create(CrlEntity, {
        issuerFingerprint: ca.issuerFingerprint,
        crlNumber: crlNumber.toString(),
        crlPem,
        thisUpdate,
        nextUpdate,
      }),
    );
    return this.toCrl(row);
  }

  private toCrl(row: CrlEntity): CurrentCrl {
    return {
      crlNumber: String(row.crlNumber),
      crlPem: row.crlPem,
      thisUpdate: row.thisUpdate,
      nextUpdate: row.nextUpdate,
    };
  }

  /** Issues a member certificate (operator only; the person must hold the role there). */
  async issue(actor: Actor, input: IssueCertificateInput): Promise<Certificate> {
    const ca = await this.ca();
    const user = await this.dataSource
      .getRepository(UserEntity)
      .findOne({ where: { email: input.userEmail.trim().toLowerCase() } });
    if (!user) throw notFound(E.PKI_USER_NOT_FOUND, 'no person with this e-mail address');
    if (!Number.isInteger(input.validityDays) || input.validityDays < 1 || input.validityDays > 825) {
      throw badInput(E.PKI_VALIDITY_INVALID, 'validityDays must be between 1 and 825');
    }
    const org = await this.resolveOrg(input);
    const holds =
      org.kind === 'company'
        ? await this.dataSource
            .getRepository(CompanyMemberEntity)
            .exists({ where: { userId: user.id, companyId: org.id, role: input.role } })
        : await this.dataSource
            .getRepository(WorkingGroupMemberEntity)
            .exists({ where: { userId: user.id, workingGroupId: org.id, role: input.role } });
    if (!holds) throw badInput(E.PKI_ROLE_NOT_HELD, `the person does not hold the ${input.role} role there`);
    // A CSR naming someone else is refused after the CSR's own checks (which speak first) pass.
    const named = this.certificateName(input.csrPem, user);
    const name = named instanceof HubError ? user.displayName : named;
    const now = Date.now();
    let pem: string;
    try {
      pem = issueCertificate({
        csrPem: input.csrPem,
        issuerCertPem: ca.issuingCertPem,
        issuerKeyPem: ca.issuingKeyPem,
        subject: {
          personId: user.id,
          name,
          orgKind: org.kind,
          orgSlug: org.slug,
          orgName: org.name,
          role: 'LEGAL',
          email: user.email,
        },
        notBefore: new Date(now - 5 * 60_000),
        notAfter: new Date(now + input.validityDays * 86_400_000),
      });
    } catch (err) {
      if (!(err instanceof PkiError)) throw err;
      // Name the input field the refusal is about (the library speaks of "the CSR").
      const aboutCsr =
        err.code === PkiErrorCode.PKI_CSR_INVALID || err.code === PkiErrorCode.PKI_KEY_OUTSIDE_PROFILE;
      throw aboutCsr
        ? badInput(err.code, `input.csrPem is refused: ${err.message}`, { field: 'csrPem' })
        : badInput(err.code, err.message);
    }
    if (named instanceof HubError) throw named;
    const d = describeCertificate(pem);
    const saved = await this.dataSource.transaction(async (m) => {
      const row = await m.save(
        CertificateEntity,
        m.create(CertificateEntity, {
          serialNumber: d.serialNumber,
          issuerFingerprint: ca.issuerFingerprint,
          userId: user.id,
          orgKind: org.kind,
          companyId: org.kind === 'company' ? org.id : null,
          workingGroupId: org.kind === 'working-group' ? org.id : null,
          role: 'LEGAL',
          certificatePem: pem,
          fingerprintSha256: d.fingerprintSha256,
          notBefore: d.notBefore,
          notAfter: d.notAfter,
          issuedBy: actor.userId,
          revokedAt: null,
          revocationReason: null,
        }),
      );
      await this.audit.append(m, {
        actorUserId: actor.userId,
        action: 'certificate.issued',
        companyId: row.companyId,
        workingGroupId: row.workingGroupId,
        subjectType: 'certificate',
        subjectId: row.id,
        details: {
          serialNumber: row.serialNumber,
          fingerprintSha256: row.fingerprintSha256,
          userId: user.id,
        },
      });
      return row;
    });
    return this.toModel(saved, user, org.slug);
  }

  /**
   * The name the certificate carries: the one the requester wrote into the CSR (`maxhub pki
   * request --name`), in their spelling, when it is the person's registered name (compared after
   * Unicode NFC, spaces and case); the registered name when the CSR names no one. For a CSR
   * naming someone else, the refusal to throw (PKI_CSR_NAME_MISMATCH): a signing certificate never
   * carries a name the registry does not.
   */
  private certificateName(csrPem: string, user: UserEntity): string | HubError {
    let requested: string | undefined;
    try {
      const csr = describeCsr(csrPem);
      // An unverified CSR is refused by issueCertificate (PKI_CSR_INVALID); its name counts for nothing.
      if (!csr.signatureValid) return user.displayName;
      requested = csr.claimedSubject[SUBJECT_ATTRIBUTE_OIDS.commonName];
    } catch (err) {
      if (err instanceof PkiError)
        throw badInput(err.code, `input.csrPem is refused: ${err.message}`, { field: 'csrPem' });
      throw err;
    }
    if (requested === undefined || requested.trim() === '') return user.displayName;
    const unsafe = unsafeTextKind(requested, 'line');
    if (unsafe !== null)
      throw badInput(
        PkiErrorCode.PKI_CSR_INVALID,
        `input.csrPem is refused: the name in it contains ${describeUnsafeText(unsafe)}`,
        {
          field: 'csrPem',
        },
      );
    const key = (s: string) => normalizeName(s).replace(/\s+/g, ' ').toLowerCase();
    if (key(requested) !== key(user.displayName)) {
      return badInput(
        E.PKI_CSR_NAME_MISMATCH,
        `input.csrPem names "${requested.slice(0, 100)}", but ${user.email} is registered as "${user.displayName}": make a new CSR with \`maxhub pki request --name "${user.displayName}"\`, or have the operator correct the registered name`,
        { field: 'csrPem' },
      );
    }
    return normalizeName(requested);
  }

  private async resolveOrg(
    input: Pick<IssueCertificateInput, 'orgKind' | 'companySlug' | 'workingGroupSlug'>,
  ): Promise<{ kind: 'company' | 'working-group'; id: string; slug: string; name: string }> {
    if (input.orgKind === OrgKindEnum.COMPANY) {
      if (!input.companySlug || input.workingGroupSlug)
        throw badInput(
          E.PKI_ORG_INVALID,
          'a COMPANY certificate needs companySlug (and no workingGroupSlug)',
        );
      const c = await this.dataSource
        .getRepository(CompanyEntity)
        .findOne({ where: { slug: input.companySlug } });
      if (!c) throw notFound(E.PKI_ORG_INVALID, 'no such company');
      return { kind: 'company', id: c.id, slug: c.slug, name: c.nameKo ?? c.name };
    }
    if (!input.workingGroupSlug || input.companySlug)
      throw badInput(
        E.PKI_ORG_INVALID,
        'a WORKING_GROUP certificate needs workingGroupSlug (and no companySlug)',
      );
    const g = await this.dataSource
      .getRepository(WorkingGroupEntity)
      .findOne({ where: { slug: input.workingGroupSlug } });
    if (!g) throw notFound(E.PKI_ORG_INVALID, 'no such working group');
    return { kind: 'working-group', id: g.id, slug: g.slug, name: g.nameKo };
  }

  /** Certificates: the operator sees all (filtered); anyone else sees only their own. */
  async list(
    actor: Actor,
    filter: { userEmail?: string; orgSlug?: string; includeRevoked?: boolean },
  ): Promise<Certificate[]> {
    const qb = this.dataSource
      .getRepository(CertificateEntity)
      .createQueryBuilder('c')
      .leftJoinAndSelect('c.user', 'u')
      .leftJoinAndSelect('c.company', 'co')
      .leftJoinAndSelect('c.workingGroup', 'wg')
      .orderBy('c.created_at', 'DESC')
      .limit(500);
    if (!actor.isAdmin) qb.andWhere('c.user_id = :me', { me: actor.userId });
    if (filter.userEmail) qb.andWhere('u.email = :email', { email: filter.userEmail.trim().toLowerCase() });
    if (filter.orgSlug) qb.andWhere('(co.slug = :slug OR wg.slug = :slug)', { slug: filter.orgSlug });
    if (!filter.includeRevoked) qb.andWhere('c.revoked_at IS NULL');
    const rows = await qb.getMany();
    return rows.map((r) => this.toModel(r, r.user!, r.company?.slug ?? r.workingGroup!.slug));
  }

  /**
   * Revokes a certificate, publishes a new CRL and runs the revocation listeners (grant
   * suspension), all in one transaction: once this returns, every verifier sees it.
   */
  async revoke(
    actor: Actor,
    selector: { id?: string; serialNumber?: string },
    reason: RevocationReasonEnum,
  ): Promise<Certificate> {
    if ((selector.id === undefined) === (selector.serialNumber === undefined)) {
      throw badInput(E.PKI_CERTIFICATE_SELECTOR_INVALID, 'give exactly one of id and serialNumber');
    }
    const ca = await this.ca();
    const row = await this.dataSource.transaction(async (m) => {
      const cert = await m.getRepository(CertificateEntity).findOne({
        where: selector.id
          ? { id: selector.id }
          : { serialNumber: selector.serialNumber!.toLowerCase(), issuerFingerprint: ca.issuerFingerprint },
        lock: { mode: 'pessimistic_write' },
      });
      if (!cert) throw notFound(E.PKI_CERTIFICATE_NOT_FOUND, 'no such certificate');
      if (cert.revokedAt) throw conflict(E.PKI_ALREADY_REVOKED, 'the certificate is already revoked');
      cert.revokedAt = new Date();
      cert.revocationReason = reason;
      await m.save(CertificateEntity, cert);
      const crl = await this.publishCrl(m, cert.revokedAt);
      await this.audit.append(m, {
        actorUserId: actor.userId,
        action: 'certificate.revoked',
        companyId: cert.companyId,
        workingGroupId: cert.workingGroupId,
        subjectType: 'certificate',
        subjectId: cert.id,
        details: { serialNumber: cert.serialNumber, reason, crlNumber: crl.crlNumber },
      });
      for (const l of this.listeners) await l(m, cert, actor);
      return cert;
    });
    const full = await this.dataSource
      .getRepository(CertificateEntity)
      .findOneOrFail({ where: { id: row.id }, relations: { user: true, company: true, workingGroup: true } });
    return this.toModel(full, full.user!, full.company?.slug ?? full.workingGroup!.slug);
  }

  /**
   * Verifies a detached CMS signature over `content` (a grant or termination document's
   * canonical bytes) against the hub's trust anchor, its issuing CA and the CRL in force at
   * `now` — never anything the upload brings — with `verifyDocumentSignature` (the rules the
   * offline verifier applies too: certificate valid at signing AND now, signing time not before
   * the grant's createdAt), then finds the hub's record of the signer certificate, which must
   * also be within its validity NOW. Outcomes are cached per (signature, content, CRL number).
   * Throws PkiError (PKI_* codes) or HubError PKI_CERTIFICATE_UNKNOWN.
   */
  async verify(
    content: Buffer,
    cmsDer: Buffer,
    now = new Date(),
    currentCrl?: CurrentCrl,
  ): Promise<VerifiedSigner> {
    const ca = await this.ca();
    // A caller verifying several signatures at once reads the CRL once (still fresh per call).
    const crl = currentCrl ?? (await this.currentCrl(now));
    const ok = await this.outcome(ca, crl, now, sha256(cmsDer), sha256(content), () =>
      Promise.resolve({ content, cmsDer }),
    );
    const certificate = await this.dataSource.getRepository(CertificateEntity).findOne({
      where: { issuerFingerprint: ca.issuerFingerprint, serialNumber: ok.signer.serialNumber },
    });
    return this.signerOf(ca, crl, now, ok, certificate);
  }

  /**
   * {@link verify} for a signature the caller read by its hashes ({@link StoredSignature}): the
   * same checks, against the certificate record the signature names, which must be the one the
   * signer's certificate is (issuer, serial, fingerprint, person). No query when the outcome is
   * cached for these bytes and this CRL number.
   */
  async verifyStored(
    sig: StoredSignature,
    now: Date,
    crl: CurrentCrl,
  ): Promise<VerifiedSigner<SignerCertificate>> {
    const ca = await this.ca();
    const ok = await this.outcome(ca, crl, now, sig.cmsSha256, sig.contentSha256, sig.load);
    const matches =
      sig.certificate.issuerFingerprint === ca.issuerFingerprint &&
      sig.certificate.serialNumber === ok.signer.serialNumber;
    return this.signerOf(ca, crl, now, ok, matches ? sig.certificate : null);
  }

  /**
   * The CRL in force when the caller already knows the newest CRL number (read in its own
   * query): the cached one when the numbers match and it is not due for reissue, else
   * {@link currentCrl}.
   */
  async crlNumbered(crlNumber: string | null, now = new Date()): Promise<CurrentCrl> {
    const c = this.crlCache;
    if (
      crlNumber !== null &&
      c?.crlNumber === crlNumber &&
      c.nextUpdate.getTime() - now.getTime() > CRL_REFRESH_MARGIN_MS
    )
      return c;
    return this.currentCrl(now);
  }

  /** The cached (or computed) library outcome for these bytes under this CRL; throws its PkiError. */
  private async outcome(
    ca: AllianceCa,
    crl: CurrentCrl,
    now: Date,
    cmsSha256: string,
    contentSha256: string,
    load: () => Promise<{ content: Buffer; cmsDer: Buffer }>,
  ): Promise<VerifiedSignatureLike> {
    const key = `${cmsSha256}:${contentSha256}:${crl.crlNumber}`;
    let outcome = this.verifications.get(key);
    if (!outcome) {
      const { content, cmsDer } = await load();
      if (sha256(cmsDer) !== cmsSha256 || sha256(content) !== contentSha256) {
        // The stored bytes changed between the two reads: judge them again on the next call.
        throw new PkiError(
          PkiErrorCode.PKI_SIGNATURE_INVALID,
          'the stored signature changed while it was read',
        );
      }
      try {
        // The same rules `maxhub contract verify` applies offline; the record checks follow.
        const { signer, signingTime } = await verifyDocumentSignature({
          content,
          signature: cmsDer,
          trustAnchorsPem: [ca.rootCertPem],
          intermediatesPem: [ca.issuingCertPem],
          crlsPem: [crl.crlPem],
          now,
        });
        outcome = { ok: { signer, signingTime } };
      } catch (err) {
        if (!(err instanceof PkiError)) throw err;
        outcome = { error: err };
      }
      if (this.verifications.size >= MAX_CACHE) this.verifications.clear();
      this.verifications.set(key, outcome);
    }
    if ('error' in outcome) throw outcome.error;
    return outcome.ok;
  }

  /** The hub's record must be the signer's certificate, and valid NOW. */
  private signerOf<C extends SignerCertificate>(
    ca: AllianceCa,
    crl: CurrentCrl,
    now: Date,
    ok: VerifiedSignatureLike,
    certificate: C | null,
  ): VerifiedSigner<C> {
    const { signer, signingTime } = ok;
    if (
      !certificate ||
      certificate.issuerFingerprint !== ca.issuerFingerprint ||
      certificate.serialNumber !== signer.serialNumber ||
      certificate.fingerprintSha256 !== signer.fingerprintSha256 ||
      certificate.userId !== signer.personId
    ) {
      throw badInput(E.PKI_CERTIFICATE_UNKNOWN, 'the signer certificate is not one the hub issued');
    }
    // The library validates the path at the (signer-asserted) signing time; what opens data must
    // also be valid now, so a backdated signing-time cannot revive an expired certificate.
    if (signer.notAfter <= now || certificate.notAfter <= now) {
      throw new PkiError(PkiErrorCode.PKI_CERT_EXPIRED, 'the signer certificate has expired');
    }
    return { signer, signingTime, certificate, crlNumber: crl.crlNumber };
  }

  toModel(row: CertificateEntity, user: UserEntity, orgSlug: string): Certificate {
    return {
      id: row.id,
      serialNumber: row.serialNumber,
      person: user,
      orgKind: row.orgKind === 'company' ? OrgKindEnum.COMPANY : OrgKindEnum.WORKING_GROUP,
      orgSlug,
      role: SignerRoleEnum.LEGAL,
      certificatePem: row.certificatePem,
      fingerprintSha256: row.fingerprintSha256,
      notBefore: row.notBefore,
      notAfter: row.notAfter,
      issuedAt: row.createdAt,
      revokedAt: row.revokedAt,
      revocationReason: (row.revocationReason as RevocationReasonEnum | null) ?? null,
    };
  }
}

type VerifiedSignatureLike = { signer: SignerIdentity; signingTime: Date };
