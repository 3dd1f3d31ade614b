import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { GraphQLError } from 'graphql';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { type DocumentLimits, inspectDocument } from '../graphql/document-limits';

/** How many requests (and KiB of request bodies) one key may send per window; 0 means no limit. */
export interface RateLimit {
  perToken: number;
  perAddress: number;
  /** KiB of request bodies per address (a body is counted by its Content-Length, or as `maxBodyBytes`). */
  kibPerAddress?: number;
  maxBodyBytes?: number;
  windowSeconds: number;
}

/** Which limit refused a request (`extensions.reason` / `error.reason`). */
export type RateLimitReason = 'RATE_LIMITED_TOKEN' | 'RATE_LIMITED_ADDRESS' | 'RATE_LIMITED_ADDRESS_BYTES';

/**
 * The key a bearer token is counted under: a hash, so no token is held as a map key (and one
 * made-up token per request cannot outgrow the address limit, which is counted first).
 */
function tokenKey(header: string | undefined): string | undefined {
  if (!header?.startsWith('Bearer ')) return undefined;
  return createHash('sha256').update(header.slice(7)).digest('base64url').slice(0, 22);
}

/**
 * Express middleware counting each request against its client address and then its bearer
 * token (before the body is read or anything is parsed), answering 429 with Retry-After and the
 * limit's reason when either is spent. `shape` writes the body in the route's error format.
 * Counts live in this process: with HUB_PROCESSES > 1 each process counts its own share.
 */
export function rateLimiter(
  limit: RateLimit,
  what: string,
  shape: (reason: RateLimitReason, message: string) => unknown,
) {
  const byAddress =
    limit.perAddress > 0
      ? new RateLimiterMemory({ points: limit.perAddress, duration: limit.windowSeconds })
      : null;
  const byToken =
    limit.perToken > 0
      ? new RateLimiterMemory({ points: limit.perToken, duration: limit.windowSeconds })
      : null;
  // Parsing a body costs ~30 ms of CPU per 256 KiB of dense JSON before anything can refuse it:
  // an address is also limited in the bytes it makes the hub read.
  const byBytes =
    limit.kibPerAddress && limit.kibPerAddress > 0
      ? new RateLimiterMemory({ points: limit.kibPerAddress, duration: limit.windowSeconds })
      : null;
  const refuse = (res: Response, reason: RateLimitReason, retry: RateLimiterRes, max: number) => {
    const seconds = Math.max(1, Math.ceil(retry.msBeforeNext / 1000));
    const message =
      reason === 'RATE_LIMITED_ADDRESS_BYTES'
        ? `Too many bytes of ${what} requests from this client address (at most ${max} KiB per ${limit.windowSeconds} s); try again in ${seconds} s.`
        : `Too many ${what} requests from ${reason === 'RATE_LIMITED_TOKEN' ? 'this token' : 'this client address'} (at most ${max} per ${limit.windowSeconds} s); try again in ${seconds} s.`;
    res.status(429).setHeader('retry-after', String(seconds)).json(shape(reason, message));
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!byAddress && !byToken && !byBytes) return next();
    const run = async () => {
      if (byBytes && req.method !== 'GET') {
        const declared = Number(req.headers['content-length']);
        const bytes = Number.isFinite(declared) && declared >= 0 ? declared : (limit.maxBodyBytes ?? 0);
        const kib = Math.min(Math.ceil(bytes / 1024), limit.kibPerAddress!);
        try {
          if (kib > 0) await byBytes.consume(req.socket.remoteAddress ?? 'unknown', kib);
        } catch (retry) {
          if (retry instanceof RateLimiterRes)
            return refuse(res, 'RATE_LIMITED_ADDRESS_BYTES', retry, limit.kibPerAddress!);
          throw retry;
        }
      }
      if (byAddress) {
        try {
          await byAddress.consume(req.socket.remoteAddress ?? 'unknown');
        } catch (retry) {
          if (retry instanceof RateLimiterRes)
            return refuse(res, 'RATE_LIMITED_ADDRESS', retry, limit.perAddress);
          throw retry;
        }
      }
      const token = byToken && tokenKey(req.headers.authorization);
      if (byToken && token) {
        try {
          await byToken.consume(token);
        } catch (retry) {
          if (retry instanceof RateLimiterRes)
            return refuse(res, 'RATE_LIMITED_TOKEN', retry, limit.perToken);
          throw retry;
        }
      }
      next();
    };
    run().catch(next);
  };
}

/** Verdicts kept per document text: clients repeat the same few documents. */
const DOCUMENT_VERDICTS = 1000;

/**
 * The gate in front of Apollo: refuses with a 400 a batch (an array body, which the hub does not
 * serve), a document (GET's `query` parameter or POST's `query` field) longer than
 * `maxDocumentBytes` characters before it is parsed, and one over the token, depth, alias,
 * directive or fragment limits, measured in time linear in its size before GraphQL's own
 * validation runs. A document's verdict is remembered, so a repeated one costs a map look-up.
 */
export function graphqlDocumentGuard(
  limits: DocumentLimits & { maxTokens: number; maxDocumentBytes: number },
) {
  const maxBytes = limits.maxDocumentBytes;
  const verdicts = new Map<string, GraphQLError | null>();
  const refuse = (res: Response, reason: string, message: string, code = 'BAD_REQUEST') =>
    res.status(400).json({ errors: [{ message, extensions: { code, reason } }] });
  return (req: Request, res: Response, next: NextFunction): void => {
    const body: unknown = req.body;
    if (Array.isArray(body)) {
      refuse(
        res,
        'GRAPHQL_BATCH_REFUSED',
        'Batched requests are not served: send one operation per request.',
      );
      return;
    }
    const fromBody = body && typeof body === 'object' ? (body as { query?: unknown }).query : undefined;
    const query = fromBody ?? (req.query as { query?: unknown } | undefined)?.query;
    if (typeof query === 'string' && query.length > maxBytes) {
      refuse(
        res,
        'GRAPHQL_DOCUMENT_TOO_LARGE',
        `The GraphQL document (query) has ${query.length} characters; at most ${maxBytes} are allowed. Pass values as variables.`,
      );
      return;
    }
    if (typeof query === 'string') {
      let verdict = verdicts.get(query);
      if (verdict === undefined) {
        verdict = inspectDocument(query, limits) ?? null;
        if (verdicts.size >= DOCUMENT_VERDICTS) verdicts.delete(verdicts.keys().next().value!);
        verdicts.set(query, verdict);
      }
      if (verdict) {
        refuse(res, String(verdict.extensions.reason), verdict.message, 'GRAPHQL_VALIDATION_FAILED');
        return;
      }
    }
    next();
  };
}
