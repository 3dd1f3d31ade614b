import { Module } from '@nestjs/common';
import { JobsModule, ViewsModule } from '@maxhub/core';
import { AllianceModule } from '../alliance/alliance.module';
import { DatasetCatalogService } from './catalog.service';
import { DatasetsResolver } from './datasets.resolver';
import { DatasetsService } from './datasets.service';
import { RejectedUploadsController } from './rejected-uploads.controller';
import { RejectedUploadsService } from './rejected-uploads.service';
import { UploadsService } from './uploads.service';

@Module({
  imports: [AllianceModule, JobsModule, ViewsModule],
  providers: [
    DatasetsService,
    DatasetCatalogService,
    UploadsService,
    RejectedUploadsService,
    DatasetsResolver,
  ],
  controllers: [RejectedUploadsController],
  exports: [DatasetsService, UploadsService],
})
export class DatasetsModule {}
