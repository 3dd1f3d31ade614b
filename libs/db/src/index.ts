export {
  dataSourceOptions,
  createDataSource,
  ensureDatabase,
  dropTestDatabase,
  migrateDatabase,
} from './data-source';
export { ENTITIES } from './entities';
export { CompanyEntity } from './entities/company.entity';
export { WorkingGroupEntity } from './entities/working-group.entity';
export { UserEntity } from './entities/user.entity';
export {
  CompanyMemberEntity,
  WorkingGroupMemberEntity,
  COMPANY_ROLES,
  WORKING_GROUP_ROLES,
} from './entities/membership.entity';
export type { CompanyRole, WorkingGroupRole } from './entities/membership.entity';
export { ApiTokenEntity } from './entities/api-token.entity';
export { AuditEntryEntity } from './entities/audit-entry.entity';
export { WORKING_GROUPS } from './working-groups';
export { DatasetEntity, DatasetVersionEntity, DATASET_VERSION_STATUSES } from './entities/dataset.entity';
export type {
  DatasetVersionStatus,
  DatasetRejection,
  DatasetColumnRecord,
  DatasetColumnPersonalData,
} from './entities/dataset.entity';
export { UploadTicketEntity, UPLOAD_TICKET_STATUSES } from './entities/upload-ticket.entity';
export type { UploadTicketStatus } from './entities/upload-ticket.entity';
export { CertificateEntity, CrlEntity, CERTIFICATE_ORG_KINDS } from './entities/certificate.entity';
export type { CertificateOrgKind } from './entities/certificate.entity';
export {
  GrantEntity,
  GrantVersionEntity,
  GrantSignatureEntity,
  GrantTerminationEntity,
  GRANT_STATES,
  GRANT_PARTIES,
} from './entities/grant.entity';
export type { GrantState, GrantPartyName, GrantReviewStatus } from './entities/grant.entity';
export { GrantViewEntity, GrantQueryUsageEntity, GRANT_VIEW_STATUSES } from './entities/grant-view.entity';
export type { GrantViewStatus, GrantViewManifestSummary } from './entities/grant-view.entity';
export { preparedQuery } from './prepared';
