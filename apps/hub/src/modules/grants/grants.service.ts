import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  canonicalBytes,
  ContractError,
  GRANT_SCHEMA,
  MAX_DOCUMENT_DEPTH,
  parseCanonicalGrant,
  parseGrantDocument,
  renderGrantText,
  unsafeTextKind,
  validateGrantAgainstSchemas,
  type GrantableColumn,
  type GrantableSchema,
  type GrantDocument,
} from '@maxhub/contracts';
import {
  CertificateEntity,
  CompanyEntity,
  type DatasetColumnRecord,
  DatasetVersionEntity,
  GrantEntity,
  GrantSignatureEntity,
  GrantVersionEntity,
  WorkingGroupEntity,
} from '@maxhub/db';
import { NEW_DRAFT_TIME_OF_DAY } from '@maxhub/deidentification';
import { describeCertificate } from '@maxhub/pki';
import { DataSource, In } from 'typeorm';
import {
  AccessService,
  Actor,
  AuditService,
  badInput,
  conflict,
  needsRiskReview,
  CoreErrorCode,
  forbidden,
  isUniqueViolation,
  notFound,
} from '@maxhub/core';
import { requireUuid } from '../../common/ids';
import { DEFAULT_EXPORTS, DraftGrantInput } from './dto/draft-grant.input';

/**
 * A published column as grant validation sees it: unclassified (`defaulted`) columns may not be
 * kept raw, and a publisher's override of a personal-data detection is written into the document.
 */
function grantableColumn(c: DatasetColumnRecord): GrantableColumn {
  return {
    name: c.name,
    type: c.type as GrantableColumn['type'],
    class: c.class as GrantableColumn['class'],
    nullable: c.nullable,
    defaulted: c.defaulted === true,
    ...(c.classOverridden && c.personalData
      ? { personalDataOverride: { detectedKind: c.personalData.kind } }
      : {}),
  };
}

/**
 * A shiftDate transform with its time-of-day treatment written down: the drafter's, or the
 * hub's default for new drafts (cut to the hour), so the document says what it keeps.
 */
function withTimeOfDay(transform: Record<string, unknown>): Record<string, unknown> {
  if (transform.kind !== 'shiftDate' || transform.timeOfDay !== undefined) return transform;
  return { ...transform, timeOfDay: { ...NEW_DRAFT_TIME_OF_DAY } };
}

/** Hours within which the views of an ended grant are deleted (written into every v2 grant). */
const VIEW_RETENTION_HOURS = 24;
import { GrantRefusalsService } from './grant-refusals.service';
import {
  assertAmendmentKeepsParties,
  assertTermValid,
  CHANGES_GRANT,
  depthOf,
  effectiveState,
  fromContract,
  grantCodeOf,
  grantEvent,
  LIVE,
  MAX_DRAFT_BYTES,
  partiesOf,
  SEES_GRANT,
  sha256Hex,
} from './grant-rules';
import { GrantErrorCode as E } from './grants.errors';
import { riskReviewModel } from './grant-review.models';
import { Grant, GrantPartyEnum, GrantSignature, GrantStateEnum, GrantVersion } from './grant.models';

/** ISO 8601 UTC without milliseconds when they are zero (the document's time format). */
const isoUtc = (d: Date) => d.toISOString().replace('.000Z', 'Z');

/**
 * NDA grants: drafting (and amending) against the datasets' schemas, and reading grants as their
 * parties see them. Signatures and terminations are GrantSigningService; the check every data
 * access makes is GrantGateService; expiry and revocation are GrantSweepService; the rules all of
 * them apply are grant-rules.ts. Every state change appends to the audit log in its own
 * transaction.
 */
