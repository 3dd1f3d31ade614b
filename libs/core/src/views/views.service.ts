import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { HUB_CONFIG, HubConfig } from '@maxhub/config';
import { parseCanonicalGrant, type GrantDocument } from '@maxhub/contracts';
import {
  DatasetVersionEntity,
  GrantVersionEntity,
  GrantViewEntity,
  type GrantViewManifestSummary,
} from '@maxhub/db';
import { DeidentificationError } from '@maxhub/deidentification';
import { FormatError, type ColumnType, type DatasetFormat } from '@maxhub/formats';
import { CompanyStorage } from '@maxhub/storage';
import {
  deleteView,
  manifestKey,
  materializeView,
  minioStore,
  datasetColumns,
  ViewError,
  ViewErrorCode,
  viewPrefix,
  type ViewManifest,
  type ViewStore,
} from '@maxhub/views';
import { DataSource, type EntityManager, In, Not } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { ViewsErrorCode } from './views.errors';
import { returnedRows } from '../errors/database-errors';

/** Grant states in which views exist (SUSPENDED keeps the view but serves nothing). */
const LIVE_STATES = ['ACTIVE', 'SUSPENDED'];

/** Outcome of one materialization attempt. */
export interface MaterializeOutcome {
  viewId: string;
  status: GrantViewEntity['status'];
  errorCode: string | null;
}

/** Errors that retrying cannot fix: the grant, the data or the engine refuse. */
function permanentCode(err: unknown): string | null {
  if (err instanceof DeidentificationError) return err.code;
  if (err instanceof FormatError) return err.code;
  if (err instanceof ViewError && err.code !== ViewErrorCode.VIEW_STORAGE_FAILED) return err.code;
  if (err instanceof PermanentFailure) return err.code;
  return null;
}

/**
 * Materialized views of granted datasets: which exist (grant_views), making them (the worker's
 * materialize job calls {@link materialize}), and deleting them when a grant ends. Views live in
 * the OWNER's bucket under shares/<grant>/<datasetVersion>/; a view is served only when its row
 * says READY and its manifest (written last) is the one recorded.
 */
/** Advisory-lock namespace of view materialization (second key: hashtext(view id)). */
const VIEW_LOCK_NAMESPACE = 0x76696577; // "view"

@Injectable()
export class ViewsService {
  private readonly logger = new Logger(ViewsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly storage: CompanyStorage,
    private readonly audit: AuditService,
  ) {}

  /** The view store of a company (its bucket, on the alliance MinIO or its own endpoint). */
  async storeFor(companyId: string): Promise<ViewStore> {
    return minioStore(await this.storage.bucketOf(companyId));
  }

  /**
   * Creates the PENDING view rows of an ACTIVE grant version (one per granted dataset) and
   * returns the ids of views that still need materializing. Idempotent.
   */
  async requestViews(grantVersionId: string): Promise<string[]> {
    return this.dataSource.transaction(async (m) => {
      const gv = await m.getRepository(GrantVersionEntity).findOne({ where: { id: grantVersionId } });
      if (!gv || gv.state !== 'ACTIVE') return [];
      const doc = parseCanonicalGrant(gv.document);
      const grant: Array<{ grantor_company_id: string }> = await m.query(
        'SELECT grantor_company_id FROM grants WHERE id = $1',
        [gv.grantId],
      );
      const ids: string[] = [];
      for (const d of doc.datasets) {
        const dv = await m
          .getRepository(DatasetVersionEntity)
          .findOne({ where: { datasetId: d.datasetId, version: d.version } });
        if (!dv) continue; // validated at draft time; a vanished version simply has no view
        await m
          .createQueryBuilder()
          .insert()
          .into(GrantViewEntity)
          .values({
            grantId: gv.grantId,
            grantVersionId: gv.id,
            grantVersion: gv.version,
            datasetId: d.datasetId,
            datasetVersionId: dv.id,
            companyId: grant[0].grantor_company_id,
            status: 'PENDING',
            prefix: viewPrefix(gv.grantId, dv.id),
          })
          .orIgnore()
          .execute();
        const row = await m
          .getRepository(GrantViewEntity)
          .findOneOrFail({ where: { grantVersionId: gv.id, datasetVersionId: dv.id } });
        if (row.status === 'PENDING' || row.status === 'MATERIALIZING') ids.push(row.id);
      }
      return ids;
    });
  }

