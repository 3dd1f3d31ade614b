import { ApiTokenEntity } from './api-token.entity';
import { AuditEntryEntity } from './audit-entry.entity';
import { CertificateEntity, CrlEntity } from './certificate.entity';
import { CompanyEntity } from './company.entity';
import { DatasetEntity, DatasetVersionEntity } from './dataset.entity';
import {
  GrantEntity,
  GrantSignatureEntity,
  GrantTerminationEntity,
  GrantVersionEntity,
} from './grant.entity';
import { GrantQueryUsageEntity, GrantViewEntity } from './grant-view.entity';
import { CompanyMemberEntity, WorkingGroupMemberEntity } from './membership.entity';
import { UploadTicketEntity } from './upload-ticket.entity';
import { UserEntity } from './user.entity';
import { WorkingGroupEntity } from './working-group.entity';

/** Every entity the hub maps; the single list for Nest and the migration tooling. */
export const ENTITIES = [
  CompanyEntity,
  WorkingGroupEntity,
  UserEntity,
  CompanyMemberEntity,
  WorkingGroupMemberEntity,
  ApiTokenEntity,
  AuditEntryEntity,
  DatasetEntity,
  DatasetVersionEntity,
  UploadTicketEntity,
  CertificateEntity,
  CrlEntity,
  GrantEntity,
  GrantVersionEntity,
  GrantSignatureEntity,
  GrantTerminationEntity,
  GrantViewEntity,
  GrantQueryUsageEntity,
];