@Injectable()
export class GrantsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly refusals: GrantRefusalsService,
  ) {}

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
      this.access.standing(actor, { companyId: company.id, workingGroupId: group.id }, CHANGES_GRANT) ===
      'ALLOWED';
    if (input.amendsGrantId) {
      const existing = await this.dataSource
        .getRepository(GrantEntity)
        .findOne({ where: { id: input.amendsGrantId } });
      if (!existing || !this.canSee(actor, existing)) throw notFound(E.GRANT_NOT_FOUND, 'no such grant');
      assertAmendmentKeepsParties(existing, company.id, group.id);
    }
    if (!legal) {
      throw forbidden(
        E.GRANT_LEGAL_ROLE_REQUIRED,
        'drafting needs the LEGAL role in the grantor company or the grantee working group',
      );
    }
    const now = new Date();
    assertTermValid(input.termFrom, input.termUntil, now);

    // Datasets: the grantor's own, PUBLISHED versions; their schemas are what the grant is checked against.
    const schemas = new Map<string, GrantableSchema>();
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
      schemas.set(d.datasetId, { columns: v.columns.map(grantableColumn) });
      const published = new Map(v.columns.map((c) => [c.name, c]));
      // Named before the document is built: its columns carry their published class.
      d.columns.forEach((c, j) => {
        // (A name that is not safe text, or too long, is the document parser's to refuse.)
        if (!published.has(c.name) && c.name.length <= 128 && unsafeTextKind(c.name, 'line') === null)
          throw badInput(
            E.GRANT_UNKNOWN_COLUMN,
            `column "${c.name}" is not in the dataset schema (at datasets[${datasets.length}].columns[${j}].name)`,
            { path: `datasets[${datasets.length}].columns[${j}].name`, problems: 1 },
          );
      });
      datasets.push({
        datasetId: d.datasetId,
        name: v.dataset.name,
        version: d.version,
        ...(v.sha256 ? { objectSha256: v.sha256 } : {}),
        // Each column with the class it was published with (an unknown column is refused below).
        columns: d.columns.map((c) => {
          const col = published.get(c.name);
          const override = col ? grantableColumn(col).personalDataOverride : undefined;
          return {
            name: c.name,
            transform: withTimeOfDay(c.transform),
            ...(col ? { class: col.class } : {}),
            ...(override ? { personalDataOverride: override } : {}),
          };
        }),
        ...(d.rowFilter ? { rowFilter: d.rowFilter } : {}),
        ...(d.kAnonymity ? { kAnonymity: d.kAnonymity } : {}),
        ...(d.quasiIdentifierExclusions?.length
          ? {
              quasiIdentifierExclusions: d.quasiIdentifierExclusions.map((e) => ({
                column: e.column,
                reason: e.reason,
              })),
            }
          : {}),
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
            limits: {
              rowsPerQuery: input.limits.rowsPerQuery,
              queriesPerDay: input.limits.queriesPerDay,
              exports: input.limits.exports
                ? {
                    allowed: input.limits.exports.allowed,
                    maxRowsPerExport: input.limits.exports.maxRowsPerExport,
                    perDay: input.limits.exports.perDay,
                  }
                : { ...DEFAULT_EXPORTS },
            },
            // The hub's worker deletes the views of a grant that is no longer live on its
            // reconcile interval (minutes); a day is the promise it keeps with room to spare.
            retention: { viewsDeletedWithinHours: VIEW_RETENTION_HOURS },
            release: { rowOrder: 'PERMUTED_PER_GRANT' },
            createdAt: isoUtc(new Date(Math.floor(now.getTime() / 1000) * 1000)),
          });
          const problems = validateGrantAgainstSchemas(doc, schemas);
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
            sha256: sha256Hex(bytes),
            supersedesSha256: supersedes ?? null,
            state: 'DRAFT',
            // Hierarchies: the worker's risk review chooses the levels and writes its figures
            // into the document; until then nobody can sign it.
            reviewStatus: doc.datasets.some(needsRiskReview) ? 'PENDING' : null,
            termFrom: input.termFrom,
            termUntil: input.termUntil,
            createdBy: actor.userId,
          }),
        );
        await this.audit.append(
          m,
          grantEvent(actor.userId, 'grant.drafted', company.id, group.id, grantId, {
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
    return this.access.standing(actor, partiesOf(g), SEES_GRANT) !== 'OUTSIDER';
  }

  /** A grant visible to the caller (members of either party and the operator); others get NOT_FOUND. */
  async get(actor: Actor, id: string): Promise<Grant> {
    return (await this.toModels([await this.visibleGrant(actor, id, 'id')]))[0];
  }

  /**
   * The grant, when `grantId` is a UUID (else BAD_USER_INPUT naming `field`) and the caller can
   * see it (else NOT_FOUND). Nothing is logged either way.
   */
  async visibleGrant(actor: Actor, grantId: string, field: string): Promise<GrantEntity> {
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
      const cos = [...this.access.companiesOf(actor)];
      const wgs = [...this.access.workingGroupsOf(actor)];
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

  /** One version as its parties read it, by id (after a change the caller just committed). */
  async versionById(id: string): Promise<GrantVersion> {
    const v = await this.dataSource.getRepository(GrantVersionEntity).findOneOrFail({ where: { id } });
    const sigs = await this.dataSource.getRepository(GrantSignatureEntity).find({
      where: { grantVersionId: id },
      relations: { certificate: true },
      order: { createdAt: 'ASC' },
    });
    return this.versionModel(v, sigs, new Date());
  }

  private versionModel(v: GrantVersionEntity, sigs: GrantSignatureEntity[], now: Date): GrantVersion {
    const doc = parseCanonicalGrant(v.document);
    return {
      id: v.id,
      grantId: v.grantId,
      version: v.version,
      state: effectiveState(v, sigs, now) as GrantStateEnum,
      stateReason: v.stateReason,
      sha256: v.sha256,
      supersedesSha256: v.supersedesSha256,
      canonicalDocument: v.document.toString('utf8'),
      text: renderGrantText(doc, { sha256: v.sha256 }),
      textKo: renderGrantText(doc, { sha256: v.sha256, lang: 'ko' }),
      termFrom: v.termFrom,
      termUntil: v.termUntil,
      createdAt: v.createdAt,
      activatedAt: v.activatedAt,
      endedAt: v.endedAt,
      riskReview: riskReviewModel(v, doc),
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
}
