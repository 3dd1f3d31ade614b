import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import {
  DatasetValidationService,
  type JobContext,
  JOB_QUEUES,
  JobsService,
  type ValidateDatasetJob,
} from '@maxhub/core';

/**
 * Runs dataset-validate jobs: each validates a registered dataset version over its whole object
 * (DatasetValidationService in @maxhub/core: PUBLISHED or REJECTED with the line and reason). A
 * job that throws is retried by pg-boss; the last attempt ends REJECTED, never stuck.
 */
@Injectable()
export class ValidateDatasetProcessor implements OnApplicationBootstrap {
  constructor(
    private readonly validation: DatasetValidationService,
    private readonly jobs: JobsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.work<ValidateDatasetJob>(JOB_QUEUES.VALIDATE_DATASET, (job) => this.process(job));
  }

  /** Handles one job (public for tests that drive it directly). */
  async process(job: JobContext<ValidateDatasetJob>): Promise<void> {
    await this.validation.process(job);
  }
}
