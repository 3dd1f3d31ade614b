import { DynamicModule, Module } from '@nestjs/common';
import type { HubConfig } from '@maxhub/config';
import { CoreModule } from '../../hub/src/core.module';
import { JobsModule } from '../../hub/src/jobs/jobs.module';
import { ValidateDatasetProcessor } from './jobs/validate-dataset.processor';
import { MaterializeViewProcessor } from './jobs/materialize-view.processor';
import { ViewsModule } from '../../hub/src/modules/views/views.module';

/**
 * Job processors of the worker. Each subscribes to its queue when the application starts
 * (OnApplicationBootstrap); add a processor (e.g. materializing a grant's view) here.
 */
export const PROCESSORS = [ValidateDatasetProcessor, MaterializeViewProcessor];

/** The worker: the hub's core (database, storage, audit) plus the processors. No HTTP, no GraphQL. */
@Module({})
export class WorkerModule {
  static register(config: HubConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [CoreModule.register(config), JobsModule, ViewsModule],
      providers: [...PROCESSORS],
      exports: [...PROCESSORS],
    };
  }
}
