import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Logger } from '@nestjs/common';
import type { Response } from 'express';
import { HubError } from '@maxhub/core';
import { errorBody, HTTP_STATUS } from './http-exception.filter';

/** A stream the hub serves as a file download. */
export interface OpenedDownload {
  stream: Readable;
  contentType: string;
  filename: string;
  sizeBytes?: number;
}

/**
 * Streams a download through the hub (never a URL to the object): a refusal while opening is
 * answered in the REST error shape; once headers are sent, a failure can only cut the connection.
 * `what` names the download in log lines (never values).
 */
export async function sendDownload(
  res: Response,
  logger: Logger,
  what: string,
  open: () => Promise<OpenedDownload>,
): Promise<void> {
  let opened: OpenedDownload;
  try {
    opened = await open();
  } catch (err) {
    if (err instanceof HubError) {
      res.status(HTTP_STATUS[err.category]).json(errorBody(err));
      return;
    }
    logger.error({ msg: `${what} failed to open` });
    res.status(500).json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal error.' } });
    return;
  }
  res.status(200);
  res.setHeader('content-type', opened.contentType);
  if (opened.sizeBytes !== undefined) res.setHeader('content-length', String(opened.sizeBytes));
  res.setHeader('content-disposition', `attachment; filename="${opened.filename}"`);
  res.setHeader('cache-control', 'no-store');
  try {
    await pipeline(opened.stream, res);
  } catch (err) {
    // Headers are gone: the only honest signal left is to cut the connection.
    logger.warn({ msg: `${what} stream stopped`, reason: err instanceof HubError ? err.code : 'INTERNAL' });
    res.destroy();
  }
}
