import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  canonicalBytes,
  ContractError,
  parseCanonicalGrant,
  parseGrantDocument,
  sha256Hex,
  validateGrantAgainstSchemas,
  type GrantDataset,
  type GrantDocument,
  type GrantRiskReview,
  type GrantableSchema,
} from '@maxhub/contracts';
import { DatasetVersionEntity, GrantEntity, GrantVersionEntity } from '@maxhub/db';
import {
  canonicalRiskReview,
  compilePredicates,
  DeidentificationError,
  findTableHierarchyProblem,
  formatRatio,
  FrequencyTableBuilder,
  KAnonymitySpecSchema,
  refuseHierarchyProblem,
  reviewRisk,
  riskReviewSha256,
  type ReviewQuasiIdentifier,
  type RiskReview,
} from '@maxhub/deidentification';
import {
  FormatError,
  readRows,
  type ByteSource,
  type ColumnType,
  type DatasetFormat,
  type DeclaredEncoding,
} from '@maxhub/formats';
import { CompanyStorage, type CompanyBucket } from '@maxhub/storage';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';

import { GrantReviewErrorCode as E } from './grant-review.errors';

/** A refusal that ends the review for good: the version can never be signed. */
class ReviewRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Whether a granted dataset's k-anonymity needs the risk review (it gives hierarchies). */
export function needsRiskReview(ds: Pick<GrantDataset, 'kAnonymity'>): boolean {
  const h = ds.kAnonymity?.hierarchies;
  return h !== undefined && Object.keys(h).length > 0;
}

/**
 * The risk review of a drafted grant version, run by the worker: for each dataset whose
 * k-anonymity gives hierarchies, it streams the pinned version's object once (rows outside the
 * grant's row filter are not counted: they are not released), counts the quasi-identifier
 * combinations (FrequencyTableBuilder), refuses a hierarchy that does not cover a value (naming
 * the column and level, never the value), searches the lattice (reviewRisk: k, the grant's
 * suppression limit, DM* unless the grant names DM) and writes the chosen levels and the review's
 * figures into the document. The new canonical bytes replace the draft's, which nobody could
 * sign while the review was PENDING.
 */
@Injectable()
export class GrantReviewService {
  private readonly logger = new Logger(GrantReviewService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: CompanyStorage,
    private readonly audit: AuditService,
  ) {}

  /**
   * The grant versions whose review is pending, each with the bytes its review reads (the sum of
   * its granted versions' objects, for the job's expiry).
   */
  async pending(): Promise<Array<{ versionId: string; bytes: number }>> {
    const rows: Array<{ id: string; document: Buffer }> = await this.dataSource.query(
      `SELECT id, document FROM grant_versions WHERE review_status = 'PENDING' ORDER BY created_at LIMIT 100`,
    );
    const out: Array<{ versionId: string; bytes: number }> = [];
    for (const r of rows) {
      const doc = parseCanonicalGrant(r.document);
      let bytes = 0;
      for (const ds of doc.datasets) {
        const dv = await this.dataSource
          .getRepository(DatasetVersionEntity)
          .findOne({ where: { datasetId: ds.datasetId, version: ds.version } });
        bytes += Number(dv?.sizeBytes ?? 0);
      }
      out.push({ versionId: r.id, bytes });
    }
    return out;
  }

