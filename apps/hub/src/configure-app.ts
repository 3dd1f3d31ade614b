import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { HttpExceptionFilter } from './common/http-exception.filter';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * Everything about the HTTP app that main.ts and the tests must share: request ids, request
 * logs, body limits. GraphQL itself is configured in AppModule.
 */
export function configureApp(app: INestApplication, logger: Logger): void {
  // No ETags: every answer is per caller and audited, never revalidated from a cache, and hashing
  // each response body cost ~2 % of a slice's CPU.
  (app.getHttpAdapter().getInstance() as { set(name: string, value: unknown): void }).set('etag', false);
  app.use((req: Request & { id?: string }, res: Response, next: NextFunction) => {
    const given = req.headers['x-request-id'];
    req.id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', req.id);
    next();
  });
  app.use(
    pinoHttp({
      logger,
      genReqId: (req) => (req as { id?: string }).id ?? randomUUID(),
      // Method, path and status only: headers carry tokens, bodies and query strings may carry values.
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url.split('?')[0],
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => req.url === '/health' },
    }),
  );
  app.useGlobalFilters(new HttpExceptionFilter());
  app.enableShutdownHooks();
}
