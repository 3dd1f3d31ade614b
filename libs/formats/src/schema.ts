/**
 * The vocabulary of a dataset's schema, shared by publishing (formats), grants (contracts) and
 * de-identification. A schema is metadata only: it never carries values.
 */

/** Logical column types the hub infers and validates. */
export const COLUMN_TYPES = ['string', 'integer', 'decimal', 'boolean', 'timestamp', 'date'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** How sensitive a column is, declared by the publisher; drives what a grant may do with it. */
export const COLUMN_CLASSES = [
  /** Identifies a person or entity on its own (operator ID, serial number). Never kept raw. */
  'DIRECT_IDENTIFIER',
  /** Identifies in combination with others (plant, line, shift, birth year). Subject to k-anonymity. */
  'QUASI_IDENTIFIER',
  /** Sensitive measurement or attribute (defect flag, health reading). */
  'SENSITIVE',
  /** Commercially confidential (recipe parameter, supplier price). */
  'TRADE_SECRET',
  /** Anything else. */
  'OTHER',
] as const;
export type ColumnClass = (typeof COLUMN_CLASSES)[number];

/**
 * Columns the publisher did not classify get this, the strictest sensible default — unless their
 * values look like personal data (personal-data.ts): those are proposed DIRECT_IDENTIFIER.
 */
export const DEFAULT_COLUMN_CLASS: ColumnClass = 'TRADE_SECRET';

/** One column of a dataset version. */
export interface ColumnSchema {
  name: string;
  type: ColumnType;
  class: ColumnClass;
  /** True when the column may be empty/null. */
  nullable: boolean;
}

/** The schema of a dataset version, in column order. */
export interface DatasetSchema {
  columns: ColumnSchema[];
}

/** Supported object formats. */
export const DATASET_FORMATS = ['CSV', 'JSONL', 'PARQUET'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** A typed cell value after parsing: timestamps/dates as ISO strings, decimals as numbers. */
export type CellValue = string | number | boolean | null;
/** A parsed row, keyed by column name. */
export type Row = Record<string, CellValue>;
