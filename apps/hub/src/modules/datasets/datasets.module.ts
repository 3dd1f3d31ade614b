import { Module } from '@nestjs/common';
import { JobsModule } from '../../jobs/jobs.module';
import { AllianceModule } from '../alliance/alliance.module';
import { ViewsModule } from '../views/views.module';
import { DatasetsResolver } from './datasets.resolver';
import { DatasetsService } from './datasets.service';

@Module({
  imports: [AllianceModule, JobsModule, ViewsModule],
  providers: [DatasetsService, DatasetsResolver],
  exports: [DatasetsService],
})
export class DatasetsModule {}
