import { createHash, randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  canonicalBytes,
  ContractError,
  type ContractErrorCode,
  GRANT_SCHEMA,
  MAX_DOCUMENT_BYTES,
  MAX_DOCUMENT_DEPTH,
  parseCanonicalGrant,
  parseCanonicalTermination,
  parseGrantDocument,
  renderGrantText,
  signerMatchesParty,
  validateGrantAgainstSchemas,
  type GrantDataset,
  type GrantDocument,
} from '@maxhub/contracts';
import {
  CertificateEntity,
  CompanyEntity,
  DatasetVersionEntity,
  GrantEntity,
  GrantSignatureEntity,
  GrantTerminationEntity,
  GrantVersionEntity,
  WorkingGroupEntity,
  type GrantState,
  preparedQuery,
} from '@maxhub/db';
import { describeCertificate, PkiError, PkiErrorCode } from '@maxhub/pki';
import { DataSource, EntityManager, In, IsNull } from 'typeorm';
import {
  Actor,
  AuditRecord,
  AuditService,
  badInput,
  conflict,
  CoreErrorCode,
  forbidden,
  HubError,
  isDatabaseUnavailable,
  isUniqueViolation,
  notFound,
  returnedRows,
  unavailable,
} from '@maxhub/core';
import { requireUuid } from '../../common/ids';
import { PkiService, SignerCertificate, VerifiedSigner } from '../pki/pki.service';
import { DraftGrantInput } from './dto/draft-grant.input';
import { GrantRefusalsService } from './grant-refusals.service';
import { GrantErrorCode as E } from './grants.errors';
import { Grant, GrantPartyEnum, GrantSignature, GrantStateEnum, GrantVersion } from './grant.models';

/** Largest signature the hub accepts (a CMS with a three-certificate chain is ~6 KB). */
export const MAX_SIGNATURE_BYTES = 64 * 1024;
/** Largest termination document the hub accepts. */
export const MAX_TERMINATION_BYTES = 64 * 1024;
/** Largest draft input (serialized), the same as the largest grant document. */
export const MAX_DRAFT_BYTES = MAX_DOCUMENT_BYTES;

/** What `assertOpen` hands the query engine: the verified terms that govern this access. */
export interface OpenGrant {
  grant: Pick<GrantEntity, 'id' | 'grantorCompanyId' | 'granteeWorkingGroupId'>;
  version: Pick<GrantVersionEntity, 'id' | 'version' | 'sha256' | 'state' | 'termFrom' | 'termUntil'>;
  /** The verified grant document (parsed from the signed canonical bytes). */
  document: GrantDocument;
  /** The terms for the requested dataset. */
  dataset: GrantDataset;
  /** What the caller's `alongside` subquery returned (null when it found nothing). */
  alongside?: unknown;
}

/** Options of {@link GrantsService.assertOpen}. */
export interface AssertOpenOptions {
  /** The caller's check of who asks: sees the grant's parties before any state is judged; throws to refuse. */
  authorizeParties?: (grant: OpenGrant['grant']) => void;
  /**
   * A scalar subquery read in the same round trip, keyed by the live version's id (`lv.id`),
   * its parameters numbered from $3. A constant of the caller's code, never user text.
   */
  alongside?: { sql: string; params: unknown[] };
}

const SWEEP_INTERVAL_MS = 60_000;
const LIVE: GrantState[] = ['ACTIVE', 'SUSPENDED'];

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
/** ISO 8601 UTC without milliseconds when they are zero (the document's time format). */
const isoUtc = (d: Date) => d.toISOString().replace('.000Z', 'Z');

/** Maps a @maxhub/contracts error to the hub's GRANT_ code (same rule, same message). */
function fromContract(err: ContractError): HubError {
  return badInput(grantCodeOf(err.code), err.message);
}

/** The hub's GRANT_ code of a @maxhub/contracts code (every one has its twin; a unit test checks). */
function grantCodeOf(code: ContractErrorCode): E {
  return code.replace(/^CONTRACT_/, 'GRANT_') as E;
}

/** Maps a @maxhub/pki verification error: the PKI_ code itself is the reason. */
function fromPki(err: PkiError): HubError {
  return badInput(err.code, err.message);
}

