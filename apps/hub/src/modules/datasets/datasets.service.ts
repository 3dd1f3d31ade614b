import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { HUB_CONFIG, HubConfig } from '@maxhub/config';
import {
  CompanyEntity,
  DatasetEntity,
  DatasetVersionEntity,
  type DatasetColumnRecord,
  UploadTicketEntity,
} from '@maxhub/db';
import {
  type ColumnClass,
  type ColumnType,
  type DatasetFormat,
  type DeclaredEncoding,
  FormatError,
  type InferredColumn,
  inferSchema,
  readParquetMetadata,
} from '@maxhub/formats';
import { type CompanyBucket, CompanyStorage } from '@maxhub/storage';
import { DataSource, In } from 'typeorm';
import {
  AccessService,
  Actor,
  AuditService,
  badInput,
  classifyColumns,
  conflict,
  DatasetsErrorCode as E,
  type DeclaredPublication,
  JOB_QUEUES,
  JobsService,
  notFound,
  type ValidateDatasetJob,
  ViewsService,
} from '@maxhub/core';
import { AllianceService } from '../alliance/alliance.service';
import {
  ColumnClassEnum,
  ColumnTypeEnum,
  Dataset,
  DatasetGrant,
  DatasetColumn,
  DatasetFormatEnum,
  DatasetVersion,
  DatasetVersionStatusEnum,
  PublishDatasetResult,
} from './dataset.model';
import { datasetName, distinctDatasetName } from './dataset-names';
import { storageUnavailable } from './storage-unavailable';
import { PublishDatasetInput } from './dto/publish-dataset.input';
import { UploadsService } from './uploads.service';

const SAMPLE_ROWS = 1000;

/**
 * Publishing and the catalog: registering an uploaded object (UploadsService) as a version,
 * validated later by the worker; withdrawing; and the metadata-only catalog.
 */
@Injectable()
export class DatasetsService {
  private readonly logger = new Logger(DatasetsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly storage: CompanyStorage,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly alliance: AllianceService,
    private readonly jobs: JobsService,
    private readonly views: ViewsService,
    private readonly uploads: UploadsService,
  ) {}

  // ---- publishing -----------------------------------------------------------------------

