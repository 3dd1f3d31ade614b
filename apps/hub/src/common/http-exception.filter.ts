import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CoreErrorCode, HubError, isDatabaseUnavailable } from '@maxhub/core';

/** HTTP status of each error category (REST routes: exports, PKI, health). */
export const HTTP_STATUS: Record<HubError['category'], number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  SERVICE_UNAVAILABLE: 503,
};

/** The JSON body of a REST error: the same code/reason/message a GraphQL error carries. */
export function errorBody(err: HubError) {
  return { error: { code: err.category, reason: err.code, message: err.safeMessage } };
}

/**
 * REST counterpart of the GraphQL error formatter: a HubError (from a guard or a handler)
 * becomes its status and `{error: {code, reason, message}}`; anything unexpected a 500 with
 * the request id and nothing else. GraphQL errors pass through to Apollo untouched.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): unknown {
    // GraphQL (and any other context) handles its own errors: rethrow, never return — graphql-js
    // would take a returned non-Error (pg throws plain objects on connect) for the field's value.
    if (host.getType<string>() !== 'http') throw exception;
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request & { id?: string }>();
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (exception instanceof HubError) {
      res.status(HTTP_STATUS[exception.category]).json(errorBody(exception));
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      res
        .status(status)
        .json({ error: { code: status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', message: exception.message } });
      return;
    }
    if (isDatabaseUnavailable(exception)) {
      res.status(503).json({
        error: {
          code: 'SERVICE_UNAVAILABLE',
          reason: CoreErrorCode.DATABASE_UNAVAILABLE,
          message: 'The hub’s database is unreachable right now.',
        },
      });
      return;
    }
    this.logger.error({ msg: 'unexpected error', requestId: req.id, type: (exception as Error)?.name });
    res
      .status(500)
      .json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal error.', requestId: req.id } });
  }
}