/** Depth of a JSON-like value, iteratively (a hostile input cannot exhaust the stack). */
function depthOf(value: unknown, limit: number): number {
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

/**
 * SHA-256 (hex) of an argument as the caller sent it, for a refusal's audit entry: the log can
 * tell repeated attempts apart without holding their text. Null beyond `maxChars` (refused anyway).
 */
function submittedSha256(text: string, maxChars: number): string | null {
  return text.length > maxChars ? null : sha256(Buffer.from(text, 'utf8'));
}

/** A signature given as PEM ("PKCS7"/"CMS") or base64 DER, as DER; size-limited before decoding. */
function signatureDer(signature: string): Buffer {
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

/**
 * Everything {@link GrantsService.assertOpen} judges, read in ONE query: the grant, its live
 * (ACTIVE or SUSPENDED) version or else the state of its latest, SHA-256 of the stored document
 * and signatures computed by the database now, the certificate records the signatures name, and
 * the newest CRL number of the issuing CA ($2). `alongside`, a scalar subquery of the caller's
 * that may use the live version's id (`lv.id`) and parameters from $3, is read in the same query.
 */
const accessSnapshotSql = (alongside?: string) => `
SELECT ${alongside === undefined ? '' : `(${alongside}) AS "alongside", `}g.grantor_company_id AS "grantorCompanyId", g.grantee_working_group_id AS "granteeWorkingGroupId",
       lv.id AS "versionId", lv.version, lv.state, lv.state_reason AS "stateReason",
       lv.term_from AS "termFrom", lv.term_until AS "termUntil", lv.sha256,
       encode(sha256(lv.document), 'hex') AS "documentSha256",
       latest.state AS "latestState",
       crl.crl_number::text AS "crlNumber",
       (SELECT coalesce(json_agg(json_build_object(
                 'party', s.party, 'certificateId', s.certificate_id,
                 'cmsSha256', encode(sha256(s.cms_der), 'hex'),
                 'serialNumber', c.serial_number, 'issuerFingerprint', c.issuer_fingerprint,
                 'fingerprintSha256', c.fingerprint_sha256, 'userId', c.user_id,
                 'notAfter', c.not_after, 'revokedAt', c.revoked_at)), '[]'::json)
          FROM grant_signatures s JOIN certificates c ON c.id = s.certificate_id
         WHERE s.grant_version_id = lv.id AND s.replaced_at IS NULL) AS signatures
  FROM grants g
  LEFT JOIN LATERAL (SELECT v.* FROM grant_versions v
                      WHERE v.grant_id = g.id AND v.state IN ('ACTIVE', 'SUSPENDED')
                      ORDER BY v.version DESC LIMIT 1) lv ON true
  LEFT JOIN LATERAL (SELECT v.state FROM grant_versions v
                      WHERE v.grant_id = g.id ORDER BY v.version DESC LIMIT 1) latest ON true
  LEFT JOIN LATERAL (SELECT r.crl_number FROM crls r
                      WHERE r.issuer_fingerprint = $2 ORDER BY r.crl_number DESC LIMIT 1) crl ON true
 WHERE g.id = $1`;

interface AccessSnapshot {
  alongside?: unknown;
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Parsed grant documents by the SHA-256 of their bytes (parsing is deterministic). */
const MAX_PARSED_DOCUMENTS = 1_000;

/** The gate's own verdict that stored document bytes do not match what was signed. */
class DocumentMismatch extends Error {}

/**
 * A failure of the gate's infrastructure (database, storage) while it read what it checks: the
 * access is refused, but as SERVICE_UNAVAILABLE with its own reason, never as a security verdict.
 */
function grantCheckUnavailable(err: unknown): HubError {
  return isDatabaseUnavailable(err)
    ? unavailable(CoreErrorCode.DATABASE_UNAVAILABLE, 'the grant cannot be checked right now (database unreachable)', err)
    : unavailable(E.GRANT_CHECK_UNAVAILABLE, 'the grant cannot be checked right now', err);
}

/**
 * NDA grants: drafting against dataset schemas, signatures verified under the alliance PKI,
 * activation, amendment, termination, expiry and suspension, and the check every data access
 * makes (`assertOpen`). Every state change appends to the audit log in its own transaction.
 */
@Injectable()
export class GrantsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(GrantsService.name);
  private timer?: NodeJS.Timeout;
  private readonly parsedDocuments = new Map<string, GrantDocument>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pki: PkiService,
    private readonly audit: AuditService,
    private readonly refusals: GrantRefusalsService,
  ) {
    this.pki.onRevocation((m, cert, actor) => this.suspendSignedBy(m, cert, actor.userId));
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) =>
        this.logger.error({ err: { message: (err as Error).message } }, 'grant sweep failed'),
      );
    }, SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  // ---------------------------------------------------------------- drafting

  /**
   * Drafts a grant (or an amendment): validates it against the datasets and stores its canonical
   * bytes. Ids that are not UUIDs are refused first; a refused amendment of a grant the caller
   * can see is audited (GrantRefusalsService).
   */
  async draft(actor: Actor, input: DraftGrantInput): Promise<GrantVersion> {
    for (const d of input.datasets ?? []) requireUuid(d.datasetId, 'datasetId', E.GRANT_ID_INVALID);
    if (input.amendsGrantId === undefined || input.amendsGrantId === null)
      return this.draftChecked(actor, input);
    const grant = await this.visibleGrant(actor, input.amendsGrantId, 'amendsGrantId');
    return this.refusals.audited(actor, grant, 'grant.amendment.refused', {}, () =>
      this.draftChecked(actor, input),
    );
  }

  private async draftChecked(actor: Actor, input: DraftGrantInput): Promise<GrantVersion> {
    if (depthOf(input, MAX_DOCUMENT_DEPTH + 4) > MAX_DOCUMENT_DEPTH + 3) {
      throw badInput(E.GRANT_TOO_DEEP, `the draft nests deeper than ${MAX_DOCUMENT_DEPTH}`);
    }
    if (Buffer.byteLength(JSON.stringify(input)) > MAX_DRAFT_BYTES) {
      throw badInput(E.GRANT_UPLOAD_TOO_LARGE, `a draft may be at most ${MAX_DRAFT_BYTES} bytes`);
    }
    const company = await this.dataSource
      .getRepository(CompanyEntity)
      .findOne({ where: { slug: input.grantorCompanySlug } });
    const group = await this.dataSource
      .getRepository(WorkingGroupEntity)
      .findOne({ where: { slug: input.granteeWorkingGroupSlug } });
    if (!company) throw notFound(CoreErrorCode.ALLIANCE_COMPANY_NOT_FOUND, 'no such company');
    if (!group) throw notFound(CoreErrorCode.ALLIANCE_WORKING_GROUP_NOT_FOUND, 'no such working group');
    const legal =
      actor.isAdmin ||
      actor.companies.get(company.id)?.has('LEGAL') === true ||
      actor.workingGroups.get(group.id)?.has('LEGAL') === true;
    if (input.amendsGrantId) {
      const existing = await this.dataSource
        .getRepository(GrantEntity)
        .findOne({ where: { id: input.amendsGrantId } });
      if (!existing || !this.canSee(actor, existing)) throw notFound(E.GRANT_NOT_FOUND, 'no such grant');
      if (existing.grantorCompanyId !== company.id || existing.granteeWorkingGroupId !== group.id) {
        throw badInput(E.GRANT_AMENDS_NOT_LIVE, 'an amendment keeps the grant’s grantor and grantee');
      }
    }
    if (!legal) {
      throw forbidden(
        E.GRANT_LEGAL_ROLE_REQUIRED,
        'drafting needs the LEGAL role in the grantor company or the grantee working group',
      );
    }
    const now = new Date();
    if (!(input.termFrom < input.termUntil) || input.termUntil <= now) {
      throw badInput(E.GRANT_TERM_INVALID, 'the term must start before it ends, and end in the future');
    }

    // Datasets: the grantor's own, PUBLISHED versions; their schemas are what the grant is checked against.
    const schemas = new Map<string, { columns: DatasetVersionEntity['columns'] }>();
    const datasets: Record<string, unknown>[] = [];
    for (const d of input.datasets) {
      const v = await this.dataSource.getRepository(DatasetVersionEntity).findOne({
        where: { datasetId: d.datasetId, version: d.version },
        relations: { dataset: true },
      });
      if (!v || v.dataset?.companyId !== company.id) {
        throw notFound(
          E.GRANT_DATASET_NOT_FOUND,
          'no such dataset version among the grantor company’s datasets',
        );
      }
      if (v.status !== 'PUBLISHED') {
        throw badInput(
          E.GRANT_DATASET_NOT_PUBLISHED,
          `dataset version ${d.version} is ${v.status}, not PUBLISHED`,
        );
      }
      schemas.set(d.datasetId, { columns: v.columns });
      datasets.push({
        datasetId: d.datasetId,
        name: v.dataset.name,
        version: d.version,
        ...(v.sha256 ? { objectSha256: v.sha256 } : {}),
        columns: d.columns.map((c) => ({ name: c.name, transform: c.transform })),
        ...(d.rowFilter ? { rowFilter: d.rowFilter } : {}),
        ...(d.kAnonymity ? { kAnonymity: d.kAnonymity } : {}),
      });
    }

    try {
      const saved = await this.dataSource.transaction(async (m) => {
        let grantId: string;
        let version = 1;
        let supersedes: string | undefined;
        if (input.amendsGrantId) {
          grantId = input.amendsGrantId;
          await m.query('SELECT id FROM grants WHERE id = $1 FOR UPDATE', [grantId]);
          const live = await m.findOne(GrantVersionEntity, { where: { grantId, state: In(LIVE) } });
          if (!live)
            throw conflict(E.GRANT_AMENDS_NOT_LIVE, 'only a live (ACTIVE or SUSPENDED) grant can be amended');
          supersedes = live.sha256;
          const max: Array<{ v: number }> = await m.query(
            'SELECT max(version)::int AS v FROM grant_versions WHERE grant_id = $1',
            [grantId],
          );
          version = (max[0]?.v ?? 0) + 1;
        } else {
          grantId = randomUUID();
          await m.insert(GrantEntity, {
            id: grantId,
            grantorCompanyId: company.id,
            granteeWorkingGroupId: group.id,
            createdBy: actor.userId,
          });
        }
        let doc: GrantDocument;
        let bytes: Buffer;
        try {
          doc = parseGrantDocument({
            schema: GRANT_SCHEMA,
            grantId,
            version,
            ...(supersedes ? { supersedes } : {}),
            grantor: { companySlug: company.slug, companyName: company.nameKo ?? company.name },
            grantee: { workingGroupSlug: group.slug, workingGroupName: group.nameKo },
            purpose: input.purpose,
            term: { from: isoUtc(input.termFrom), until: isoUtc(input.termUntil) },
            datasets,
            limits: { rowsPerQuery: input.limits.rowsPerQuery, queriesPerDay: input.limits.queriesPerDay },
            createdAt: isoUtc(new Date(Math.floor(now.getTime() / 1000) * 1000)),
          });
          const problems = validateGrantAgainstSchemas(doc, schemas as never);
          if (problems.length > 0) {
            const p = problems[0];
            throw badInput(grantCodeOf(p.code), `${p.message} (at ${p.path})`, {
              path: p.path,
              problems: problems.length,
            });
          }
          bytes = canonicalBytes(doc);
          parseCanonicalGrant(bytes); // what is stored must read back as exactly this grant
        } catch (err) {
          if (err instanceof ContractError) throw fromContract(err);
          throw err;
        }
        const row = await m.save(
          GrantVersionEntity,
          m.create(GrantVersionEntity, {
            grantId,
            version,
            document: bytes,
            sha256: sha256(bytes),
            supersedesSha256: supersedes ?? null,
            state: 'DRAFT',
            termFrom: input.termFrom,
            termUntil: input.termUntil,
            createdBy: actor.userId,
          }),
        );
        await this.audit.append(
          m,
          this.event(actor.userId, 'grant.drafted', company.id, group.id, grantId, {
            version,
            sha256: row.sha256,
            supersedes: supersedes ?? null,
          }),
        );
        return row;
      });
      return this.versionModel(saved, [], new Date());
    } catch (err) {
      if (isUniqueViolation(err, 'uq_grant_versions_grant_version')) {
        throw conflict(
          E.GRANT_AMENDMENT_CONFLICT,
          'another amendment was drafted at the same moment; try again',
        );
      }
      throw err;
    }
  }

  // ---------------------------------------------------------------- reading

  private canSee(actor: Actor, g: GrantEntity): boolean {
    return (
      actor.isAdmin ||
      actor.companies.has(g.grantorCompanyId) ||
      actor.workingGroups.has(g.granteeWorkingGroupId)
    );
  }

  private isPartyLegal(actor: Actor, g: GrantEntity): boolean {
    return (
      actor.isAdmin ||
      actor.companies.get(g.grantorCompanyId)?.has('LEGAL') === true ||
      actor.workingGroups.get(g.granteeWorkingGroupId)?.has('LEGAL') === true
    );
  }

  /** A grant visible to the caller (members of either party and the operator); others get NOT_FOUND. */
  async get(actor: Actor, id: string): Promise<Grant> {
    return (await this.toModels([await this.visibleGrant(actor, id, 'id')]))[0];
  }

  /**
   * The grant, when `grantId` is a UUID (else BAD_USER_INPUT naming `field`) and the caller can
   * see it (else NOT_FOUND). Nothing is logged either way.
   */
  private async visibleGrant(actor: Actor, grantId: string, field: string): Promise<GrantEntity> {
    requireUuid(grantId, field, E.GRANT_ID_INVALID);
    const grant = await this.dataSource.getRepository(GrantEntity).findOne({ where: { id: grantId } });
    if (!grant || !this.canSee(actor, grant)) throw notFound(E.GRANT_NOT_FOUND, 'no such grant');
    return grant;
  }

  /** Grants the caller can see, newest first (at most 200). */
  async list(
    actor: Actor,
    filter: { companySlug?: string; workingGroupSlug?: string; state?: GrantStateEnum },
  ): Promise<Grant[]> {
    const qb = this.dataSource
      .getRepository(GrantEntity)
      .createQueryBuilder('g')
      .innerJoinAndSelect('g.grantorCompany', 'c')
      .innerJoinAndSelect('g.granteeWorkingGroup', 'w')
      .orderBy('g.created_at', 'DESC')
      .limit(200);
    if (!actor.isAdmin) {
      const cos = [...actor.companies.keys()];
      const wgs = [...actor.workingGroups.keys()];
      if (cos.length === 0 && wgs.length === 0) return [];
      qb.andWhere(
        '(g.grantor_company_id = ANY(:cos::uuid[]) OR g.grantee_working_group_id = ANY(:wgs::uuid[]))',
        { cos, wgs },
      );
    }
    if (filter.companySlug) qb.andWhere('c.slug = :cs', { cs: filter.companySlug });
    if (filter.workingGroupSlug) qb.andWhere('w.slug = :ws', { ws: filter.workingGroupSlug });
    const models = await this.toModels(await qb.getMany());
    return filter.state ? models.filter((m) => m.state === filter.state) : models;
  }

  private async toModels(grants: GrantEntity[]): Promise<Grant[]> {
    if (grants.length === 0) return [];
    const ids = grants.map((g) => g.id);
    const [versions, companies, groups] = await Promise.all([
      this.dataSource
        .getRepository(GrantVersionEntity)
        .find({ where: { grantId: In(ids) }, order: { version: 'ASC' } }),
      this.dataSource.getRepository(CompanyEntity).findBy({ id: In(grants.map((g) => g.grantorCompanyId)) }),
      this.dataSource
        .getRepository(WorkingGroupEntity)
        .findBy({ id: In(grants.map((g) => g.granteeWorkingGroupId)) }),
    ]);
    const sigs = versions.length
      ? await this.dataSource.getRepository(GrantSignatureEntity).find({
          where: { grantVersionId: In(versions.map((v) => v.id)) },
          relations: { certificate: true },
          order: { createdAt: 'ASC' },
        })
      : [];
    const now = new Date();
    return grants.map((g) => {
      const vs = versions
        .filter((v) => v.grantId === g.id)
        .map((v) =>
          this.versionModel(
            v,
            sigs.filter((s) => s.grantVersionId === v.id),
            now,
          ),
        );
      // The live version; else the last one that was in force (not an amendment that never was); else the newest.
      const current =
        vs.find((v) => LIVE.includes(versions.find((x) => x.id === v.id)!.state)) ??
        vs.findLast((v) => v.activatedAt !== null) ??
        vs[vs.length - 1];
      return {
        id: g.id,
        grantorCompanySlug: companies.find((c) => c.id === g.grantorCompanyId)!.slug,
        granteeWorkingGroupSlug: groups.find((w) => w.id === g.granteeWorkingGroupId)!.slug,
        state: current.state,
        currentVersion: current,
        versions: vs,
      };
    });
  }

  /** The state as of `now`: the stored one, with term expiry and revoked/expired signer certificates applied. */
  private effectiveState(v: GrantVersionEntity, sigs: GrantSignatureEntity[], now: Date): GrantState {
    if (['TERMINATED', 'EXPIRED', 'SUPERSEDED'].includes(v.state)) return v.state;
    if (v.termUntil <= now) return 'EXPIRED';
    if (v.state === 'ACTIVE') {
      const broken = sigs.some(
        (s) =>
          s.replacedAt === null &&
          s.certificate &&
          (s.certificate.revokedAt !== null || s.certificate.notAfter <= now),
      );
      if (broken) return 'SUSPENDED';
    }
    return v.state;
  }

  private versionModel(v: GrantVersionEntity, sigs: GrantSignatureEntity[], now: Date): GrantVersion {
    const doc = parseCanonicalGrant(v.document);
    return {
      id: v.id,
      grantId: v.grantId,
      version: v.version,
      state: this.effectiveState(v, sigs, now) as GrantStateEnum,
      stateReason: v.stateReason,
      sha256: v.sha256,
      supersedesSha256: v.supersedesSha256,
      canonicalDocument: v.document.toString('utf8'),
      text: renderGrantText(doc, { sha256: v.sha256 }),
      termFrom: v.termFrom,
      termUntil: v.termUntil,
      createdAt: v.createdAt,
      activatedAt: v.activatedAt,
      endedAt: v.endedAt,
      signatures: sigs.map((s): GrantSignature => ({
        id: s.id,
        party: s.party as GrantPartyEnum,
        signerName: s.certificate ? this.certName(s.certificate) : '',
        certificateSerial: s.certificate?.serialNumber ?? '',
        signingTime: s.signingTime,
        attachedAt: s.createdAt,
        current: s.replacedAt === null,
      })),
    };
  }

  private certName(c: CertificateEntity): string {
    try {
      return describeCertificate(c.certificatePem).identity?.name ?? c.userId;
    } catch {
      return c.userId;
    }
  }

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
    const grant = await this.visibleGrant(actor, grantId, 'grantId');
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
    if (!this.isPartyLegal(actor, grant)) {
      throw forbidden(
        E.GRANT_LEGAL_ROLE_REQUIRED,
        'attaching signatures needs the LEGAL role in a party (or the operator)',
      );
    }
    const target = await this.dataSource
      .getRepository(GrantVersionEntity)
      .findOne({ where: { grantId, version } });
    if (!target) throw notFound(E.GRANT_VERSION_NOT_FOUND, 'no such version of the grant');
    this.assertSignable(target);
    const now = new Date();
    // Signing time against the draft's createdAt, certificate valid now: in verifyDocumentSignature.
    const verified = await this.verifyForVersion(grantId, target, der, now);
    const doc = parseCanonicalGrant(target.document);
    const party = this.partyOf(verified, doc, grant);
    if (claimedParty && claimedParty !== party) {
      throw badInput(
        E.GRANT_SIGNER_PARTY_MISMATCH,
        `the certificate signs for the ${party.toLowerCase()}, not the ${claimedParty.toLowerCase()}`,
      );
    }

    await this.dataSource.transaction(async (m) => {
      await m.query('SELECT id FROM grants WHERE id = $1 FOR UPDATE', [grantId]);
      await this.assertSignerStillLegal(m, verified, party, grant);
      const v = await m.findOneOrFail(GrantVersionEntity, { where: { id: target.id } });
      this.assertSignable(v);
      const current = await m.find(GrantSignatureEntity, {
        where: { grantVersionId: v.id, replacedAt: IsNull() },
      });
      const cmsSha = sha256(der);
      if (current.some((s) => s.cmsSha256 === cmsSha)) {
        throw conflict(E.GRANT_ALREADY_SIGNED, 'this signature is already attached');
      }
      const other = current.find((s) => s.party !== String(party));
      if (other && other.signerUserId === verified.certificate.userId) {
        throw badInput(E.GRANT_SAME_SIGNER, 'the same person may not sign for both parties');
      }
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
        this.event(
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
      if (signedParties.has('GRANTOR') && signedParties.has('GRANTEE')) {
        await this.activate(m, grant, v, actor.userId, now);
      } else if (v.state === 'DRAFT' || v.state === 'ACTIVE') {
        // ACTIVE with a lost signature counts as suspended until the party signs again.
        const next: GrantState = v.state === 'DRAFT' ? 'AWAITING_SIGNATURES' : 'SUSPENDED';
        await m.update(GrantVersionEntity, { id: v.id }, { state: next });
      }
      return row;
    });
    return this.versionById(target.id);
  }

  private assertSignable(v: GrantVersionEntity): void {
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

  /** The party a verified signer speaks for, from the certificate (and the hub's record of it). */
  private partyOf(verified: VerifiedSigner, doc: GrantDocument, grant: GrantEntity): GrantPartyEnum {
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

  /**
   * A certificate is issued to a party's legal staff and stays valid until it expires or is
   * revoked; a new signature (to open a version or to end the grant) also needs its holder to
   * hold the LEGAL role in that party now, so that someone whose role was taken away cannot sign
   * in the meantime. Signatures already attached stand: the role is judged when one signs.
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
        this.event(
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
    const reactivated = v.state === 'SUSPENDED' || v.state === 'ACTIVE';
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
      this.event(
        actorUserId,
        reactivated ? 'grant.reactivated' : 'grant.activated',
        grant.grantorCompanyId,
        grant.granteeWorkingGroupId,
        grant.id,
        { version: v.version, sha256: v.sha256 },
      ),
    );
  }

  private async versionById(id: string): Promise<GrantVersion> {
    const v = await this.dataSource.getRepository(GrantVersionEntity).findOneOrFail({ where: { id } });
    const sigs = await this.dataSource.getRepository(GrantSignatureEntity).find({
      where: { grantVersionId: id },
      relations: { certificate: true },
      order: { createdAt: 'ASC' },
    });
    return this.versionModel(v, sigs, new Date());
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
    const grant = await this.visibleGrant(actor, grantId, 'grantId');
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
    if (!this.isPartyLegal(actor, grant)) {
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
    if (termination.grantId !== grantId || termination.grantSha256 !== live.sha256) {
      throw badInput(E.GRANT_TERMINATION_MISMATCH, 'the termination document names another grant or version');
    }
    const now = new Date();
    let verified: VerifiedSigner;
    try {
      verified = await this.pki.verify(bytes, der, now);
    } catch (err) {
      if (err instanceof PkiError) throw fromPki(err);
      throw err;
    }
    const party = this.partyOf(verified, parseCanonicalGrant(live.document), grant);
    if (party !== (termination.party as GrantPartyEnum)) {
      throw badInput(
        E.GRANT_SIGNER_PARTY_MISMATCH,
        'the termination names a party the signer does not sign for',
      );
    }
    await this.dataSource.transaction(async (m) => {
      await m.query('SELECT id FROM grants WHERE id = $1 FOR UPDATE', [grantId]);
      await this.assertSignerStillLegal(m, verified, party, grant);
      const v = await m.findOneOrFail(GrantVersionEntity, { where: { id: live.id } });
      if (!LIVE.includes(v.state))
        throw conflict(E.GRANT_NOT_ACTIVE, 'the grant has no live version to terminate');
      await m.insert(GrantTerminationEntity, {
        grantVersionId: v.id,
        document: bytes,
        sha256: sha256(bytes),
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
        this.event(
          actor.userId,
          'grant.terminated',
          grant.grantorCompanyId,
          grant.granteeWorkingGroupId,
          grantId,
          {
            version: v.version,
            sha256: v.sha256,
            party,
            terminationSha256: sha256(bytes),
            certificateSerial: verified.certificate.serialNumber,
          },
        ),
      );
    });
    return this.get(actor, grantId);
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
        this.event(
          actorUserId,
          'grant.amendment.ended',
          grant.grantorCompanyId,
          grant.granteeWorkingGroupId,
          grant.id,
          {
            version: v.version,
            sha256: v.sha256,
            reason: E.GRANT_TERMINATED,
          },
        ),
      );
    }
  }

  /** Revocation listener: suspends, in the revoking transaction, every ACTIVE version the certificate signed. */
  private async suspendSignedBy(
    m: EntityManager,
    cert: CertificateEntity,
    actorUserId: string,
  ): Promise<void> {
    const rows: Array<{
      id: string;
      grant_id: string;
      version: number;
      sha256: string;
      grantor: string;
      grantee: string;
    }> = await m.query(
      `SELECT v.id, v.grant_id, v.version, v.sha256, g.grantor_company_id AS grantor, g.grantee_working_group_id AS grantee
           FROM grant_versions v
           JOIN grants g ON g.id = v.grant_id
          WHERE v.state = 'ACTIVE'
            AND EXISTS (SELECT 1 FROM grant_signatures s
                         WHERE s.grant_version_id = v.id AND s.replaced_at IS NULL AND s.certificate_id = $1)
          FOR UPDATE OF v`,
      [cert.id],
    );
    for (const r of rows) {
      await m.update(
        GrantVersionEntity,
        { id: r.id },
        { state: 'SUSPENDED', stateReason: 'PKI_CERT_REVOKED' },
      );
      await this.audit.append(
        m,
        this.event(actorUserId, 'grant.suspended', r.grantor, r.grantee, r.grant_id, {
          version: r.version,
          sha256: r.sha256,
          reason: 'PKI_CERT_REVOKED',
          certificateSerial: cert.serialNumber,
        }),
      );
    }
  }

  /**
   * The periodic sweep (also callable directly): versions past their term become EXPIRED;
   * ACTIVE versions with a current signer certificate past its notAfter become SUSPENDED; the
   * CRL is reissued when it nears its nextUpdate.
   * Returns how many versions changed.
   */
  async sweep(now = new Date()): Promise<number> {
    // Keeps the published CRL fresh even when nobody asks for it.
    await this.pki.currentCrl(now);
    return this.dataSource.transaction(async (m) => {
      const expired: Array<{
        id: string;
        grant_id: string;
        version: number;
        sha256: string;
        grantor: string;
        grantee: string;
      }> = await m
        .query(
          `UPDATE grant_versions v SET state = 'EXPIRED', ended_at = $1, state_reason = 'TERM_ENDED'
             FROM grants g
            WHERE g.id = v.grant_id AND v.state IN ('DRAFT', 'AWAITING_SIGNATURES', 'ACTIVE', 'SUSPENDED') AND v.term_until <= $1
          RETURNING v.id, v.grant_id, v.version, v.sha256, g.grantor_company_id AS grantor, g.grantee_working_group_id AS grantee`,
          [now],
        )
        .then(returnedRows<never>);
      for (const r of expired) {
        await this.audit.append(
          m,
          this.event(null, 'grant.expired', r.grantor, r.grantee, r.grant_id, {
            version: r.version,
            sha256: r.sha256,
          }),
        );
      }
      const lapsed: Array<{
        id: string;
        grant_id: string;
        version: number;
        sha256: string;
        grantor: string;
        grantee: string;
      }> = await m
        .query(
          `UPDATE grant_versions v SET state = 'SUSPENDED', state_reason = 'PKI_CERT_EXPIRED'
             FROM grants g
            WHERE g.id = v.grant_id AND v.state = 'ACTIVE'
              AND EXISTS (SELECT 1 FROM grant_signatures s JOIN certificates c ON c.id = s.certificate_id
                           WHERE s.grant_version_id = v.id AND s.replaced_at IS NULL AND c.not_after <= $1)
          RETURNING v.id, v.grant_id, v.version, v.sha256, g.grantor_company_id AS grantor, g.grantee_working_group_id AS grantee`,
          [now],
        )
        .then(returnedRows<never>);
      for (const r of lapsed) {
        await this.audit.append(
          m,
          this.event(null, 'grant.suspended', r.grantor, r.grantee, r.grant_id, {
            version: r.version,
            sha256: r.sha256,
            reason: 'PKI_CERT_EXPIRED',
          }),
        );
      }
      return expired.length + lapsed.length;
    });
  }

  // ---------------------------------------------------------------- the gate

  /**
   * The check every data access makes, fail closed. Resolves with the verified grant terms for
   * `datasetId` when the grant is ACTIVE at `at`, within its term, its stored bytes intact, and
   * both parties' current signatures verify NOW against the alliance anchors and the CRL in
   * force (cached per signature and CRL number, so this is cheap). Otherwise throws HubError:
   * NOT_FOUND GRANT_NOT_FOUND; FORBIDDEN GRANT_NOT_ACTIVE | GRANT_SUSPENDED | GRANT_EXPIRED |
   * GRANT_TERMINATED | GRANT_DOCUMENT_TAMPERED | GRANT_SIGNATURE_INVALID (details.pkiCode) |
   * GRANT_DATASET_NOT_GRANTED; SERVICE_UNAVAILABLE DATABASE_UNAVAILABLE | GRANT_CHECK_UNAVAILABLE
   * when what it checks cannot be read (an infrastructure failure is never a tampering verdict).
   * It does not check who calls: the caller passes `authorizeParties`, which sees the grant's
   * parties before any of its state is judged (and throws to refuse), and may read what depends
   * on the live version in the same query (`alongside`).
   */
  async assertOpen(
    grantId: string,
    datasetId: string,
    at: Date = new Date(),
    options: AssertOpenOptions = {},
  ): Promise<OpenGrant> {
    const { authorizeParties } = options;
    const deny = (code: E, message: string, details?: HubError['details']) =>
      new HubError('FORBIDDEN', code, message, { details });
    if (!UUID.test(grantId)) throw notFound(E.GRANT_NOT_FOUND, 'no such grant');
    const ca = await this.pki.ca();
    const rows = await preparedQuery<AccessSnapshot>(
      this.dataSource,
      accessSnapshotSql(options.alongside?.sql),
      [grantId, ca.issuerFingerprint, ...(options.alongside?.params ?? [])],
    );
    const snap = rows[0];
    if (!snap) throw notFound(E.GRANT_NOT_FOUND, 'no such grant');
    const parties = {
      id: grantId,
      grantorCompanyId: snap.grantorCompanyId,
      granteeWorkingGroupId: snap.granteeWorkingGroupId,
    };
    authorizeParties?.(parties);
    if (
      snap.versionId === null ||
      snap.version === null ||
      snap.termFrom === null ||
      snap.termUntil === null
    ) {
      if (snap.latestState === 'TERMINATED') throw deny(E.GRANT_TERMINATED, 'the grant was terminated');
      if (snap.latestState === 'EXPIRED') throw deny(E.GRANT_EXPIRED, 'the grant’s term has ended');
      throw deny(E.GRANT_NOT_ACTIVE, 'the grant is not active (not yet signed by both parties)');
    }
    const versionId = snap.versionId;
    if (snap.termUntil <= at) throw deny(E.GRANT_EXPIRED, 'the grant’s term has ended');
    if (snap.state === 'SUSPENDED') {
      throw deny(
        E.GRANT_SUSPENDED,
        'a signer’s certificate is revoked or expired; that party must sign again',
        {
          reason: snap.stateReason,
        },
      );
    }
    if (at < snap.termFrom) throw deny(E.GRANT_NOT_ACTIVE, 'the grant’s term has not started yet');
    // The document's bytes were hashed by the database in the same query: a tampered row is
    // caught here whether or not its parse is cached.
    let document: GrantDocument;
    try {
      if (snap.documentSha256 !== snap.sha256 || snap.sha256 === null) throw new DocumentMismatch('hash');
      document = await this.parsedDocument(versionId, snap.sha256);
      if (document.grantId !== grantId || document.version !== snap.version)
        throw new DocumentMismatch('identity');
    } catch (err) {
      // Only the check's own verdicts mean tampering; a failed read is not one.
      if (!(err instanceof DocumentMismatch || err instanceof ContractError))
        throw grantCheckUnavailable(err);
      throw deny(E.GRANT_DOCUMENT_TAMPERED, 'the stored grant no longer matches what was signed');
    }
    const dataset = document.datasets.find((d) => d.datasetId === datasetId);
    if (!dataset) throw deny(E.GRANT_DATASET_NOT_GRANTED, 'the dataset is not part of this grant');
    const crl = await this.pki.crlNumbered(snap.crlNumber, at);
    const signers = new Set<string>();
    for (const party of ['GRANTOR', 'GRANTEE'] as const) {
      const s = snap.signatures.find((x) => x.party === party);
      if (!s) throw deny(E.GRANT_SIGNATURE_INVALID, `the ${party.toLowerCase()}’s signature is missing`);
      let v: VerifiedSigner<SignerCertificate>;
      try {
        v = await this.pki.verifyStored(
          {
            cmsSha256: s.cmsSha256,
            contentSha256: snap.sha256,
            certificate: {
              id: s.certificateId,
              serialNumber: s.serialNumber,
              issuerFingerprint: s.issuerFingerprint,
              fingerprintSha256: s.fingerprintSha256,
              userId: s.userId,
              notAfter: new Date(s.notAfter),
              revokedAt: s.revokedAt === null ? null : new Date(s.revokedAt),
            },
            load: () => this.storedSignatureBytes(versionId, party),
          },
          at,
          crl,
        );
      } catch (err) {
        // Only verification verdicts (PkiError, the hub's refusals) judge the signature.
        if (err instanceof HubError && err.category === 'SERVICE_UNAVAILABLE') throw err;
        if (!(err instanceof PkiError || err instanceof HubError)) throw grantCheckUnavailable(err);
        const code = err.code;
        if (code === PkiErrorCode.PKI_CERT_REVOKED || code === PkiErrorCode.PKI_CERT_EXPIRED) {
          throw deny(
            E.GRANT_SUSPENDED,
            'a signer’s certificate is revoked or expired; that party must sign again',
            {
              reason: code,
            },
          );
        }
        throw deny(E.GRANT_SIGNATURE_INVALID, `the ${party.toLowerCase()}’s signature does not verify`, {
          pkiCode: code,
        });
      }
      if (signerMatchesParty(v.signer, document) !== party || v.certificate.id !== s.certificateId) {
        throw deny(
          E.GRANT_SIGNATURE_INVALID,
          `the ${party.toLowerCase()}’s signer does not match the party`,
          {
            pkiCode: null,
          },
        );
      }
      signers.add(v.certificate.userId);
    }
    if (signers.size !== 2) throw deny(E.GRANT_SIGNATURE_INVALID, 'the two signers must be different people');
    return {
      grant: parties,
      version: {
        id: versionId,
        version: snap.version,
        sha256: snap.sha256,
        state: snap.state!,
        termFrom: snap.termFrom,
        termUntil: snap.termUntil,
      },
      document,
      dataset,
      ...(options.alongside === undefined ? {} : { alongside: snap.alongside ?? null }),
    };
  }

  /** The parsed document of a version whose bytes hash to `sha` (read and parsed once per hash). */
  private async parsedDocument(versionId: string, sha: string): Promise<GrantDocument> {
    const known = this.parsedDocuments.get(sha);
    if (known) return known;
    const rows: Array<{ document: Buffer }> = await this.dataSource.query(
      'SELECT document FROM grant_versions WHERE id = $1',
      [versionId],
    );
    const bytes = rows[0]?.document;
    if (!bytes || sha256(bytes) !== sha) throw new DocumentMismatch('hash');
    const document = parseCanonicalGrant(bytes);
    if (this.parsedDocuments.size >= MAX_PARSED_DOCUMENTS) this.parsedDocuments.clear();
    this.parsedDocuments.set(sha, document);
    return document;
  }

  /** The stored bytes a party's current signature covers (read only when its outcome is not cached). */
  private async storedSignatureBytes(
    versionId: string,
    party: 'GRANTOR' | 'GRANTEE',
  ): Promise<{ content: Buffer; cmsDer: Buffer }> {
    const rows: Array<{ document: Buffer; cms_der: Buffer }> = await this.dataSource.query(
      `SELECT v.document, s.cms_der FROM grant_versions v
         JOIN grant_signatures s ON s.grant_version_id = v.id AND s.party = $2 AND s.replaced_at IS NULL
        WHERE v.id = $1`,
      [versionId, party],
    );
    if (!rows[0]) throw new PkiError(PkiErrorCode.PKI_SIGNATURE_INVALID, 'the stored signature is gone');
    return { content: rows[0].document, cmsDer: rows[0].cms_der };
  }

  private event(
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
}
