import { Module } from '@nestjs/common';
import { PkiModule } from '../pki/pki.module';
import { GrantsResolver } from './grants.resolver';
import { GrantsService } from './grants.service';

@Module({ imports: [PkiModule], providers: [GrantsService, GrantsResolver], exports: [GrantsService] })
export class GrantsModule {}
