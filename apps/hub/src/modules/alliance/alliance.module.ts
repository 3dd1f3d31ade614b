import { Module } from '@nestjs/common';
import { AllianceResolver } from './alliance.resolver';
import { AllianceService } from './alliance.service';

@Module({ providers: [AllianceService, AllianceResolver], exports: [AllianceService] })
export class AllianceModule {}
