import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DatasetEntity, DatasetVersionEntity } from '@maxhub/db';
import {
  type ColumnClass,
  type ColumnType,
  type DatasetFormat,
  type DeclaredEncoding,
  FormatError,
  validateObject,
  type ValidationResult,
} from '@maxhub/formats';
import { type CompanyBucket, CompanyStorage, type ObjectStat } from '@maxhub/storage';
import { describeUnsafeText, unsafeTextKind } from '@maxhub/contracts';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { JobContext } from '../jobs/jobs.service';
import { DatasetsErrorCode } from './datasets.errors';
import {
  classifyColumns,
  type DeclaredPublication,
  rejectionOf,
  typeAccepts,
  type ValidateDatasetJob,
} from './publishing';

/** Thrown when the object changed while it was being read: the attempt is retried. */
class ObjectChangedError extends Error {}

/** Size and ETag of the object; a vanished object has changed too. */
async function statOf(bucket: CompanyBucket, key: string): Promise<ObjectStat> {
  const stat = await bucket.stat(key);
  if (!stat) throw new ObjectChangedError('the object is not in the bucket');
  return stat;
}

/**
 * Validates a registered dataset version over its WHOLE object, streaming: structure, encoding,
 * types (confirmed or inferred), row count, size and SHA-256. Ends PUBLISHED or REJECTED (with
 * the line/row and reason; the object stays in the bucket). Idempotent: a retried job (its
 * worker killed mid-way) starts over, and only a version still VALIDATING is changed.
 *
 * The body of the worker's dataset-validate job (apps/worker's ValidateDatasetProcessor only
 * subscribes it to the queue), here so the hub's demo seed can validate inline without importing
 * the worker.
 */
