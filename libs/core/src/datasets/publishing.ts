/**
 * Pure rules of publishing, shared by the hub (tickets, registration) and the worker
 * (validation results): no I/O, unit-tested in publishing.spec.ts.
 */
import type { DatasetColumnRecord, DatasetRejection } from '@maxhub/db';
import {
  type ColumnClass,
  type ColumnType,
  type DeclaredEncoding,
  DEFAULT_COLUMN_CLASS,
  FormatError,
  type InferredColumn,
  type PersonalDataMatch,
} from '@maxhub/formats';

/** Data of a validation job. */
export interface ValidateDatasetJob {
  versionId: string;
}

/** What publishDataset records as declared, for the worker and the record. */
export interface DeclaredPublication {
  ticketId: string;
  fileName: string;
  encoding: DeclaredEncoding;
  classes: Record<string, ColumnClass>;
  confirmedTypes: Record<string, ColumnType>;
}

/** S3 refuses parts below 5 MiB (except the last) and more than 10,000 parts. */
export const MIN_PART_BYTES = 5 * 1024 ** 2;
export const MAX_PART_BYTES = 5 * 1024 ** 3;
export const MAX_PARTS = 10_000;
/** S3 refuses single PUTs above 5 GiB. */
export const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;

/**
 * The last path segment of a file name, with anything but letters, digits, dot, dash and
 * underscore replaced by `_`; null when nothing usable remains.
 */
export function safeFileName(name: string): string | null {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(-120);
  if (!cleaned || /^\.+$/.test(cleaned)) return null;
  return cleaned;
}

/** How a file of `sizeBytes` is uploaded. */
export interface UploadPlan {
  multipart: boolean;
  partSize: number | null;
  partCount: number | null;
}

/**
 * Why an upload plan is impossible: an empty file, a size that is not a whole number of bytes,
 * a part size outside S3's 5 MiB to 5 GiB, a single PUT over S3's 5 GiB, or over this hub's limit.
 */
export type UploadPlanError =
  'EMPTY' | 'SIZE_INVALID' | 'PART_SIZE_INVALID' | 'SINGLE_PUT_TOO_LARGE' | 'TOO_LARGE';

/**
 * Single PUT or multipart, and with which parts. Multipart when asked, when the file is larger
 * than one part, or above S3's single-PUT limit; parts grow when 10,000 would not hold it.
 */
export function planUpload(
  sizeBytes: number,
  opts: { maxBytes: number; defaultPartBytes: number; partSize?: number; multipart?: boolean },
): UploadPlan | UploadPlanError {
  if (sizeBytes === 0) return 'EMPTY';
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0) return 'SIZE_INVALID';
  if (sizeBytes > opts.maxBytes) return 'TOO_LARGE';
  if (
    opts.partSize !== undefined &&
    (!Number.isSafeInteger(opts.partSize) || opts.partSize < MIN_PART_BYTES || opts.partSize > MAX_PART_BYTES)
  ) {
    return 'PART_SIZE_INVALID';
  }
  let partSize = opts.partSize ?? opts.defaultPartBytes;
  const multipart = opts.multipart ?? (sizeBytes > partSize || sizeBytes > MAX_SINGLE_PUT_BYTES);
  if (!multipart) {
    if (sizeBytes > MAX_SINGLE_PUT_BYTES) return 'SINGLE_PUT_TOO_LARGE';
    return { multipart: false, partSize: null, partCount: null };
  }
  partSize = Math.max(partSize, Math.ceil(sizeBytes / MAX_PARTS));
  if (partSize > MAX_PART_BYTES) return 'TOO_LARGE';
  return { multipart: true, partSize, partCount: Math.max(1, Math.ceil(sizeBytes / partSize)) };
}

/** Size of part `n` (1-based) of a plan. */
export function partBytes(sizeBytes: number, partSize: number, n: number): number {
  return Math.min(partSize, sizeBytes - (n - 1) * partSize);
}

/**
 * Gives each column its class: the publisher's; for a column the publisher left out whose
 * values look like personal data (`personalData`, by name), DIRECT_IDENTIFIER as detection
 * proposes; otherwise the default (TRADE_SECRET), marked `defaulted`. A detected column the
 * publisher classified as anything but DIRECT_IDENTIFIER keeps that class and is marked
 * `classOverridden`. Types come from validation (declared or inferred over the whole object).
 */
export function classifyColumns(
  columns: readonly InferredColumn[],
  classes: ReadonlyMap<string, ColumnClass>,
  personalData: Readonly<Record<string, PersonalDataMatch>> = {},
): DatasetColumnRecord[] {
  return columns.map((c) => {
    const declared = classes.get(c.name);
    const found = Object.hasOwn(personalData, c.name) ? personalData[c.name] : null;
    return {
      name: c.name,
      type: c.type,
      class: declared ?? (found ? 'DIRECT_IDENTIFIER' : DEFAULT_COLUMN_CLASS),
      nullable: c.nullable,
      defaulted: declared === undefined && !found,
      classSource: declared !== undefined ? 'DECLARED' : found ? 'DETECTED' : 'DEFAULT',
      personalData: found ? { ...found } : null,
      classOverridden: !!found && declared !== undefined && declared !== 'DIRECT_IDENTIFIER',
    };
  });
}

/**
 * True when every value of an `inferred` column is also a value of the `confirmed` type
 * (every value fits a string; every integer is a decimal). An all-empty column is inferred as
 * string and fits any type.
 */
export function typeAccepts(confirmed: ColumnType, inferred: InferredColumn): boolean {
  if (confirmed === inferred.type || confirmed === 'string') return true;
  if (confirmed === 'decimal' && inferred.type === 'integer') return true;
  return false;
}

/** The stored rejection for a validation failure: code, position, a value-free sentence. */
export function rejectionOf(err: FormatError): DatasetRejection {
  return {
    code: err.code,
    message: err.message,
    ...(err.line !== undefined ? { line: err.line } : {}),
    ...(err.row !== undefined ? { row: err.row } : {}),
    ...(err.column !== undefined ? { column: err.column } : {}),
  };
}