  /**
   * Reviews one version (idempotent: a version no longer PENDING is left alone). A refusal marks
   * it FAILED with its code; anything else (storage, database) is thrown, for the job to retry.
   */
  async review(versionId: string): Promise<'READY' | 'FAILED' | 'SKIPPED'> {
    const v = await this.dataSource.getRepository(GrantVersionEntity).findOne({ where: { id: versionId } });
    if (!v || v.reviewStatus !== 'PENDING') return 'SKIPPED';
    const grant = await this.dataSource.getRepository(GrantEntity).findOneByOrFail({ id: v.grantId });
    const doc = parseCanonicalGrant(v.document);
    let bytes: Buffer;
    const reports: Record<string, string> = {};
    try {
      const schemas = new Map<string, GrantableSchema>();
      const datasets: GrantDataset[] = [];
      for (const ds of doc.datasets) {
        const dv = await this.pinnedVersion(grant.grantorCompanyId, ds);
        schemas.set(ds.datasetId, {
          columns: dv.columns.map((c) => ({
            name: c.name,
            type: c.type as ColumnType,
            class: c.class as never,
            nullable: c.nullable,
          })),
        });
        if (!needsRiskReview(ds)) {
          datasets.push(ds);
          continue;
        }
        const report = await this.reviewDataset(grant.grantorCompanyId, dv, ds);
        reports[ds.datasetId] = canonicalRiskReview(report);
        datasets.push({
          ...ds,
          kAnonymity: { ...ds.kAnonymity!, levels: levelsOf(report) },
          riskReview: figuresOf(report),
        });
      }
      const reviewed: GrantDocument = parseGrantDocument({ ...doc, datasets });
      const problems = validateGrantAgainstSchemas(reviewed, schemas);
      if (problems.length > 0)
        throw new ReviewRefusal(problems[0].code, `${problems[0].message} (at ${problems[0].path})`);
      bytes = canonicalBytes(reviewed);
      parseCanonicalGrant(bytes);
    } catch (err) {
      const refusal = refusalOf(err);
      if (refusal === undefined) throw err;
      await this.finish(v, grant, {
        reviewStatus: 'FAILED',
        reviewErrorCode: refusal.code,
        reviewErrorMessage: refusal.message,
      });
      this.logger.warn({ msg: 'grant risk review failed', versionId, code: refusal.code });
      return 'FAILED';
    }
    const done = await this.finish(v, grant, {
      reviewStatus: 'READY',
      reviewReports: reports,
      document: bytes,
      sha256: sha256Hex(bytes),
    });
    return done ? 'READY' : 'SKIPPED';
  }

  /** Writes the outcome if the version is still PENDING, with its audit entry; false when it was not. */
  private async finish(
    v: GrantVersionEntity,
    grant: GrantEntity,
    changes: Partial<GrantVersionEntity>,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      const r = await m
        .createQueryBuilder()
        .update(GrantVersionEntity)
        .set(changes)
        .where('id = :id AND review_status = :pending', { id: v.id, pending: 'PENDING' })
        .execute();
      if ((r.affected ?? 0) === 0) return false;
      await this.audit.append(m, {
        actorUserId: null,
        action: changes.reviewStatus === 'READY' ? 'grant.review.ready' : 'grant.review.failed',
        companyId: grant.grantorCompanyId,
        workingGroupId: grant.granteeWorkingGroupId,
        subjectType: 'grant',
        subjectId: grant.id,
        details: {
          version: v.version,
          ...(changes.sha256 ? { sha256: changes.sha256, draftSha256: v.sha256 } : {}),
          ...(changes.reviewErrorCode ? { code: changes.reviewErrorCode } : {}),
        },
      });
      return true;
    });
  }

  private async pinnedVersion(companyId: string, ds: GrantDataset): Promise<DatasetVersionEntity> {
    const dv = await this.dataSource.getRepository(DatasetVersionEntity).findOne({
      where: { datasetId: ds.datasetId, version: ds.version },
      relations: { dataset: true },
    });
    if (!dv || dv.dataset?.companyId !== companyId || dv.status !== 'PUBLISHED') {
      throw new ReviewRefusal(
        E.GRANT_REVIEW_SOURCE_UNAVAILABLE,
        `dataset version ${ds.version} is no longer published; the review cannot read it`,
      );
    }
    return dv;
  }

  private async reviewDataset(
    companyId: string,
    dv: DatasetVersionEntity,
    ds: GrantDataset,
  ): Promise<RiskReview> {
    // The document parsed it; parse again for the defaults (suppressionLimit).
    const spec = KAnonymitySpecSchema.parse(ds.kAnonymity);
    const types = new Map(dv.columns.map((c) => [c.name, c.type as ColumnType]));
    const listed = new Map(ds.columns.map((c) => [c.name, c]));
    // The quasi-identifiers exactly as the view resolves them (libs/views resolveKAnonymity).
    const qis =
      spec.quasiIdentifiers ??
      dv.columns.filter((c) => c.class === 'QUASI_IDENTIFIER' && listed.has(c.name)).map((c) => c.name);
    const hierarchies = spec.hierarchies ?? {};
    const quasiIdentifiers: ReviewQuasiIdentifier[] = qis.map((name) => {
      const fixed = spec.levels?.[name];
      const hierarchy = hierarchies[name];
      // The draft's validation made every quasi-identifier kept or pseudonymized (one pseudonym
      // per value): the raw values' classes are level 0's. Without a hierarchy the view keeps
      // level 0 unless the grant fixed another.
      const bounds =
        fixed !== undefined
          ? { minLevel: fixed, maxLevel: fixed }
          : hierarchy === undefined
            ? { minLevel: 0, maxLevel: 0 }
            : {};
      return { name, type: types.get(name)!, hierarchy: hierarchy ?? [], ...bounds };
    });
    const columnTypes = Object.fromEntries(types) as Record<string, ColumnType>;
    const keep = compilePredicates(ds.rowFilter ?? [], columnTypes);
    const builder = new FrequencyTableBuilder({ quasiIdentifiers: qis });
    const bucket = await this.storage.bucketOf(companyId);
    const size = await assertUnchanged(bucket, dv);
    const declared = dv.declared as { delimiter?: ',' | ';' | '\t' | '|'; naiveOffsetMinutes?: number };
    const format = dv.format as DatasetFormat;
    const rows = readRows({
      format,
      source: format === 'PARQUET' ? bucket.rangeSource(dv.objectKey, size) : streamOf(bucket, dv.objectKey),
      encoding: (dv.encoding ?? undefined) as DeclaredEncoding | undefined,
      delimiter: declared.delimiter,
      columns: dv.columns.map((c) => ({ name: c.name, type: c.type as ColumnType, nullable: c.nullable })),
      ...(declared.naiveOffsetMinutes === undefined
        ? {}
        : { naiveOffsetMinutes: declared.naiveOffsetMinutes }),
    });
    for await (const batch of rows) for (const row of batch) if (keep(row)) builder.add(row);
    await assertUnchanged(bucket, dv);
    const table = builder.finish();
    const problem = findTableHierarchyProblem(table, quasiIdentifiers);
    if (problem !== undefined) refuseHierarchyProblem(problem);
    return reviewRisk(table, {
      quasiIdentifiers,
      models: { k: spec.k },
      suppressionLimit: spec.suppressionLimit,
      metric: spec.metric ?? 'DM_STAR',
    });
  }
}