@Injectable()
export class DatasetValidationService {
  // The worker's log context, unchanged since the job body moved here from its processor.
  private readonly logger = new Logger('ValidateDatasetProcessor');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: CompanyStorage,
    private readonly audit: AuditService,
  ) {}

  /** Handles one job: the processor's handler, and the demo seed's inline validation. */
  async process(job: JobContext<ValidateDatasetJob>): Promise<void> {
    const version = await this.dataSource
      .getRepository(DatasetVersionEntity)
      .findOneBy({ id: job.data.versionId });
    if (!version || version.status !== 'VALIDATING') return;
    const dataset = await this.dataSource
      .getRepository(DatasetEntity)
      .findOneByOrFail({ id: version.datasetId });
    const started = Date.now();
    this.logger.log({
      msg: 'validating dataset version',
      versionId: version.id,
      attempt: job.retryCount + 1,
    });
    const declared = version.declared as unknown as DeclaredPublication;
    try {
      const bucket = await this.storage.bucketOf(dataset.companyId);
      const { result, etag } = await this.validate(bucket, version, declared);
      // Column names are shown in the catalog and written into grant documents that lawyers sign:
      // a NUL (which PostgreSQL cannot store), a control, bidi or invisible character is refused
      // here with its own reason, instead of failing the save and being retried as storage trouble.
      const unsafe = result.columns.findIndex((c) => unsafeTextKind(c.name, 'line') !== null);
      if (unsafe >= 0) {
        const kind = unsafeTextKind(result.columns[unsafe].name, 'line')!;
        const rejection = {
          code: DatasetsErrorCode.DATASET_COLUMN_NAME_UNSAFE,
          message: `the name of column ${unsafe + 1} contains ${describeUnsafeText(kind)}; rename it in the file`,
        };
        await this.finish(
          version,
          dataset.companyId,
          'REJECTED',
          { rejection },
          {
            code: rejection.code,
            line: null,
            row: null,
          },
        );
        return;
      }
      const columns = classifyColumns(
        result.columns,
        new Map<string, ColumnClass>(Object.entries(declared.classes ?? {})),
        result.personalData,
      );
      await this.finish(
        version,
        dataset.companyId,
        'PUBLISHED',
        {
          columns,
          rowCount: String(result.rowCount),
          sha256: result.sha256,
          sizeBytes: String(result.sizeBytes),
          objectEtag: etag,
          ...(result.encoding ? { encoding: result.encoding } : {}),
        },
        {
          rowCount: result.rowCount,
          sizeBytes: result.sizeBytes,
          sha256: result.sha256,
          columns: columns.length,
          personalDataColumns: columns.filter((c) => c.personalData).length,
          overriddenColumns: columns.filter((c) => c.classOverridden).length,
          ms: Date.now() - started,
        },
      );
    } catch (err) {
      if (err instanceof FormatError) {
        const rejection = rejectionOf(err);
        await this.finish(
          version,
          dataset.companyId,
          'REJECTED',
          { rejection },
          {
            code: rejection.code,
            line: rejection.line ?? null,
            row: rejection.row ?? null,
          },
        );
        return;
      }
      // Storage trouble (or a bug): retry, and on the last attempt fail visibly, not stuck.
      this.logger.warn({
        msg: 'dataset validation attempt failed',
        versionId: version.id,
        attempt: job.retryCount + 1,
        error: err instanceof Error ? err.name : 'unknown',
        code: (err as { code?: string }).code ?? null,
      });
      if (job.retryCount >= job.retryLimit) {
        await this.finish(
          version,
          dataset.companyId,
          'REJECTED',
          {
            rejection: {
              code: DatasetsErrorCode.DATASET_VALIDATION_FAILED,
              message: `the object could not be read from the company storage after ${job.retryCount + 1} attempts`,
            },
          },
          { code: DatasetsErrorCode.DATASET_VALIDATION_FAILED, line: null, row: null },
        );
        return;
      }
      throw err;
    }
  }

  private async validate(
    bucket: CompanyBucket,
    version: DatasetVersionEntity,
    declared: DeclaredPublication,
  ): Promise<{ result: ValidationResult; etag: string }> {
    const format = version.format as DatasetFormat;
    const encoding: DeclaredEncoding = declared.encoding ?? 'auto';
    const stat = await statOf(bucket, version.objectKey);
    const size = stat.size;
    const run = async (declaredColumns?: Array<{ name: string; type: ColumnType }>) => {
      const source =
        format === 'PARQUET'
          ? bucket.rangeSource(version.objectKey, size)
          : await bucket.stream(version.objectKey);
      try {
        return await validateObject({ format, encoding, source, declaredColumns });
      } finally {
        if ('destroy' in source) source.destroy();
      }
    };
    let result = await run();
    const confirmed = declared.confirmedTypes ?? {};
    if (Object.keys(confirmed).length) {
      const accepted = result.columns.every((c) => !confirmed[c.name] || typeAccepts(confirmed[c.name], c));
      if (accepted) {
        result = {
          ...result,
          columns: result.columns.map((c) => ({ ...c, type: confirmed[c.name] ?? c.type })),
        };
      } else {
        // A second pass only on the way to a rejection: it names the first offending line.
        result = await run(result.columns.map((c) => ({ name: c.name, type: confirmed[c.name] ?? c.type })));
      }
    }
    const after = await statOf(bucket, version.objectKey);
    if (after.etag !== stat.etag || result.sizeBytes !== size) {
      throw new ObjectChangedError('the object changed while it was validated');
    }
    return { result, etag: stat.etag };
  }

  private async finish(
    version: DatasetVersionEntity,
    companyId: string,
    status: 'PUBLISHED' | 'REJECTED',
    set: Partial<DatasetVersionEntity>,
    details: Record<string, string | number | boolean | null>,
  ): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const res = await m
        .createQueryBuilder()
        .update(DatasetVersionEntity)
        .set({ ...set, status, ...(status === 'PUBLISHED' ? { publishedAt: () => 'now()' } : {}) } as never)
        .where('id = :id AND status = :s', { id: version.id, s: 'VALIDATING' })
        .execute();
      if (!res.affected) return;
      await this.audit.append(m, {
        actorUserId: null,
        action: status === 'PUBLISHED' ? 'dataset_version.published' : 'dataset_version.rejected',
        companyId,
        subjectType: 'dataset_version',
        subjectId: version.id,
        details: { datasetId: version.datasetId, version: version.version, ...details },
      });
    });
    this.logger.log({
      msg: `dataset version ${status.toLowerCase()}`,
      versionId: version.id,
      ...(status === 'REJECTED' ? { code: details.code } : {}),
    });
  }
}
