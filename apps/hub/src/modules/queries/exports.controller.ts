import { Controller, Get, Logger, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Actor } from '@maxhub/core';
import { CurrentActor } from '../../common/current-actor.decorator';
import { sendDownload } from '../../common/download';
import { Permission, RequirePermission } from '../../common/permissions';
import { QueriesService } from './queries.service';

/** Streams a granted view through the hub (bearer token; path from the exportSlice mutation). */
@Controller('exports')
export class ExportsController {
  private readonly logger = new Logger(ExportsController.name);

  constructor(private readonly queries: QueriesService) {}

  @Get(':ticket')
  @RequirePermission(Permission.MEMBER)
  async download(
    @CurrentActor() actor: Actor,
    @Param('ticket') ticket: string,
    @Res() res: Response,
  ): Promise<void> {
    await sendDownload(res, this.logger, 'export', () => this.queries.openExport(actor, ticket));
  }
}
