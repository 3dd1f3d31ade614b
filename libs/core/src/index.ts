/**
 * The kernel every process of the hub shares (the API, the worker and the hub's tasks): the
 * CoreModule (configuration, database, company storage, access rules, audit log), the job queue,
 * materialized views, publishing rules and dataset validation, the error type and the logger.
 * No GraphQL resolver, no HTTP guard or controller: those belong to apps/hub.
 */
export { CoreModule } from './core.module';
export type { Actor } from './access/actor';
export { AccessService } from './access/access.service';
export type { PartyRule, PartyStanding } from './access/access.service';
export { AuditService } from './audit/audit.service';
export type { AccessDecision, AccessRecord, AuditRecord } from './audit/audit.service';
export { HubError, badInput, conflict, forbidden, notFound, unavailable } from './errors/hub-error';
export type { ErrorCategory, HubErrorCode, HubErrorCodes } from './errors/hub-error';
export { CoreErrorCode } from './errors/core.errors';
export { isDatabaseUnavailable, isUniqueViolation, returnedRows } from './errors/database-errors';
export { createLogger, PinoNestLogger } from './logger';
export { JobsModule } from './jobs/jobs.module';
export { JobsService, JOB_QUEUES } from './jobs/jobs.service';
export type { EnqueueOptions, JobContext, JobQueue } from './jobs/jobs.service';
export { ViewsModule } from './views/views.module';
export { ViewsService } from './views/views.service';
export type { MaterializeOutcome } from './views/views.service';
export { ViewsErrorCode } from './views/views.errors';
export { GrantReviewModule } from './grant-review/grant-review.module';
export { GrantReviewService, needsRiskReview } from './grant-review/grant-review.service';
export { GrantReviewErrorCode } from './grant-review/grant-review.errors';
export { DatasetsErrorCode } from './datasets/datasets.errors';
export {
  classifyColumns,
  MAX_PART_BYTES,
  MAX_PARTS,
  MAX_SINGLE_PUT_BYTES,
  MIN_PART_BYTES,
  partBytes,
  planUpload,
  rejectionOf,
  safeFileName,
  typeAccepts,
} from './datasets/publishing';
export type {
  DeclaredPublication,
  UploadPlan,
  UploadPlanError,
  ValidateDatasetJob,
} from './datasets/publishing';
export { DatasetValidationModule } from './datasets/dataset-validation.module';
export { DatasetValidationService } from './datasets/dataset-validation.service';
