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
import { type CompanyBucket, CompanyStorage, withStorage } from '@maxhub/storage';
import { DataSource, EntityManager, In } from 'typeorm';
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
  partBytes,
  planUpload,
  safeFileName,
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
  UploadPartUrl,
  UploadTicket,
  UploadTicketStatusEnum,
} from './dataset.model';
import { datasetName, distinctDatasetName } from './dataset-names';
import { storageUnavailable } from './storage-unavailable';
import { CreateUploadTicketInput } from './dto/create-upload-ticket.input';
import { PublishDatasetInput } from './dto/publish-dataset.input';

const MAX_URL_TTL_SECONDS = 15 * 60;
const SAMPLE_ROWS = 1000;

/**
 * Publishing and the catalog: upload tickets (presigned single PUT or multipart), registering
 * a version (validated later by the worker), withdrawing, and the metadata-only catalog.
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
  ) {}

  // ---- access ---------------------------------------------------------------------------

  /**
   * The company, when the caller is one of its PUBLISHERs. Anyone else, the operator included,
   * gets NOT_FOUND (a LEGAL member of the company gets FORBIDDEN).
   */
  private async publisherCompany(actor: Actor, slug: string): Promise<CompanyEntity> {
    const company = await this.dataSource.getRepository(CompanyEntity).findOne({ where: { slug } });
    if (!company) throw notFound(E.DATASET_COMPANY_NOT_FOUND, 'no such company among those you publish for');
    this.access.requireCompany(actor, company.id, ['PUBLISHER'], {
      notFoundCode: E.DATASET_COMPANY_NOT_FOUND,
    });
    return company;
  }

  /** A ticket of a company where the caller publishes; NOT_FOUND otherwise. */
  private async ticketFor(
    actor: Actor,
    ticketId: string,
    manager?: EntityManager,
  ): Promise<UploadTicketEntity> {
    const repo = (manager ?? this.dataSource.manager).getRepository(UploadTicketEntity);
    const ticket = /^[0-9a-f-]{36}$/i.test(ticketId) ? await repo.findOne({ where: { id: ticketId } }) : null;
    const held = ticket ? actor.companies.get(ticket.companyId) : undefined;
    if (!ticket || !held?.has('PUBLISHER'))
      throw notFound(E.DATASET_TICKET_NOT_FOUND, 'no such upload ticket among yours');
    return ticket;
  }

  private urlTtl(): number {
    return Math.min(MAX_URL_TTL_SECONDS, this.config.uploads.urlTtlSeconds);
  }

  // ---- uploads --------------------------------------------------------------------------

  /** Issues a ticket: one object key, a presigned PUT or a multipart upload with part URLs. */
  async createUploadTicket(actor: Actor, input: CreateUploadTicketInput): Promise<UploadTicket> {
    const company = await this.publisherCompany(actor, input.companySlug);
    const fileName = safeFileName(input.fileName);
    if (!fileName)
      throw badInput(E.DATASET_FILE_NAME_INVALID, 'the file name is empty or has no usable characters');
    const plan = planUpload(input.sizeBytes, {
      maxBytes: this.config.uploads.maxBytes,
      defaultPartBytes: this.config.uploads.partBytes,
      partSize: input.partSize,
      multipart: input.multipart,
    });
    if (plan === 'TOO_LARGE') {
      throw badInput(
        E.DATASET_UPLOAD_TOO_LARGE,
        `uploads are limited to ${this.config.uploads.maxBytes} bytes on this hub`,
      );
    }
    if (plan === 'EMPTY')
      throw badInput(E.DATASET_EMPTY_FILE, 'the file is empty (sizeBytes is 0): there is nothing to publish');
    if (plan === 'SIZE_INVALID')
      throw badInput(E.DATASET_UPLOAD_SIZE_INVALID, '`sizeBytes` must be a whole, positive number of bytes');
    if (plan === 'PART_SIZE_INVALID')
      throw badInput(
        E.DATASET_UPLOAD_SIZE_INVALID,
        '`partSize` must be between 5 MiB and 5 GiB (S3’s part sizes)',
      );
    if (plan === 'SINGLE_PUT_TOO_LARGE')
      throw badInput(
        E.DATASET_UPLOAD_SIZE_INVALID,
        'a file over 5 GiB cannot be sent in one PUT: leave `multipart` unset or true',
      );
    let datasetId: string | null = null;
    if (input.datasetId) {
      const ds = /^[0-9a-f-]{36}$/i.test(input.datasetId)
        ? await this.dataSource
            .getRepository(DatasetEntity)
            .findOne({ where: { id: input.datasetId, companyId: company.id } })
        : null;
      if (!ds) throw notFound(E.DATASET_NOT_FOUND, 'no such dataset in this company');
      datasetId = ds.id;
    }
    const id = randomUUID();
    const objectKey = `datasets/${datasetId ?? randomUUID()}/${randomUUID()}/${fileName}`;
    const bucket = await this.storage.bucketOf(company.id);
    let uploadId: string | null = null;
    if (plan.multipart) {
      uploadId = await withStorage(() =>
        bucket.client.initiateNewMultipartUpload(bucket.bucket, objectKey, {}),
      ).catch((err: unknown) => {
        throw storageUnavailable(err);
      });
    }
    const ttl = this.urlTtl();
    const urlsExpireAt = new Date(Date.now() + ttl * 1000);
    try {
      const ticket = await this.dataSource.transaction(async (m) => {
        const row = m.create(UploadTicketEntity, {
          id,
          companyId: company.id,
          datasetId,
          objectKey,
          fileName,
          sizeBytes: String(input.sizeBytes),
          format: input.format,
          status: 'ISSUED',
          multipartUploadId: uploadId,
          partSize: plan.partSize === null ? null : String(plan.partSize),
          partCount: plan.partCount,
          versionId: null,
          createdBy: actor.userId,
          urlsExpireAt,
        });
        await m.insert(UploadTicketEntity, row);
        await this.audit.append(m, {
          actorUserId: actor.userId,
          action: 'upload_ticket.issued',
          companyId: company.id,
          subjectType: 'upload_ticket',
          subjectId: id,
          details: {
            sizeBytes: input.sizeBytes,
            format: input.format,
            multipart: plan.multipart,
            partCount: plan.partCount,
            ttlSeconds: ttl,
          },
        });
        return row;
      });
      return await this.toTicket(ticket, bucket, { presign: true, listParts: false });
    } catch (err) {
      if (uploadId)
        await bucket.client.abortMultipartUpload(bucket.bucket, objectKey, uploadId).catch(() => undefined);
      throw err;
    }
  }

  private async toTicket(
    t: UploadTicketEntity,
    bucket: CompanyBucket,
    opts: { presign: boolean; listParts: boolean },
  ): Promise<UploadTicket> {
    const ttl = this.urlTtl();
    const size = Number(t.sizeBytes);
    const partSize = t.partSize === null ? null : Number(t.partSize);
    const uploaded = opts.listParts && t.multipartUploadId ? await this.listParts(t, bucket) : [];
    let uploadUrl: string | null = null;
    const partUrls: UploadPartUrl[] = [];
    try {
      if (opts.presign && !t.multipartUploadId) {
        uploadUrl = await bucket.client.presignedPutObject(bucket.bucket, t.objectKey, ttl);
      } else if (opts.presign && t.multipartUploadId && partSize !== null && t.partCount) {
        const have = new Map(uploaded.map((p) => [p.partNumber, p.sizeBytes]));
        for (let n = 1; n <= t.partCount; n++) {
          const bytes = partBytes(size, partSize, n);
          if (have.get(n) === bytes) continue;
          const url = await bucket.client.presignedUrl('PUT', bucket.bucket, t.objectKey, ttl, {
            partNumber: String(n),
            uploadId: t.multipartUploadId,
          });
          partUrls.push({ partNumber: n, url, sizeBytes: bytes });
        }
      }
    } catch (err) {
      throw storageUnavailable(err);
    }
    return {
      id: t.id,
      objectKey: t.objectKey,
      fileName: t.fileName,
      sizeBytes: size,
      format: t.format as DatasetFormatEnum,
      status: t.status as UploadTicketStatusEnum,
      multipart: t.multipartUploadId !== null,
      uploadUrl,
      partSize,
      partCount: t.partCount,
      partUrls,
      uploadedParts: uploaded,
      urlsExpireAt: opts.presign ? new Date(Date.now() + ttl * 1000) : t.urlsExpireAt,
    };
  }

  private async listParts(t: UploadTicketEntity, bucket: CompanyBucket) {
    // minio's typings mark listParts protected; it is the plain S3 ListParts (all pages).
    const client = bucket.client as unknown as {
      listParts(
        b: string,
        k: string,
        id: string,
      ): Promise<Array<{ part: number; size: number; etag: string }>>;
    };
    const parts = await withStorage(
      () => client.listParts(bucket.bucket, t.objectKey, t.multipartUploadId!),
      30_000,
    ).catch((err: unknown) => {
      throw storageUnavailable(err);
    });
    return parts
      .map((p) => ({ partNumber: p.part, sizeBytes: p.size, etag: p.etag.replace(/"/g, '') }))
      .sort((a, b) => a.partNumber - b.partNumber);
  }

  /**
   * For resuming an interrupted multipart upload: the parts the storage holds, and fresh
   * presigned URLs for the parts still missing.
   */
  async resumeUpload(actor: Actor, ticketId: string): Promise<UploadTicket> {
    const t = await this.ticketFor(actor, ticketId);
    if (!t.multipartUploadId || t.status !== 'ISSUED') {
      throw conflict(E.DATASET_TICKET_STATE, 'only an open multipart upload can be resumed');
    }
    const bucket = await this.storage.bucketOf(t.companyId);
    const ticket = await this.toTicket(t, bucket, { presign: true, listParts: true });
    await this.dataSource.transaction(async (m) => {
      await m.update(UploadTicketEntity, { id: t.id }, { urlsExpireAt: ticket.urlsExpireAt });
      await this.audit.append(m, {
        actorUserId: actor.userId,
        action: 'upload_ticket.resumed',
        companyId: t.companyId,
        subjectType: 'upload_ticket',
        subjectId: t.id,
        details: { partsUploaded: ticket.uploadedParts.length, partsPresigned: ticket.partUrls.length },
      });
    });
    return ticket;
  }

  /** Completes a multipart upload once every part is stored with its planned size. */
  async completeUpload(actor: Actor, ticketId: string): Promise<UploadTicket> {
    const t = await this.ticketFor(actor, ticketId);
    if (!t.multipartUploadId || t.status !== 'ISSUED') {
      throw conflict(E.DATASET_TICKET_STATE, 'only an open multipart upload can be completed');
    }
    const bucket = await this.storage.bucketOf(t.companyId);
    const parts = await this.listParts(t, bucket);
    const size = Number(t.sizeBytes);
    const partSize = Number(t.partSize);
    const missing: number[] = [];
    for (let n = 1; n <= t.partCount!; n++) {
      const p = parts.find((x) => x.partNumber === n);
      if (!p || p.sizeBytes !== partBytes(size, partSize, n)) missing.push(n);
    }
    if (missing.length || parts.length !== t.partCount) {
      throw badInput(
        E.DATASET_UPLOAD_INCOMPLETE,
        `parts missing or of the wrong size: ${missing.slice(0, 20).join(', ')}`,
        {
          missingParts: missing.length,
        },
      );
    }
    await withStorage(
      () =>
        bucket.client.completeMultipartUpload(
          bucket.bucket,
          t.objectKey,
          t.multipartUploadId!,
          parts.map((p) => ({ part: p.partNumber, etag: p.etag })),
        ),
      120_000,
    ).catch((err: unknown) => {
      throw storageUnavailable(err);
    });
    const updated = await this.dataSource.transaction(async (m) => {
      await m.update(UploadTicketEntity, { id: t.id }, { status: 'UPLOADED' });
      await this.audit.append(m, {
        actorUserId: actor.userId,
        action: 'upload_ticket.completed',
        companyId: t.companyId,
        subjectType: 'upload_ticket',
        subjectId: t.id,
        details: { parts: parts.length, sizeBytes: size },
      });
      return { ...t, status: 'UPLOADED' as const };
    });
    return this.toTicket(updated, bucket, { presign: false, listParts: false });
  }

  /** Aborts a multipart upload: the storage drops its parts; the ticket cannot be used again. */
  async abortUpload(actor: Actor, ticketId: string): Promise<boolean> {
    const t = await this.ticketFor(actor, ticketId);
    if (!t.multipartUploadId || t.status !== 'ISSUED') {
      throw conflict(E.DATASET_TICKET_STATE, 'only an open multipart upload can be aborted');
    }
    const bucket = await this.storage.bucketOf(t.companyId);
    await withStorage(() =>
      bucket.client.abortMultipartUpload(bucket.bucket, t.objectKey, t.multipartUploadId!),
    ).catch((err: unknown) => {
      throw storageUnavailable(err);
    });
    await this.dataSource.transaction(async (m) => {
      await m.update(UploadTicketEntity, { id: t.id }, { status: 'ABORTED' });
      await this.audit.append(m, {
        actorUserId: actor.userId,
        action: 'upload_ticket.aborted',
        companyId: t.companyId,
        subjectType: 'upload_ticket',
        subjectId: t.id,
      });
    });
    return true;
  }

  // ---- publishing -----------------------------------------------------------------------

  /**
   * Registers the uploaded object as version n+1 of the dataset `name` (creating the dataset
   * for version 1), VALIDATING, and enqueues its validation in the same transaction.
   */
  async publishDataset(actor: Actor, input: PublishDatasetInput): Promise<PublishDatasetResult> {
    const company = await this.publisherCompany(actor, input.companySlug);
    const t = await this.ticketFor(actor, input.ticketId);
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
