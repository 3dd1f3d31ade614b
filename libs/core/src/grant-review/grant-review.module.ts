import { Module } from '@nestjs/common';
import { GrantReviewService } from './grant-review.service';

/** The risk review of drafted grants (run by the worker's grant-review jobs). */
@Module({ providers: [GrantReviewService], exports: [GrantReviewService] })
export class GrantReviewModule {}
