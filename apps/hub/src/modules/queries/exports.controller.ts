import { pipeline } from 'node:stream/promises';
import { Controller, Get, Logger, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Actor, HubError } from '@maxhub/core';
import { CurrentActor } from '../../common/current-actor.decorator';
import { errorBody, HTTP_STATUS } from '../../common/http-exception.filter';
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
    let opened;
    try {
      opened = await this.queries.openExport(actor, ticket);
    } catch (err) {
      if (err instanceof HubError) {
        res.status(HTTP_STATUS[err.category]).json(errorBody(err));
        return;
      }
      this.logger.error({ msg: 'export failed to open' });
      res.status(500).json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal error.' } });
      return;
    }
    res.status(200);
    res.setHeader('content-type', opened.contentType);
    res.setHeader('content-disposition', `attachment; filename="${opened.filename}"`);
    res.setHeader('cache-control', 'no-store');
    try {
      await pipeline(opened.stream, res);
    } catch (err) {
      // Headers are gone: the only honest signal left is to cut the connection.
      this.logger.warn({
        msg: 'export stream stopped',
        reason: err instanceof HubError ? err.code : 'INTERNAL',
      });
      res.destroy();
    }
  }
}