/** The object's size, refusing an object that is no longer the one validation read. */
async function assertUnchanged(bucket: CompanyBucket, dv: DatasetVersionEntity): Promise<number> {
  const stat = await bucket.stat(dv.objectKey);
  if (
    !stat ||
    (dv.sizeBytes !== null && stat.size !== Number(dv.sizeBytes)) ||
    (dv.objectEtag !== null && stat.etag !== dv.objectEtag)
  ) {
    throw new ReviewRefusal(
      E.GRANT_REVIEW_SOURCE_CHANGED,
      'the pinned dataset object changed after it was published; the review cannot read it',
    );
  }
  return stat.size;
}

/** The object as one streaming GET, opened on first iteration. */
function streamOf(bucket: CompanyBucket, key: string): ByteSource {
  return {
    async *[Symbol.asyncIterator]() {
      yield* await bucket.stream(key);
    },
  };
}

/** The chosen level of each quasi-identifier. */
function levelsOf(report: RiskReview): Record<string, number> {
  return Object.fromEntries(report.quasiIdentifiers.map((q) => [q.name, q.level]));
}

/** The figures the document prints, and the hash of the full report. */
function figuresOf(report: RiskReview): GrantRiskReview {
  const zero = { numerator: 0, denominator: 1 };
  return {
    schema: report.schema,
    reportSha256: riskReviewSha256(report),
    metric: report.metric,
    rows: report.rows,
    rowsSuppressed: report.rowsSuppressed,
    classes: report.classes,
    smallestClass: report.smallestClass ?? 0,
    uniqueRowsBefore: report.risk.before.uniqueRows,
    uniqueRowsAfter: report.risk.after.uniqueRows,
    highestRisk: formatRatio(report.risk.after.highest ?? zero),
    averageRisk: formatRatio(report.risk.after.average ?? zero),
    informationLoss: formatRatio(report.informationLoss.normalized),
  };
}

/** The refusal an error stands for (its code and safe sentence), or undefined for a transient error. */
function refusalOf(err: unknown): { code: string; message: string } | undefined {
  if (err instanceof ReviewRefusal) return { code: err.code, message: err.message };
  // The engine's messages name columns and levels, never values (refuseHierarchyProblem).
  if (err instanceof DeidentificationError) return { code: err.code, message: err.message };
  if (err instanceof ContractError) return { code: err.code, message: err.message };
  if (err instanceof FormatError)
    return {
      code: E.GRANT_REVIEW_SOURCE_UNREADABLE,
      message: `the pinned dataset object could not be read (${err.code})`,
    };
  return undefined;
}
