import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { JOB_QUEUES, type JobContext, JobsService, ViewsService } from '@maxhub/core';

/** Job data of view-materialize. */
export interface MaterializeViewJob {
  viewId: string;
}

/** Job data of view-delete. */
export interface DeleteViewsJob {
  grantId: string;
}

/** How often the worker brings views in line with grants. */
export const RECONCILE_INTERVAL_MS = 2_000;

/**
 * Materializes grants' views and deletes the views of ended grants. The trigger is a reconcile
 * loop rather than a hook in the grants service: every few seconds the worker asks the database
 * which ACTIVE grant versions have no views yet and which views belong to grants that ended, and
 * enqueues one job per view (singleton per view id, so several workers do not pile up
 * duplicates). A job is idempotent and starts from scratch, so pg-boss's retry of a job whose
 * worker died is safe, and no half-written view is ever READY (the manifest is written last).
 */
@Injectable()
export class MaterializeViewProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MaterializeViewProcessor.name);
  private timer?: NodeJS.Timeout;
  private reconciling = false;

  constructor(
    private readonly views: ViewsService,
    private readonly jobs: JobsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // One materialization at a time per worker: it is CPU-bound and streams, so memory stays flat.
    await this.jobs.work<MaterializeViewJob>(JOB_QUEUES.MATERIALIZE_VIEW, (job) => this.materialize(job), 1);
    await this.jobs.work<DeleteViewsJob>(JOB_QUEUES.DELETE_VIEWS, (job) => this.deleteViews(job), 1);
    this.timer = setInterval(() => void this.reconcile(), RECONCILE_INTERVAL_MS);
    this.timer.unref();
    await this.reconcile();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Enqueues what the views lack (public for tests). */
  async reconcile(): Promise<void> {
    if (this.reconciling) return;
    this.reconciling = true;
    try {
      const todo = await this.views.reconcile();
      for (const viewId of todo.materialize) {
        await this.jobs.enqueue(JOB_QUEUES.MATERIALIZE_VIEW, { viewId }, { singletonKey: viewId });
      }
      for (const grantId of todo.deleteGrants) {
        await this.jobs.enqueue(JOB_QUEUES.DELETE_VIEWS, { grantId }, { singletonKey: grantId });
      }
    } catch (err) {
      this.logger.error({ msg: 'view reconcile failed', err: { message: (err as Error).message } });
    } finally {
      this.reconciling = false;
    }
  }

  /** One view-materialize job. */
  async materialize(job: JobContext<MaterializeViewJob>): Promise<void> {
    this.logger.log({ msg: 'materializing view', viewId: job.data.viewId, attempt: job.retryCount + 1 });
    await this.views.materialize(job.data.viewId);
  }

  /** One view-delete job. */
  async deleteViews(job: JobContext<DeleteViewsJob>): Promise<void> {
    const n = await this.views.deleteViewsOf(job.data.grantId);
    this.logger.log({ msg: 'views deleted', grantId: job.data.grantId, views: n });
  }
}