  /**
   * One materialization attempt of a view (the job body; safe to retry: it starts from scratch).
   * Permanent refusals mark the view FAILED with the code and return; storage and other
   * transient failures mark it PENDING with the code and throw, so the job is retried.
   */
  async materialize(viewId: string): Promise<MaterializeOutcome> {
    // One materializer per view across every worker and the demo seed: a session-level advisory
    // lock on a connection of its own (released by PostgreSQL if this process dies). A second
    // caller waits, then finds the view READY (or retries a FAILED/PENDING one from scratch).
    const lock = this.dataSource.createQueryRunner();
    await lock.connect();
    try {
      await lock.query('SELECT pg_advisory_lock($1, hashtext($2))', [VIEW_LOCK_NAMESPACE, viewId]);
      return await this.materializeLocked(viewId);
    } finally {
      await lock
        .query('SELECT pg_advisory_unlock($1, hashtext($2))', [VIEW_LOCK_NAMESPACE, viewId])
        .catch(() => undefined);
      await lock.release();
    }
  }

  private async materializeLocked(viewId: string): Promise<MaterializeOutcome> {
    const repo = this.dataSource.getRepository(GrantViewEntity);
    const view = await repo.findOne({ where: { id: viewId } });
    if (!view) return { viewId, status: 'DELETED', errorCode: null };
    if (view.status === 'READY' || view.status === 'DELETED' || view.status === 'FAILED')
      return { viewId, status: view.status, errorCode: view.errorCode };
    const gv = await this.dataSource
      .getRepository(GrantVersionEntity)
      .findOneByOrFail({ id: view.grantVersionId });
    if (gv.state !== 'ACTIVE') {
      await this.deleteViewsOf(view.grantId);
      return { viewId, status: 'DELETED', errorCode: null };
    }
    await repo.update(
      { id: viewId },
      { status: 'MATERIALIZING', attempts: () => 'attempts + 1', errorCode: null },
    );
    const store = await this.storeFor(view.companyId);
    let manifest: ViewManifest;
    try {
      manifest = await this.build(view, parseCanonicalGrant(gv.document), store);
    } catch (err) {
      const code = permanentCode(err);
      await repo.update(
        { id: viewId },
        { status: code ? 'FAILED' : 'PENDING', errorCode: code ?? 'VIEW_STORAGE_FAILED' },
      );
      this.logger.warn({ msg: 'view materialization failed', viewId, code: code ?? 'VIEW_STORAGE_FAILED' });
      if (code) {
        await this.audit.appendStandalone({
          actorUserId: null,
          action: 'view.failed',
          companyId: view.companyId,
          workingGroupId: await this.granteeOf(view.grantId),
          subjectType: 'grant',
          subjectId: view.grantId,
          details: { viewId, datasetVersionId: view.datasetVersionId, reason: code },
        });
        return { viewId, status: 'FAILED', errorCode: code };
      }
      throw err;
    }
    const bytes = Buffer.from(JSON.stringify(manifest), 'utf8');
    const s = manifest.view.summary;
    const summary: GrantViewManifestSummary = {
      columns: manifest.columns.map((c) => ({ name: c.name, type: c.type })),
      chunkRows: manifest.chunkRows,
      chunks: manifest.chunks.length,
      bytes: s.bytes,
      quasiIdentifiers: s.quasiIdentifiers,
      k: s.k,
      millis: s.millis,
    };
    const ended = await this.dataSource.transaction(async (m) => {
      // Lock the grant version: a termination racing with us either sees READY (and deletes) or
      // commits first (and we delete here).
      const live: Array<{ state: string }> = await m.query(
        'SELECT state FROM grant_versions WHERE id = $1 FOR SHARE',
        [view.grantVersionId],
      );
      if (live[0]?.state !== 'ACTIVE') return true;
      await m.update(
        GrantViewEntity,
        { id: viewId },
        {
          status: 'READY',
          manifestSha256: createHash('sha256').update(bytes).digest('hex'),
          manifestSummary: summary,
          rowsIn: String(s.rowsIn),
          rowsFiltered: String(s.rowsFiltered),
          rowsSuppressed: String(s.rowsSuppressed),
          rowsOut: String(s.rowsOut),
          riskReport: (s.risk ?? null) as never, // jsonb: TypeORM types deep partials of records poorly
          readyAt: new Date(),
        },
      );
      await this.audit.append(m, {
        actorUserId: null,
        action: 'view.materialized',
        companyId: view.companyId,
        workingGroupId: await this.granteeOf(view.grantId, m),
        subjectType: 'grant',
        subjectId: view.grantId,
        details: {
          viewId,
          grantVersion: view.grantVersion,
          datasetVersionId: view.datasetVersionId,
          rowsIn: s.rowsIn,
          rowsFiltered: s.rowsFiltered,
          rowsSuppressed: s.rowsSuppressed,
          rowsOut: s.rowsOut,
          k: s.k,
          highestRisk: s.risk?.highestRisk ?? null,
        },
      });
      return false;
    });
    if (ended) {
      await this.deleteViewsOf(view.grantId);
      return { viewId, status: 'DELETED', errorCode: null };
    }
    this.logger.log({ msg: 'view ready', viewId, rowsOut: s.rowsOut, millis: s.millis });
    return { viewId, status: 'READY', errorCode: null };
  }

