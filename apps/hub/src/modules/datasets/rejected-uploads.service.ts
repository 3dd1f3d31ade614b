import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DatasetEntity, DatasetVersionEntity } from '@maxhub/db';
import { CompanyStorage, withStorage } from '@maxhub/storage';
import { DataSource, EntityManager } from 'typeorm';
import {
  Actor,
  AuditService,
  conflict,
  DatasetsErrorCode as E,
  HubError,
  notFound,
  safeFileName,
} from '@maxhub/core';
import { DatasetVersion } from './dataset.model';
import { DatasetCatalogService } from './catalog.service';
import { storageUnavailable } from './storage-unavailable';

/** A rejected upload opened for download: the object's stream and what the response needs. */
export interface OpenedRejectedUpload {
  stream: Readable;
  sizeBytes: number;
  filename: string;
}

/**
 * The object of a REJECTED version (which may be full of personal data) for its publisher:
 * download it through the hub (never by URL) or delete it from the company bucket. Only a
 * PUBLISHER of the owning company sees it (anyone else, LEGAL staff and operators included:
 * NOT_FOUND); both actions are audited, the download before its first byte, the deletion in
 * the transaction that marks the version.
 */
@Injectable()
export class RejectedUploadsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: CompanyStorage,
    private readonly audit: AuditService,
    private readonly catalog: DatasetCatalogService,
  ) {}

  /** Opens the rejected object and audits the download; the caller streams it. */
  async openDownload(actor: Actor, versionId: string): Promise<OpenedRejectedUpload> {
    const found = await this.publisherVersion(actor, versionId);
    assertRejectedAndKept(found.version);
    const key = found.version.objectKey;
    const bucket = await this.storage.bucketOf(found.dataset.companyId);
    let stream: Readable;
    let sizeBytes: number;
    try {
      const stat = await withStorage(() => bucket.stat(key));
      if (!stat)
        throw conflict(E.DATASET_REJECTED_UPLOAD_MISSING, 'the rejected upload is no longer in the bucket');
      sizeBytes = stat.size;
      stream = await withStorage(() => bucket.stream(key));
    } catch (err) {
      if (err instanceof HubError) throw err;
      throw storageUnavailable(err);
    }
    try {
      // Decided under the row's lock: a download is never audited after the object's deletion.
      await this.dataSource.transaction(async (m) => {
        const row = await this.lockedVersion(m, found.version.id, 'pessimistic_read');
        assertRejectedAndKept(row);
        await this.audit.append(m, {
          actorUserId: actor.userId,
          action: 'dataset.rejected_upload.downloaded',
          companyId: found.dataset.companyId,
          subjectType: 'dataset_version',
          subjectId: row.id,
          details: { datasetId: found.dataset.id, version: row.version, bytes: sizeBytes },
        });
      });
    } catch (err) {
      stream.destroy();
      throw err;
    }
    return { stream, sizeBytes, filename: fileNameOf(key) };
  }

  /** Removes the rejected object from the company bucket and marks the version, audited. */
  async deleteRejectedUpload(actor: Actor, versionId: string): Promise<DatasetVersion> {
    const found = await this.publisherVersion(actor, versionId);
    assertRejectedAndKept(found.version);
    const bucket = await this.storage.bucketOf(found.dataset.companyId);
    const row = await this.dataSource.transaction(async (m) => {
      const locked = await this.lockedVersion(m, found.version.id, 'pessimistic_write');
      assertRejectedAndKept(locked);
      // Removed while the row is locked; if the mark then fails to commit, a retry removes
      // nothing more (removal is idempotent) and marks it.
      try {
        await withStorage(() => bucket.remove([locked.objectKey]));
      } catch (err) {
        throw storageUnavailable(err);
      }
      await m
        .getRepository(DatasetVersionEntity)
        .update({ id: locked.id }, { objectDeletedAt: () => 'now()' });
      await this.audit.append(m, {
        actorUserId: actor.userId,
        action: 'dataset.rejected_upload.deleted',
        companyId: found.dataset.companyId,
        subjectType: 'dataset_version',
        subjectId: locked.id,
        details: {
          datasetId: found.dataset.id,
          version: locked.version,
          rejectionCode: locked.rejection?.code ?? null,
        },
      });
      return m.getRepository(DatasetVersionEntity).findOneByOrFail({ id: locked.id });
    });
    return this.catalog.toVersion(row, true);
  }

  /** The version, when the caller is a PUBLISHER of its company; anyone else: NOT_FOUND. */
  private async publisherVersion(
    actor: Actor,
    versionId: string,
  ): Promise<{ version: DatasetVersionEntity; dataset: DatasetEntity }> {
    const version = /^[0-9a-f-]{36}$/i.test(versionId)
      ? await this.dataSource.getRepository(DatasetVersionEntity).findOneBy({ id: versionId })
      : null;
    const dataset = version
      ? await this.dataSource.getRepository(DatasetEntity).findOneBy({ id: version.datasetId })
      : null;
    if (!version || !dataset || !actor.companies.get(dataset.companyId)?.has('PUBLISHER')) {
      throw notFound(E.DATASET_VERSION_NOT_FOUND, 'no such dataset version');
    }
    return { version, dataset };
  }

  private lockedVersion(
    m: EntityManager,
    id: string,
    mode: 'pessimistic_read' | 'pessimistic_write',
  ): Promise<DatasetVersionEntity> {
    return m.getRepository(DatasetVersionEntity).findOneOrFail({ where: { id }, lock: { mode } });
  }
}

/** Only a REJECTED version whose object the hub has not deleted yet. */
function assertRejectedAndKept(v: DatasetVersionEntity): void {
  if (v.status !== 'REJECTED') {
    throw conflict(
      E.DATASET_VERSION_NOT_REJECTED,
      `only a REJECTED version's upload can be downloaded or deleted; this version is ${v.status}`,
    );
  }
  if (v.objectDeletedAt) {
    throw conflict(E.DATASET_REJECTED_UPLOAD_DELETED, 'the rejected upload was already deleted');
  }
}

/** The file name the publisher uploaded (the key's last segment, made safe at ticket time). */
function fileNameOf(key: string): string {
  return safeFileName(key) ?? 'rejected-upload';
}
