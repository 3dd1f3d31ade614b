import { Module } from '@nestjs/common';
import { JobsService } from './jobs.service';

/** The PostgreSQL job queue, for the hub (enqueue) and the worker (process). */
@Module({ providers: [JobsService], exports: [JobsService] })
export class JobsModule {}
