import type { ContractErrorCode } from '@maxhub/contracts';
import type { DeidErrorCode } from '@maxhub/deidentification';
import type { FormatErrorCode } from '@maxhub/formats';
import type { PkiErrorCode } from '@maxhub/pki';
import type { StorageErrorCode } from '@maxhub/storage';
import type { ViewErrorCode } from '@maxhub/views';
import type { DatasetsErrorCode } from '../datasets/datasets.errors';
import type { ViewsErrorCode } from '../views/views.errors';
import type { CoreErrorCode } from './core.errors';

/**
 * The one error type services throw. `category` decides the GraphQL `extensions.code`; `code`
 * (the feature's SCREAMING_SNAKE reason) goes to `extensions.reason`. The message is shown to
 * the caller as is, so it must never carry data values, SQL, paths or keys.
 */
export type ErrorCategory =
  'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'SERVICE_UNAVAILABLE';

/**
 * Every module's reason codes, by module. The kernel's own enums are listed here; each hub
 * feature module adds its enum where it declares it, by declaration merging:
 *
 *     declare module '@maxhub/core' {
 *       interface HubErrorCodes { grants: GrantErrorCode }
 *     }
 *
 * so a HubError can only carry a code some module declared, and the compiler says so.
 */
export interface HubErrorCodes {
  core: CoreErrorCode;
  views: ViewsErrorCode;
  datasets: DatasetsErrorCode;
  storage: StorageErrorCode;
  pki: PkiErrorCode;
  contracts: ContractErrorCode;
  formats: FormatErrorCode;
  deidentification: DeidErrorCode;
  viewStore: ViewErrorCode;
}

/** A reason code some module declared (the union of every module's error enum). */
export type HubErrorCode = HubErrorCodes[keyof HubErrorCodes];

export class HubError extends Error {
  constructor(
    readonly category: ErrorCategory,
    readonly code: HubErrorCode,
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
export const badInput = (code: HubErrorCode, message: string, details?: HubError['details']) =>
  new HubError('BAD_USER_INPUT', code, message, { details });
export const notFound = (code: HubErrorCode, message: string) => new HubError('NOT_FOUND', code, message);
export const forbidden = (code: HubErrorCode, message: string) => new HubError('FORBIDDEN', code, message);
export const conflict = (code: HubErrorCode, message: string) => new HubError('CONFLICT', code, message);
export const unavailable = (code: HubErrorCode, message: string, cause?: unknown) =>
  new HubError('SERVICE_UNAVAILABLE', code, message, { cause });
