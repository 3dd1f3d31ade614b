import { Module } from '@nestjs/common';
import { PkiModule } from '../pki/pki.module';
import { GrantRefusalsService } from './grant-refusals.service';
import { GrantsResolver } from './grants.resolver';
import { GrantsService } from './grants.service';

@Module({
  imports: [PkiModule],
  providers: [GrantsService, GrantRefusalsService, GrantsResolver],
  exports: [GrantsService],
})
export class GrantsModule {}
