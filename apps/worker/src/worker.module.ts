import { DynamicModule, Module } from '@nestjs/common';
import type { HubConfig } from '@maxhub/config';
import {
  CoreModule,
  DatasetValidationModule,
  GrantReviewModule,
  JobsModule,
  ViewsModule,
} from '@maxhub/core';
import { ValidateDatasetProcessor } from './jobs/validate-dataset.processor';
import { MaterializeViewProcessor } from './jobs/materialize-view.processor';
import { ReviewGrantProcessor } from './jobs/review-grant.processor';

/**
 * Job processors of the worker. Each subscribes to its queue when the application starts
 * (OnApplicationBootstrap); add a processor (e.g. materializing a grant's view) here.
 */
export const PROCESSORS = [ValidateDatasetProcessor, MaterializeViewProcessor, ReviewGrantProcessor];

/**
 * The worker: the kernel (@maxhub/core: database, storage, audit, jobs, views, dataset
 * validation) plus the processors. No HTTP, no GraphQL: nothing of apps/hub is imported.
 */
@Module({})
export class WorkerModule {
  static register(config: HubConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        CoreModule.register(config),
        JobsModule,
        ViewsModule,
        DatasetValidationModule,
        GrantReviewModule,
      ],
      providers: [...PROCESSORS],
      exports: [...PROCESSORS],
    };
  }
}