  /**
   * Registers the uploaded object as version n+1 of the dataset `name` (creating the dataset
   * for version 1), VALIDATING, and enqueues its validation in the same transaction.
   */
  async publishDataset(actor: Actor, input: PublishDatasetInput): Promise<PublishDatasetResult> {
    const company = await this.uploads.publisherCompany(actor, input.companySlug);
    const t = await this.uploads.ticketFor(actor, input.ticketId);
    if (t.companyId !== company.id)
      throw notFound(E.DATASET_TICKET_NOT_FOUND, 'no such upload ticket among yours');
    if (t.status === 'PUBLISHED' || t.status === 'ABORTED') {
      throw conflict(
        E.DATASET_TICKET_USED,
        'this upload ticket was already used or aborted: ask for a new one',
      );
    }
    if (t.multipartUploadId && t.status !== 'UPLOADED') {
      throw badInput(
        E.DATASET_UPLOAD_INCOMPLETE,
        'the multipart upload is not complete: call completeUpload first',
      );
    }
    const format = t.format as DatasetFormat;
    if (input.format && (input.format as string) !== t.format) {
      throw badInput(E.DATASET_FORMAT_MISMATCH, `the ticket was issued for ${t.format}, not ${input.format}`);
    }
    const asked = datasetName(input.name);
    const description = input.description?.normalize('NFC').trim();
    if (description !== undefined && description.length > 4000) {
      throw badInput(E.DATASET_METADATA_INVALID, 'the description must be at most 4000 characters');
    }
    const tags = input.tags?.map((x) => x.normalize('NFC').trim());
    if (tags && (tags.length > 30 || tags.some((x) => !x || x.length > 60))) {
      throw badInput(E.DATASET_METADATA_INVALID, 'at most 30 tags of 1–60 characters each');
    }
    const classes = new Map<string, ColumnClass>();
    for (const c of input.classifications) {
      if (classes.has(c.column))
        throw badInput(E.DATASET_COLUMN_REPEATED, `column ${JSON.stringify(c.column)} is classified twice`);
      classes.set(c.column, c.class);
    }
    const types = new Map<string, ColumnType>();
    for (const c of input.confirmedTypes ?? []) {
      if (types.has(c.column))
        throw badInput(E.DATASET_COLUMN_REPEATED, `column ${JSON.stringify(c.column)} is typed twice`);
      types.set(c.column, c.type);
    }
    const encoding: DeclaredEncoding = format === 'PARQUET' ? 'auto' : (input.encoding ?? 'auto');

    const bucket = await this.storage.bucketOf(company.id);
    const stat = await bucket.stat(t.objectKey).catch((err: unknown) => {
      throw storageUnavailable(err);
    });
    const size = stat?.size ?? null;
    if (size === null)
      throw badInput(E.DATASET_UPLOAD_INCOMPLETE, 'the object has not been uploaded with this ticket yet');
    if (size !== Number(t.sizeBytes)) {
      throw badInput(
        E.DATASET_UPLOAD_SIZE_MISMATCH,
        `the object has ${size} bytes, the ticket declared ${t.sizeBytes}`,
      );
    }

    const sample = await this.sampleColumns(bucket, t.objectKey, format, encoding, size);
    if (sample) {
      const names = new Set(sample.map((c) => c.name));
      for (const col of [...classes.keys(), ...types.keys()]) {
        if (!names.has(col))
          throw badInput(E.DATASET_UNKNOWN_COLUMN, `the file has no column ${JSON.stringify(col)}`);
      }
    }
    const sampled = sample
      ? classifyColumns(
          sample.map((c) => ({ ...c, type: types.get(c.name) ?? c.type })),
          classes,
        )
      : [];
    const declared: DeclaredPublication = {
      ticketId: t.id,
      fileName: t.fileName,
      encoding,
      classes: Object.fromEntries(classes),
      confirmedTypes: Object.fromEntries(types),
    };

    const { dataset, version } = await this.dataSource.transaction(async (m) => {
      const name = await distinctDatasetName(m, company.id, asked);
      await m
        .createQueryBuilder()
        .insert()
        .into(DatasetEntity)
        .values({
          companyId: company.id,
          name,
          description: description ?? '',
          tags: tags ?? [],
          createdBy: actor.userId,
        })
        .orIgnore()
        .execute();
      // The row lock serializes concurrent publications under one name: versions never collide.
      const ds = await m
        .getRepository(DatasetEntity)
        .createQueryBuilder('d')
        .setLock('pessimistic_write')
        .where('d.company_id = :c AND d.name = :n', { c: company.id, n: name })
        .getOneOrFail();
      if (description !== undefined) ds.description = description;
      if (tags !== undefined) ds.tags = tags;
      await m.update(DatasetEntity, { id: ds.id }, { description: ds.description, tags: ds.tags });
      const last: Array<{ max: number | null }> = await m.query(
        'SELECT max(version) AS max FROM dataset_versions WHERE dataset_id = $1',
        [ds.id],
      );
      const n = (last[0]?.max ?? 0) + 1;
      const v = m.create(DatasetVersionEntity, {
        id: randomUUID(),
        datasetId: ds.id,
        version: n,
        status: 'VALIDATING',
        format,
        encoding: format === 'PARQUET' ? null : encoding,
        objectKey: t.objectKey,
        sizeBytes: String(size),
        sha256: null,
        objectEtag: null,
        rowCount: null,
        columns: [],
        declared: declared as unknown as Record<string, unknown>,
        rejection: null,
        createdBy: actor.userId,
        publishedAt: null,
        withdrawnAt: null,
      });
      await m.save(DatasetVersionEntity, v);
      const used = await m
        .createQueryBuilder()
        .update(UploadTicketEntity)
        .set({ status: 'PUBLISHED', versionId: v.id })
        .where('id = :id AND status IN (:...open)', { id: t.id, open: ['ISSUED', 'UPLOADED'] })
        .execute();
      if (!used.affected)
        throw conflict(E.DATASET_TICKET_USED, 'this upload ticket was already used: ask for a new one');
      await this.audit.append(m, {
        actorUserId: actor.userId,
        action: 'dataset_version.registered',
        companyId: company.id,
        subjectType: 'dataset_version',
        subjectId: v.id,
        details: {
          datasetId: ds.id,
          version: n,
          ticketId: t.id,
          format,
          sizeBytes: size,
          classifiedColumns: classes.size,
          defaultedColumns: sampled.filter((c) => c.defaulted).length,
        },
      });
      await this.jobs.enqueue<ValidateDatasetJob>(
        JOB_QUEUES.VALIDATE_DATASET,
        { versionId: v.id },
        { manager: m, expireInSeconds: this.jobs.expiryFor(size), singletonKey: v.id },
      );
      return { dataset: ds, version: v };
    });
    this.logger.log({
      msg: 'dataset version registered',
      versionId: version.id,
      datasetId: dataset.id,
      sizeBytes: size,
    });
    return {
      dataset: this.toDataset(dataset, company, actor, [version]),
      version: this.toVersion(version, true),
      sampledColumns: sampled.map((c) => this.toColumn(c)),
      defaultedColumns: sampled.filter((c) => c.defaulted).map((c) => c.name),
    };
  }