  /** The manifest bytes as stored, exactly (the reader verifies them against the recorded SHA-256). */
  manifestKeyOf(view: Pick<GrantViewEntity, 'prefix'>): string {
    return manifestKey(view.prefix);
  }

  private async build(view: GrantViewEntity, doc: GrantDocument, store: ViewStore): Promise<ViewManifest> {
    const granted = doc.datasets.find((d) => d.datasetId === view.datasetId);
    if (!granted) throw new PermanentFailure(ViewErrorCode.VIEW_GRANT_INVALID);
    const dv = await this.dataSource
      .getRepository(DatasetVersionEntity)
      .findOneByOrFail({ id: view.datasetVersionId });
    if (dv.status !== 'PUBLISHED') {
      throw new PermanentFailure(ViewsErrorCode.VIEW_DATASET_VERSION_UNAVAILABLE);
    }
    const bucket = await this.storage.bucketOf(view.companyId);
    // A presigned upload URL stays valid until it expires, even after publication: make sure the
    // object is still the one validation read (ETag and size), before and after reading it.
    const assertUnchanged = async () => {
      const stat = await bucket.stat(dv.objectKey);
      const changed =
        !stat ||
        (dv.sizeBytes !== null && stat.size !== Number(dv.sizeBytes)) ||
        (dv.objectEtag !== null && stat.etag !== dv.objectEtag);
      if (changed) throw new PermanentFailure(ViewsErrorCode.VIEW_SOURCE_CHANGED);
      return stat.size;
    };
    const size = await assertUnchanged();
    const columns = dv.columns.map((c) => ({
      name: c.name,
      type: c.type as ColumnType,
      class: c.class,
      nullable: c.nullable,
    }));
    const declared = dv.declared as { delimiter?: ',' | ';' | '\t' | '|'; naiveOffsetMinutes?: number };
    const manifest = await materializeView({
      store,
      prefix: view.prefix,
      grantId: view.grantId,
      masterSecret: this.config.secrets.master,
      datasetColumns: columns,
      granted,
      chunkRows: 10_000,
      // The validated row count sizes the row shuffler's groups (a view is spooled at most once).
      expectedRows: dv.rowCount === null ? undefined : Number(dv.rowCount),
      // CSV/JSONL: one streaming GET per pass; Parquet: range reads. Only needed columns are typed.
      openColumns: datasetColumns({
        bucket,
        key: dv.objectKey,
        size,
        format: dv.format as DatasetFormat,
        encoding: (dv.encoding ?? undefined) as never,
        delimiter: declared.delimiter,
        columns,
      }),
    });
    await assertUnchanged();
    return manifest;
  }

