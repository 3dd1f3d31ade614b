import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DatasetEntity, DatasetVersionEntity, UploadTicketEntity } from '@maxhub/db';
import {
  type ColumnClass,
  type ColumnType,
  type DatasetFormat,
  type DeclaredEncoding,
  FormatError,
  type InferredColumn,
  inferSchema,
  type PersonalDataMatch,
  readParquetMetadata,
} from '@maxhub/formats';
import { type CompanyBucket, CompanyStorage } from '@maxhub/storage';
import { DataSource } from 'typeorm';
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
import { DatasetCatalogService } from './catalog.service';
import { DatasetFormatEnum, DatasetVersion, PublishDatasetResult, UploadPreview } from './dataset.model';
import { datasetName, distinctDatasetName } from './dataset-names';
import { storageUnavailable } from './storage-unavailable';
import { PublishDatasetInput } from './dto/publish-dataset.input';
import { UploadsService } from './uploads.service';

/** Rows publishDataset and uploadPreview read from the start of the object. */
const SAMPLE_ROWS = 1000;
/**
 * A Parquet object's first row group is read for the personal-data proposal only up to this
 * size (compressed); a larger one is left to the worker, and the answer shows no proposal.
 */
const PARQUET_SAMPLE_MAX_BYTES = 16 * 1024 ** 2;

/** What the start of an object shows: its columns, and which look like personal data. */
interface ObjectSample {
  columns: InferredColumn[];
  personalData: Record<string, PersonalDataMatch>;
  /** Rows looked at; null when only a Parquet footer was read. */
  sampledRows: number | null;
}

/**
 * Publishing: a preview of an uploaded object (uploadPreview), registering it (UploadsService
 * issued the ticket) as a version that the worker validates later, and withdrawing a version.
 * The catalog reads are DatasetCatalogService's.
 */
@Injectable()
export class DatasetsService {
  private readonly logger = new Logger(DatasetsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: CompanyStorage,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly jobs: JobsService,
    private readonly views: ViewsService,
    private readonly uploads: UploadsService,
    private readonly catalog: DatasetCatalogService,
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
    assertTicketOpen(t);
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

    const { bucket, size } = await this.uploadedObject(t);
    const sample = await this.sampleColumns(bucket, t.objectKey, format, encoding, size);
    if (sample) {
      const names = new Set(sample.columns.map((c) => c.name));
      for (const col of [...classes.keys(), ...types.keys()]) {
        if (!names.has(col))
          throw badInput(E.DATASET_UNKNOWN_COLUMN, `the file has no column ${JSON.stringify(col)}`);
      }
    }
    const sampled = sample
      ? classifyColumns(
          sample.columns.map((c) => ({ ...c, type: types.get(c.name) ?? c.type })),
          classes,
          sample.personalData,
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
          proposedColumns: sampled.filter((c) => c.classSource === 'DETECTED').length,
          overriddenColumns: sampled.filter((c) => c.classOverridden).length,
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
      dataset: this.catalog.toDataset(dataset, company, actor, [version]),
      version: this.catalog.toVersion(version, true),
      sampledColumns: sampled.map((c) => this.catalog.toColumn(c)),
      defaultedColumns: sampled.filter((c) => c.defaulted).map((c) => c.name),
      proposedColumns: sampled.filter((c) => c.classSource === 'DETECTED').map((c) => c.name),
      overriddenColumns: sampled.filter((c) => c.classOverridden).map((c) => c.name),
    };
  }

  /**
   * What publishDataset would make of an uploaded object, before it is registered: the columns
   * of its first rows with inferred types and, for columns that look like personal data, the
   * detection and the proposed class DIRECT_IDENTIFIER (all others: the default class).
   */
  async uploadPreview(actor: Actor, ticketId: string, encoding?: DeclaredEncoding): Promise<UploadPreview> {
    const t = await this.uploads.ticketFor(actor, ticketId);
    assertTicketOpen(t);
    const format = t.format as DatasetFormat;
    const { bucket, size } = await this.uploadedObject(t);
    const sample = await this.sampleColumns(
      bucket,
      t.objectKey,
      format,
      format === 'PARQUET' ? 'auto' : (encoding ?? 'auto'),
      size,
    );
    const columns = sample ? classifyColumns(sample.columns, new Map(), sample.personalData) : [];
    return {
      ticketId: t.id,
      format: format as DatasetFormatEnum,
      sampledRows: sample?.sampledRows ?? null,
      columns: columns.map((c) => this.catalog.toColumn(c)),
      proposedColumns: columns.filter((c) => c.classSource === 'DETECTED').map((c) => c.name),
    };
  }

  /** The ticket's object in the company's bucket, of the declared size; refused otherwise. */
  private async uploadedObject(t: UploadTicketEntity): Promise<{ bucket: CompanyBucket; size: number }> {
    const bucket = await this.storage.bucketOf(t.companyId);
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
    return { bucket, size };
  }

  /**
   * Names and types of the first rows, and which columns look like personal data in them, so
   * the answer can list defaulted and proposed columns and inferred types. Parquet types come
   * from the footer, and personal data from the first row group when it is small enough. Null
   * when the start of the object is unreadable (the worker will reject it with the line and
   * reason).
   */
  private async sampleColumns(
    bucket: CompanyBucket,
    key: string,
    format: DatasetFormat,
    encoding: DeclaredEncoding,
    size: number,
  ): Promise<ObjectSample | null> {
    try {
      if (format === 'PARQUET') {
        const source = bucket.rangeSource(key, size);
        const meta = await readParquetMetadata(source);
        const columns = meta.columns.map((name, i) => ({
          name,
          type: meta.types[i],
          nullable: meta.nullable[i],
        }));
        const first = meta.metadata.row_groups[0];
        const firstBytes = Number(first?.total_compressed_size ?? first?.total_byte_size ?? Infinity);
        if (!first || firstBytes > PARQUET_SAMPLE_MAX_BYTES)
          return { columns, personalData: {}, sampledRows: null };
        const r = await inferSchema({ format, source, sampleRows: SAMPLE_ROWS });
        return { columns, personalData: r.personalData, sampledRows: r.sampledRows };
      }
      const stream = await bucket.stream(key);
      try {
        const r = await inferSchema({ format, source: stream, encoding, sampleRows: SAMPLE_ROWS });
        return { columns: r.columns, personalData: r.personalData, sampledRows: r.sampledRows };
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
    const found = await this.catalog.versionRow(versionId);
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
    return this.catalog.toVersion(v.row, true);
  }
}

/** A ticket not used or aborted yet, whose multipart upload (if any) is complete. */
function assertTicketOpen(t: UploadTicketEntity): void {
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
}