  /**
   * Names and types of the first rows, so the answer can list defaulted columns and inferred
   * types. Null when the start of the object is unreadable (the worker will reject it with the
   * line and reason).
   */
  private async sampleColumns(
    bucket: CompanyBucket,
    key: string,
    format: DatasetFormat,
    encoding: DeclaredEncoding,
    size: number,
  ): Promise<InferredColumn[] | null> {
    try {
      if (format === 'PARQUET') {
        const meta = await readParquetMetadata(bucket.rangeSource(key, size));
        return meta.columns.map((name, i) => ({ name, type: meta.types[i], nullable: meta.nullable[i] }));
      }
      const stream = await bucket.stream(key);
      try {
        const r = await inferSchema({ format, source: stream, encoding, sampleRows: SAMPLE_ROWS });
        return r.columns;
      } finally {
        stream.destroy();
      }
    } catch (err) {
      if (err instanceof FormatError) return null;
      throw storageUnavailable(err);
    }
  }

  /** Withdraws a PUBLISHED version: it leaves the catalog; the record and audit trail stay. */
  async withdrawDatasetVersion(actor: Actor, versionId: string): Promise<DatasetVersion> {
    const found = await this.versionRow(versionId);
    const held = found ? actor.companies.get(found.dataset.companyId) : undefined;
    if (!found || !held) throw notFound(E.DATASET_VERSION_NOT_FOUND, 'no such dataset version');
    this.access.requireCompany(actor, found.dataset.companyId, ['PUBLISHER'], {
      notFoundCode: E.DATASET_VERSION_NOT_FOUND,
    });
    const v = await this.dataSource.transaction(async (m) => {
      const res = await m
        .createQueryBuilder()
        .update(DatasetVersionEntity)
        .set({ status: 'WITHDRAWN', withdrawnAt: () => 'now()' })
        .where('id = :id AND status = :s', { id: found.version.id, s: 'PUBLISHED' })
        .execute();
      if (!res.affected)
        throw conflict(E.DATASET_VERSION_NOT_PUBLISHED, 'only a PUBLISHED version can be withdrawn');
      // Grants pinned to this version stop opening it: their views are retired in this commit.
      const retired = await this.views.retireViewsOfDatasetVersion(
        m,
        found.version.id,
        'DATASET_VERSION_WITHDRAWN',
      );
      await this.audit.append(m, {
        actorUserId: actor.userId,
        action: 'dataset_version.withdrawn',
        companyId: found.dataset.companyId,
        subjectType: 'dataset_version',
        subjectId: found.version.id,
        details: {
          datasetId: found.dataset.id,
          version: found.version.version,
          viewsRetired: retired.length,
        },
      });
      return {
        row: await m.getRepository(DatasetVersionEntity).findOneByOrFail({ id: found.version.id }),
        retired,
      };
    });
    await this.views.removeStoredViews(v.retired);
    return this.toVersion(v.row, true);
  }

