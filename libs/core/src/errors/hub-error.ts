/**
 * The one error type services throw. `category` decides the GraphQL `extensions.code`; `code`
 * (the feature's SCREAMING_SNAKE reason) goes to `extensions.reason`. The message is shown to
 * the caller as is, so it must never carry data values, SQL, paths or keys.
 */
export type ErrorCategory =
  'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'SERVICE_UNAVAILABLE';

export class HubError extends Error {
  constructor(
    readonly category: ErrorCategory,
    readonly code: string,
    readonly safeMessage: string,
    options?: { cause?: unknown; details?: Record<string, string | number | boolean | null> },
  ) {
    super(safeMessage, { cause: options?.cause });
    this.name = 'HubError';
    this.details = options?.details;
  }

  readonly details?: Record<string, string | number | boolean | null>;
}

/** Shorthands, so call sites read as the rule they enforce. */
export const badInput = (code: string, message: string, details?: HubError['details']) =>
  new HubError('BAD_USER_INPUT', code, message, { details });
export const notFound = (code: string, message: string) => new HubError('NOT_FOUND', code, message);
export const forbidden = (code: string, message: string) => new HubError('FORBIDDEN', code, message);
export const conflict = (code: string, message: string) => new HubError('CONFLICT', code, message);
export const unavailable = (code: string, message: string, cause?: unknown) =>
  new HubError('SERVICE_UNAVAILABLE', code, message, { cause });
