import { DynamicModule, Module } from '@nestjs/common';
import type { HubConfig } from '@maxhub/config';
import { CoreModule, DatasetValidationModule, JobsModule, ViewsModule } from '@maxhub/core';
import { ValidateDatasetProcessor } from './jobs/validate-dataset.processor';
import { MaterializeViewProcessor } from './jobs/materialize-view.processor';

/**
 * Job processors of the worker. Each subscribes to its queue when the application starts
 * (OnApplicationBootstrap); add a processor (e.g. materializing a grant's view) here.
 */
export const PROCESSORS = [ValidateDatasetProcessor, MaterializeViewProcessor];

/**
 * The worker: the kernel (@maxhub/core: database, storage, audit, jobs, views, dataset
 * validation) plus the processors. No HTTP, no GraphQL: nothing of apps/hub is imported.
 */
@Module({})
export class WorkerModule {
  static register(config: HubConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [CoreModule.register(config), JobsModule, ViewsModule, DatasetValidationModule],
      providers: [...PROCESSORS],
      exports: [...PROCESSORS],
    };
  }
}