  // ---- catalog --------------------------------------------------------------------------

  private async versionRow(
    id: string,
  ): Promise<{ version: DatasetVersionEntity; dataset: DatasetEntity } | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const version = await this.dataSource.getRepository(DatasetVersionEntity).findOne({ where: { id } });
    if (!version) return null;
    const dataset = await this.dataSource
      .getRepository(DatasetEntity)
      .findOneByOrFail({ id: version.datasetId });
    return { version, dataset };
  }

  /**
   * The catalog: every dataset with a PUBLISHED version (metadata only), plus all of the
   * caller's own companies' datasets in every state. Three queries whatever the size.
   */
  async datasets(actor: Actor, filter: { companySlug?: string; tag?: string } = {}): Promise<Dataset[]> {
    const own = [...actor.companies.keys()];
    const qb = this.dataSource
      .getRepository(DatasetEntity)
      .createQueryBuilder('d')
      .where(
        own.length
          ? `(d.company_id IN (:...own) OR EXISTS (SELECT 1 FROM dataset_versions v WHERE v.dataset_id = d.id AND v.status = 'PUBLISHED'))`
          : `EXISTS (SELECT 1 FROM dataset_versions v WHERE v.dataset_id = d.id AND v.status = 'PUBLISHED')`,
        { own },
      )
      .orderBy('d.name', 'ASC');
    if (filter.companySlug) {
      qb.andWhere('d.company_id IN (SELECT id FROM companies WHERE slug = :slug)', {
        slug: filter.companySlug,
      });
    }
    if (filter.tag) qb.andWhere(':tag = ANY(d.tags)', { tag: filter.tag });
    const rows = await qb.getMany();
    return this.assemble(actor, rows);
  }

  /** One dataset, when the caller may see it. */
  async dataset(actor: Actor, id: string): Promise<Dataset> {
    const row = /^[0-9a-f-]{36}$/i.test(id)
      ? await this.dataSource.getRepository(DatasetEntity).findOneBy({ id })
      : null;
    const [out] = row ? await this.assemble(actor, [row]) : [];
    if (!out || (!out.owned && out.versions.length === 0))
      throw notFound(E.DATASET_NOT_FOUND, 'no such dataset');
    return out;
  }

  /** One version: owners see every state, others PUBLISHED versions only. */
  async datasetVersion(actor: Actor, id: string): Promise<DatasetVersion> {
    const found = await this.versionRow(id);
    const owned = !!found && actor.companies.has(found.dataset.companyId);
    if (!found || (!owned && found.version.status !== 'PUBLISHED')) {
      throw notFound(E.DATASET_VERSION_NOT_FOUND, 'no such dataset version');
    }
    return this.toVersion(found.version, owned);
  }

  private async assemble(actor: Actor, rows: DatasetEntity[]): Promise<Dataset[]> {
    if (!rows.length) return [];
    const [companies, versions] = await Promise.all([
      this.dataSource
        .getRepository(CompanyEntity)
        .findBy({ id: In([...new Set(rows.map((r) => r.companyId))]) }),
      this.dataSource
        .getRepository(DatasetVersionEntity)
        .find({ where: { datasetId: In(rows.map((r) => r.id)) }, order: { version: 'DESC' } }),
    ]);
    const byCompany = new Map(companies.map((c) => [c.id, c]));
    const byDataset = new Map<string, DatasetVersionEntity[]>();
    for (const v of versions) byDataset.set(v.datasetId, [...(byDataset.get(v.datasetId) ?? []), v]);
    const grants = await this.grantsOf(rows.filter((r) => actor.companies.has(r.companyId)));
    return rows.map((r) => ({
      ...this.toDataset(r, byCompany.get(r.companyId)!, actor, byDataset.get(r.id) ?? []),
      grants: grants.get(r.id) ?? [],
    }));
  }

  /**
   * Who granted what, for the owner: every grant version of the owning companies that names one
   * of these datasets (read from the signed documents themselves), newest first.
   */
  private async grantsOf(owned: DatasetEntity[]): Promise<Map<string, DatasetGrant[]>> {
    const out = new Map<string, DatasetGrant[]>();
    if (!owned.length) return out;
    const wanted = new Set(owned.map((r) => r.id));
    const rows: Array<{
      grant_id: string;
      version: number;
      state: string;
      slug: string;
      term_until: Date;
      document: Buffer;
    }> = await this.dataSource.query(
      `SELECT v.grant_id, v.version, v.state, w.slug, v.term_until, v.document
           FROM grant_versions v
           JOIN grants g ON g.id = v.grant_id
           JOIN working_groups w ON w.id = g.grantee_working_group_id
          WHERE g.grantor_company_id = ANY($1)
          ORDER BY v.created_at DESC`,
      [[...new Set(owned.map((r) => r.companyId))]],
    );
    for (const row of rows) {
      const doc = JSON.parse(row.document.toString('utf8')) as {
        datasets?: Array<{ datasetId: string; version: number }>;
      };
      for (const d of doc.datasets ?? []) {
        if (!wanted.has(d.datasetId)) continue;
        out.set(d.datasetId, [
          ...(out.get(d.datasetId) ?? []),
          {
            grantId: row.grant_id,
            grantVersion: row.version,
            state: row.state,
            workingGroupSlug: row.slug,
            datasetVersion: d.version,
            termUntil: row.term_until,
          },
        ]);
      }
    }
    return out;
  }

  private toDataset(
    row: DatasetEntity,
    company: CompanyEntity,
    actor: Actor,
    versions: DatasetVersionEntity[],
  ): Dataset {
    const owned = actor.companies.has(row.companyId);
    const visible = owned ? versions : versions.filter((v) => v.status === 'PUBLISHED');
    const latest = versions.find((v) => v.status === 'PUBLISHED');
    return {
      id: row.id,
      company: this.alliance.toCompany(company, actor),
      name: row.name,
      description: row.description,
      tags: row.tags,
      owned,
      latestPublished: latest ? this.toVersion(latest, owned) : null,
      versions: visible.map((v) => this.toVersion(v, owned)),
      grants: [],
      createdAt: row.createdAt,
    };
  }

  private toColumn(c: DatasetColumnRecord): DatasetColumn {
    return {
      name: c.name,
      type: c.type as ColumnTypeEnum,
      class: c.class as ColumnClassEnum,
      nullable: c.nullable,
      defaulted: !!c.defaulted,
    };
  }

  /** The GraphQL view of a version; object key and checksum only in the owner's view. */
  toVersion(v: DatasetVersionEntity, owned: boolean): DatasetVersion {
    return {
      id: v.id,
      datasetId: v.datasetId,
      version: v.version,
      status: v.status as DatasetVersionStatusEnum,
      format: v.format as DatasetFormatEnum,
      encoding: v.encoding,
      rowCount: v.rowCount === null ? null : Number(v.rowCount),
      sizeBytes: v.sizeBytes === null ? null : Number(v.sizeBytes),
      columns: v.columns.map((c) => this.toColumn(c)),
      rejection: v.rejection
        ? {
            code: v.rejection.code,
            message: v.rejection.message,
            line: v.rejection.line ?? null,
            row: v.rejection.row ?? null,
            column: v.rejection.column ?? null,
          }
        : null,
      objectKey: owned ? v.objectKey : null,
      sha256: owned ? v.sha256 : null,
      createdAt: v.createdAt,
      publishedAt: v.publishedAt,
      withdrawnAt: v.withdrawnAt,
      objectDeletedAt: v.objectDeletedAt,
    };
  }
}
