import { Module } from '@nestjs/common';
import { PkiController } from './pki.controller';
import { PkiResolver } from './pki.resolver';
import { PkiService } from './pki.service';

@Module({ providers: [PkiService, PkiResolver], controllers: [PkiController], exports: [PkiService] })
export class PkiModule {}
