import { Module } from '@nestjs/common';
import { ViewsService } from './views.service';

/** Materialized views of granted datasets (used by the queries module and the worker's jobs). */
@Module({ providers: [ViewsService], exports: [ViewsService] })
export class ViewsModule {}
