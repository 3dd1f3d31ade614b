import { Module } from '@nestjs/common';
import { GrantsModule } from '../grants/grants.module';
import { ViewsModule } from '@maxhub/core';
import { ExportsController } from './exports.controller';
import { QueriesResolver } from './queries.resolver';
import { QueriesService } from './queries.service';

/** Analysts' slice and export queries over materialized views, audited. */
@Module({
  imports: [GrantsModule, ViewsModule],
  providers: [QueriesService, QueriesResolver],
  controllers: [ExportsController],
  exports: [QueriesService],
})
export class QueriesModule {}
