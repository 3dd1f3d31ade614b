import { QueryFailedError } from 'typeorm';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000', // connection_exception
  '08003', // connection_does_not_exist
  '08006', // connection_failure
]);

/**
 * True when an error means PostgreSQL could not be reached (as opposed to a query it refused):
 * the hub then answers SERVICE_UNAVAILABLE instead of a generic internal error.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const { code, message, driverError, cause, thrownValue } = e as {
      code?: string;
      message?: string;
      driverError?: unknown;
      cause?: unknown;
      /** graphql-js wraps non-Error throws (pg throws plain objects on connect) in NonErrorThrown. */
      thrownValue?: unknown;
    };
    if (code && CONNECTION_CODES.has(code)) return true;
    if (
      message &&
      /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/.test(message)
    )
      return true;
    e = driverError ?? cause ?? thrownValue;
  }
  return false;
}

/** True when `err` is PostgreSQL refusing a duplicate on the named unique constraint or index. */
export function isUniqueViolation(err: unknown, constraint: string): boolean {
  const d =
    err instanceof QueryFailedError ? (err.driverError as { code?: string; constraint?: string }) : null;
  return d?.code === '23505' && d.constraint === constraint;
}

/**
 * The rows of an `UPDATE … RETURNING` run through `manager.query`: TypeORM's postgres driver
 * answers `[rows, affectedCount]` for UPDATE and DELETE, and plain rows otherwise.
 */
export function returnedRows<T>(result: [unknown[], number] | unknown[]): T[] {
  return (Array.isArray(result[0]) ? result[0] : result) as T[];
}
