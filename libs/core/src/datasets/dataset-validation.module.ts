import { Module } from '@nestjs/common';
import { DatasetValidationService } from './dataset-validation.service';

/** Validation of registered dataset versions (the worker's job body; the demo seed runs it inline). */
@Module({ providers: [DatasetValidationService], exports: [DatasetValidationService] })
export class DatasetValidationModule {}
