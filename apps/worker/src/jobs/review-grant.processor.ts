import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { GrantReviewService, JOB_QUEUES, type JobContext, JobsService } from '@maxhub/core';

/** Job data of grant-review. */
export interface ReviewGrantJob {
  versionId: string;
}

/** How often the worker looks for grant versions whose risk review is pending. */
export const REVIEW_RECONCILE_INTERVAL_MS = 2_000;

/**
 * Runs the risk review of drafted grant versions. Like the views, the trigger is a reconcile
 * loop over the database (versions with review_status PENDING), one job per version (singleton
 * per version id). A job is idempotent (the outcome is written only while the version is still
 * PENDING); a transient failure (storage, database) is retried, a refusal marks the version FAILED.
 */
@Injectable()
export class ReviewGrantProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReviewGrantProcessor.name);
  private timer?: NodeJS.Timeout;
  private reconciling = false;

  constructor(
    private readonly reviews: GrantReviewService,
    private readonly jobs: JobsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // One review at a time per worker: it streams a whole object and is CPU-bound.
    await this.jobs.work<ReviewGrantJob>(JOB_QUEUES.REVIEW_GRANT, (job) => this.review(job), 1);
    this.timer = setInterval(() => void this.reconcile(), REVIEW_RECONCILE_INTERVAL_MS);
    this.timer.unref();
    await this.reconcile();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Enqueues a job per pending review (public for tests). */
  async reconcile(): Promise<void> {
    if (this.reconciling) return;
    this.reconciling = true;
    try {
      for (const { versionId, bytes } of await this.reviews.pending()) {
        await this.jobs.enqueue(
          JOB_QUEUES.REVIEW_GRANT,
          { versionId },
          // A review streams whole objects: its expiry grows with what it reads.
          { singletonKey: versionId, expireInSeconds: this.jobs.expiryFor(bytes) },
        );
      }
    } catch (err) {
      this.logger.error({ msg: 'grant review reconcile failed', err: { message: (err as Error).message } });
    } finally {
      this.reconciling = false;
    }
  }

  /** One grant-review job. */
  async review(job: JobContext<ReviewGrantJob>): Promise<void> {
    const outcome = await this.reviews.review(job.data.versionId);
    this.logger.log({ msg: 'grant risk review', versionId: job.data.versionId, outcome });
  }
}