  /**
   * Marks, inside the caller's transaction, every view built from a dataset version as DELETED
   * with a reason (its publisher withdrew the version): from that commit on nothing of it is
   * served and an export in progress stops at its next chunk. Call {@link removeStoredViews}
   * with the result after the commit to delete the objects from the owner's bucket.
   */
  async retireViewsOfDatasetVersion(
    m: EntityManager,
    datasetVersionId: string,
    reason: string,
  ): Promise<Array<{ id: string; companyId: string; prefix: string }>> {
    const rows: Array<{ id: string; company_id: string; prefix: string }> = await m
      .query(
        `UPDATE grant_views SET status = 'DELETED', deleted_at = now(), error_code = $2
          WHERE dataset_version_id = $1 AND status <> 'DELETED'
          RETURNING id, company_id, prefix`,
        [datasetVersionId, reason],
      )
      .then(returnedRows<never>);
    return rows.map((r) => ({ id: r.id, companyId: r.company_id, prefix: r.prefix }));
  }

  /** Deletes retired views' objects from their owners' buckets (best effort; they are no longer served). */
  async removeStoredViews(views: Array<{ companyId: string; prefix: string }>): Promise<void> {
    for (const v of views) {
      await deleteView(await this.storeFor(v.companyId), v.prefix).catch((err: unknown) =>
        this.logger.warn({
          msg: 'could not delete a retired view’s objects',
          prefix: v.prefix,
          err: String(err),
        }),
      );
    }
  }

  /**
   * Deletes every view of a grant (all its versions) from the owner's bucket and marks them
   * DELETED. Idempotent; the delete-views job calls it when a grant ends.
   */
  async deleteViewsOf(grantId: string): Promise<number> {
    const repo = this.dataSource.getRepository(GrantViewEntity);
    const views = await repo.find({ where: { grantId, status: Not('DELETED') } });
    for (const v of views) {
      // Mark first: from this commit on nothing is served, even if the objects linger a moment.
      await repo.update({ id: v.id }, { status: 'DELETED', deletedAt: new Date() });
      await deleteView(await this.storeFor(v.companyId), v.prefix);
    }
    if (views.length > 0) {
      await this.audit.appendStandalone({
        actorUserId: null,
        action: 'view.deleted',
        companyId: views[0].companyId,
        workingGroupId: await this.granteeOf(grantId),
        subjectType: 'grant',
        subjectId: grantId,
        details: { views: views.length },
      });
    }
    return views.length;
  }

  /**
   * Brings views in line with grants: ACTIVE grant versions get their views requested; views of
   * grant versions that are no longer live are deleted. Returns what to enqueue. The worker
   * runs it on an interval, so a lost hook or job never leaves a view missing or lingering.
   */
  async reconcile(): Promise<{ materialize: string[]; deleteGrants: string[] }> {
    const active: Array<{ id: string }> = await this.dataSource.query(
      `SELECT gv.id FROM grant_versions gv
        WHERE gv.state = 'ACTIVE'
          AND NOT EXISTS (SELECT 1 FROM grant_views v WHERE v.grant_version_id = gv.id)`,
    );
    const materialize: string[] = [];
    for (const a of active) materialize.push(...(await this.requestViews(a.id)));
    const stuck = await this.dataSource.getRepository(GrantViewEntity).find({
      where: { status: In(['PENDING']) },
      select: { id: true },
    });
    for (const s of stuck) if (!materialize.includes(s.id)) materialize.push(s.id);
    const ended: Array<{ grant_id: string }> = await this.dataSource.query(
      `SELECT DISTINCT v.grant_id FROM grant_views v JOIN grant_versions gv ON gv.id = v.grant_version_id
        WHERE v.status <> 'DELETED' AND gv.state NOT IN (${LIVE_STATES.map((s) => `'${s}'`).join(', ')})`,
    );
    return { materialize, deleteGrants: ended.map((e) => e.grant_id) };
  }

  private async granteeOf(grantId: string, m = this.dataSource.manager): Promise<string | null> {
    const r: Array<{ grantee_working_group_id: string }> = await m.query(
      'SELECT grantee_working_group_id FROM grants WHERE id = $1',
      [grantId],
    );
    return r[0]?.grantee_working_group_id ?? null;
  }
}

/** A refusal that retrying cannot fix, with its code. */
class PermanentFailure extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}
