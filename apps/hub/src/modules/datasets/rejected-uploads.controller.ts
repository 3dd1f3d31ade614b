import { Controller, Get, Logger, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Actor } from '@maxhub/core';
import { CurrentActor } from '../../common/current-actor.decorator';
import { sendDownload } from '../../common/download';
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
    await sendDownload(res, this.logger, 'rejected upload', async () => ({
      ...(await this.rejectedUploads.openDownload(actor, versionId)),
      contentType: 'application/octet-stream',
    }));
  }
}
