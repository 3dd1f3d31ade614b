import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { HUB_CONFIG, HubConfig } from '@maxhub/config';
import { CompanyEntity, DatasetEntity, UploadTicketEntity } from '@maxhub/db';
import type { FormatErrorCode } from '@maxhub/formats';
import { type CompanyBucket, CompanyStorage, withStorage } from '@maxhub/storage';
import { DataSource, EntityManager } from 'typeorm';
import {
  AccessService,
  Actor,
  AuditService,
  badInput,
  conflict,
  DatasetsErrorCode as E,
  notFound,
  partBytes,
  planUpload,
  safeFileName,
} from '@maxhub/core';
import { DatasetFormatEnum, UploadPartUrl, UploadTicket, UploadTicketStatusEnum } from './dataset.model';
import { storageUnavailable } from './storage-unavailable';
import { CreateUploadTicketInput } from './dto/create-upload-ticket.input';

/** Longest life of a presigned URL, whatever the configuration says. */
const MAX_URL_TTL_SECONDS = 15 * 60;

/**
 * Upload tickets: one object key in the publisher's company bucket, a presigned single PUT or a
 * multipart upload with a presigned URL per part, resumable, completed or aborted by the
 * publisher. Publishing (DatasetsService) then registers the uploaded object as a version.
 */
@Injectable()
export class UploadsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly storage: CompanyStorage,
    private readonly access: AccessService,
    private readonly audit: AuditService,
  ) {}

  // ---- access ---------------------------------------------------------------------------

  /**
   * The company, when the caller is one of its PUBLISHERs. Anyone else, the operator included,
   * gets NOT_FOUND (a LEGAL member of the company gets FORBIDDEN).
   */
  async publisherCompany(actor: Actor, slug: string): Promise<CompanyEntity> {
    const company = await this.dataSource.getRepository(CompanyEntity).findOne({ where: { slug } });
    if (!company) throw notFound(E.DATASET_COMPANY_NOT_FOUND, 'no such company among those you publish for');
    this.access.requireCompany(actor, company.id, ['PUBLISHER'], {
      notFoundCode: E.DATASET_COMPANY_NOT_FOUND,
    });
    return company;
  }

  /** A ticket of a company where the caller publishes; NOT_FOUND otherwise. */
  async ticketFor(actor: Actor, ticketId: string, manager?: EntityManager): Promise<UploadTicketEntity> {
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
      throw badInput(
        'DATASET_EMPTY_FILE' satisfies FormatErrorCode,
        'the file is empty (sizeBytes is 0): there is nothing to publish',
      );
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
}
