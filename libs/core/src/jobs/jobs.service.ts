import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '@maxhub/config';
import PgBoss from 'pg-boss';
import type { EntityManager } from 'typeorm';

/** Names of the queues the hub and the worker share. */
export const JOB_QUEUES = {
  /** Validate a newly registered dataset version over its whole object. */
  VALIDATE_DATASET: 'dataset-validate',
  /** Materialize a grant's de-identified view of one dataset version (grant_views row id). */
  MATERIALIZE_VIEW: 'view-materialize',
  /** Delete every view of an ended grant. */
  DELETE_VIEWS: 'view-delete',
  /** Run the risk review of a drafted grant version (grant_versions row id). */
  REVIEW_GRANT: 'grant-review',
} as const;
export type JobQueue = (typeof JOB_QUEUES)[keyof typeof JOB_QUEUES];

/** A job as a processor sees it. */
export interface JobContext<T> {
  id: string;
  data: T;
  /** Attempts before this one (0 on the first). */
  retryCount: number;
  retryLimit: number;
}

/** Per-job options. */
export interface EnqueueOptions {
  /**
   * Enqueue inside this transaction, so the job exists exactly when the change that needs it
   * commits (a crash between the two can leave neither half).
   */
  manager?: EntityManager;
  /** After this long in `active` the job is presumed dead (its worker killed) and retried. */
  expireInSeconds?: number;
  /** At most one queued job per key (e.g. the version id). */
  singletonKey?: string;
}

/**
 * The job queue on PostgreSQL (pg-boss, in its own schema `pgboss`), shared by the hub (which
 * enqueues) and the worker (which processes). Several hubs and workers may run side by side:
 * pg-boss hands each job to one worker (SKIP LOCKED), and a job whose worker died is expired
 * by whichever process runs maintenance next, then retried.
 */
@Injectable()
export class JobsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(JobsService.name);
  private readonly boss: PgBoss;
  private started?: Promise<void>;

  constructor(@Inject(HUB_CONFIG) private readonly config: HubConfig) {
    this.boss = new PgBoss({
      connectionString: config.database.url,
      schema: 'pgboss',
      max: 3,
      application_name: 'maxhub-jobs',
      maintenanceIntervalSeconds: config.jobs.maintenanceIntervalSeconds,
      // The monitor only emits counts nobody reads; cron scheduling is not used.
      schedule: false,
    });
    this.boss.on('error', (err: Error) => this.logger.error({ msg: 'job queue error', err: err.message }));
  }

  async onModuleInit(): Promise<void> {
    await this.start();
  }

  /** Starts pg-boss (creating or migrating its schema) and the queues; idempotent. */
  start(): Promise<void> {
    this.started ??= (async () => {
      await this.boss.start();
      for (const name of Object.values(JOB_QUEUES)) {
        await this.boss.createQueue(name, {
          name,
          retryLimit: this.config.jobs.retryLimit,
          retryDelay: this.config.jobs.retryDelaySeconds,
          retryBackoff: true,
          expireInSeconds: this.config.jobs.expireBaseSeconds,
        });
      }
    })();
    return this.started;
  }

  /** Seconds after which a job that reads `sizeBytes` bytes is presumed dead. */
  expiryFor(sizeBytes: number): number {
    const { expireBaseSeconds, minBytesPerSecond } = this.config.jobs;
    // pg-boss refuses expirations of 24 hours or more.
    return Math.min(23 * 3600, Math.ceil(expireBaseSeconds + sizeBytes / minBytesPerSecond));
  }

  /** Enqueues a job; inside `opts.manager`'s transaction when given. Returns the job id. */
  async enqueue<T extends object>(name: JobQueue, data: T, opts: EnqueueOptions = {}): Promise<string> {
    await this.start();
    const m = opts.manager;
    const db = m
      ? {
          executeSql: async (text: string, values: unknown[]) => ({
            rows: await m.query<unknown[]>(text, values),
          }),
        }
      : undefined;
    const id = await this.boss.send(name, data, {
      ...(db ? { db } : {}),
      ...(opts.expireInSeconds ? { expireInSeconds: opts.expireInSeconds } : {}),
      ...(opts.singletonKey ? { singletonKey: opts.singletonKey } : {}),
    });
    if (!id) throw new Error(`job ${name} was not enqueued`);
    return id;
  }

  /**
   * Processes jobs of a queue, `concurrency` at a time in this process. A handler that throws
   * fails the attempt; pg-boss retries it up to the retry limit with backoff.
   */
  async work<T extends object>(
    name: JobQueue,
    handler: (job: JobContext<T>) => Promise<void>,
    concurrency = this.config.jobs.workerConcurrency,
  ): Promise<void> {
    await this.start();
    for (let i = 0; i < concurrency; i++) {
      await this.boss.work<T>(
        name,
        {
          batchSize: 1,
          includeMetadata: true,
          pollingIntervalSeconds: this.config.jobs.pollingIntervalSeconds,
        },
        async ([job]) => {
          await handler({
            id: job.id,
            data: job.data,
            retryCount: job.retryCount,
            retryLimit: job.retryLimit,
          });
        },
      );
    }
  }

  /** The state of a job (tests and diagnostics). */
  async jobState(name: JobQueue, id: string): Promise<string | undefined> {
    const job = await this.boss.getJobById(name, id);
    return job?.state;
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    await this.started.catch(() => undefined);
    await this.boss.stop({ graceful: true, close: true, timeout: 10_000, wait: true });
  }
}
