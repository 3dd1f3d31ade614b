import { pipeline } from 'node:stream/promises';
import { Controller, Get, Logger, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Actor, HubError } from '@maxhub/core';
import { CurrentActor } from '../../common/current-actor.decorator';
import { errorBody, HTTP_STATUS } from '../../common/http-exception.filter';
import { Permission, RequirePermission } from '../../common/permissions';
import { RejectedUploadsService } from './rejected-uploads.service';

/**
 * Streams the object of a REJECTED version to a PUBLISHER of its company (bearer token), so
 * the publisher can see what was refused without the hub handing out a URL to a raw object.
 */
@Controller('datasets/versions')
export class RejectedUploadsController {
  private readonly logger = new Logger(RejectedUploadsController.name);

  constructor(private readonly rejectedUploads: RejectedUploadsService) {}

  @Get(':versionId/rejected-upload')
  @RequirePermission(Permission.MEMBER)
  async download(
    @CurrentActor() actor: Actor,
    @Param('versionId') versionId: string,
    @Res() res: Response,
  ): Promise<void> {
    let opened;
    try {
      opened = await this.rejectedUploads.openDownload(actor, versionId);
    } catch (err) {
      if (err instanceof HubError) {
        res.status(HTTP_STATUS[err.category]).json(errorBody(err));
        return;
      }
      this.logger.error({ msg: 'rejected upload failed to open' });
      res.status(500).json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal error.' } });
      return;
    }
    res.status(200);
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('content-length', String(opened.sizeBytes));
    res.setHeader('content-disposition', `attachment; filename="${opened.filename}"`);
    res.setHeader('cache-control', 'no-store');
    try {
      await pipeline(opened.stream, res);
    } catch (err) {
      // Headers are gone: the only honest signal left is to cut the connection.
      this.logger.warn({
        msg: 'rejected upload stream stopped',
        reason: err instanceof HubError ? err.code : 'INTERNAL',
      });
      res.destroy();
    }
  }
}
