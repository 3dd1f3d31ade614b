import { Module } from '@nestjs/common';
import { JobsModule, ViewsModule } from '@maxhub/core';
import { AllianceModule } from '../alliance/alliance.module';
import { DatasetsResolver } from './datasets.resolver';
import { DatasetsService } from './datasets.service';

@Module({
  imports: [AllianceModule, JobsModule, ViewsModule],
  providers: [DatasetsService, DatasetsResolver],
  exports: [DatasetsService],
})
export class DatasetsModule {}
