import { Module } from '@nestjs/common';
import { PkiModule } from '../pki/pki.module';
import { GrantGateService } from './grant-gate.service';
import { GrantRefusalsService } from './grant-refusals.service';
import { GrantSigningService } from './grant-signing.service';
import { GrantSweepService } from './grant-sweep.service';
import { GrantsResolver } from './grants.resolver';
import { GrantsService } from './grants.service';

/**
 * NDA grants: drafts and reads (GrantsService), signatures and terminations (GrantSigningService),
 * the check every data access makes (GrantGateService, which the queries module uses), expiry and
 * revocation (GrantSweepService), and the rules they share (grant-rules.ts).
 */
@Module({
  imports: [PkiModule],
  providers: [
    GrantsService,
    GrantSigningService,
    GrantGateService,
    GrantSweepService,
    GrantRefusalsService,
    GrantsResolver,
  ],
  exports: [GrantGateService, GrantsService, GrantSigningService],
})
export class GrantsModule {}
