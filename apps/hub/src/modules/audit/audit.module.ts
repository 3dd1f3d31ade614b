import { Module } from '@nestjs/common';
import { AuditResolver } from './audit.resolver';

/** The audit log's API (owners read and verify it); the AuditService itself is in @maxhub/core. */
@Module({ providers: [AuditResolver] })
export class AuditModule {}
