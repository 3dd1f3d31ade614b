/**
 * Error codes of the grant-document library. Messages name the rule and the path of the
 * offending field, never a data value.
 */
export enum ContractErrorCode {
  /** The document does not match the grant (or termination) model; the message gives the first path. */
  CONTRACT_MALFORMED = 'CONTRACT_MALFORMED',
  /** The serialized document exceeds the size limit (checked before parsing). */
  CONTRACT_TOO_LARGE = 'CONTRACT_TOO_LARGE',
  /** The serialized document nests deeper than the limit (checked before parsing). */
  CONTRACT_TOO_DEEP = 'CONTRACT_TOO_DEEP',
  /** The bytes are not the RFC 8785 canonical form (order, whitespace, escapes, numbers, duplicates, UTF-8, lone surrogates, implicit defaults). */
  CONTRACT_NOT_CANONICAL = 'CONTRACT_NOT_CANONICAL',
  /** A granted column (or a shiftDate entity column) does not exist in the dataset's schema. */
  CONTRACT_UNKNOWN_COLUMN = 'CONTRACT_UNKNOWN_COLUMN',
  /** A DIRECT_IDENTIFIER column would be released raw or partly raw (only drop and pseudonymize are allowed). */
  CONTRACT_RAW_DIRECT_IDENTIFIER = 'CONTRACT_RAW_DIRECT_IDENTIFIER',
  /** A transform does not fit the column's type (e.g. time generalization on a string, noise on a non-number). */
  CONTRACT_TRANSFORM_TYPE_MISMATCH = 'CONTRACT_TRANSFORM_TYPE_MISMATCH',
  /** A k-anonymity quasi-identifier (or hierarchy/level key) is not a released column of the dataset. */
  CONTRACT_UNKNOWN_QUASI_IDENTIFIER = 'CONTRACT_UNKNOWN_QUASI_IDENTIFIER',
  /** A k-anonymity level points outside its hierarchy, or there is no quasi-identifier at all. */
  CONTRACT_KANONYMITY_INVALID = 'CONTRACT_KANONYMITY_INVALID',
  /** A row-filter predicate names a column that is not in the dataset's schema. */
  CONTRACT_FILTER_UNKNOWN_COLUMN = 'CONTRACT_FILTER_UNKNOWN_COLUMN',
  /** A row-filter predicate's operator or value does not fit the column's type. */
  CONTRACT_FILTER_TYPE_MISMATCH = 'CONTRACT_FILTER_TYPE_MISMATCH',
  /** The term is empty or reversed (from must precede until). */
  CONTRACT_TERM_INVALID = 'CONTRACT_TERM_INVALID',
  /** A string of the document (a value or a key) holds a control, bidirectional-control or invisible character (line breaks only in the purpose or a termination's reason). */
  CONTRACT_TEXT_UNSAFE = 'CONTRACT_TEXT_UNSAFE',
  /** A value map (or any object of the document) has a key named __proto__, constructor or prototype. */
  CONTRACT_RESERVED_KEY = 'CONTRACT_RESERVED_KEY',
  /** A granted dataset (id) has no schema known to the hub. */
  CONTRACT_DATASET_UNKNOWN = 'CONTRACT_DATASET_UNKNOWN',
  /** v2: a column's class in the document differs from the class it was published with. */
  CONTRACT_COLUMN_CLASS_MISMATCH = 'CONTRACT_COLUMN_CLASS_MISMATCH',
  /** v2: a column published without a class would be released unchanged. */
  CONTRACT_UNCLASSIFIED_RAW = 'CONTRACT_UNCLASSIFIED_RAW',
  /** v2: the document does not say (or wrongly says) that the publisher overrode a personal-data detection. */
  CONTRACT_PERSONAL_DATA_OVERRIDE = 'CONTRACT_PERSONAL_DATA_OVERRIDE',
  /** v2: a released QUASI_IDENTIFIER column is neither in the k-anonymity set nor excluded with a reason. */
  CONTRACT_QUASI_IDENTIFIER_UNCOUNTED = 'CONTRACT_QUASI_IDENTIFIER_UNCOUNTED',
  /** v2: an exclusion names no released quasi-identifier, names one twice, or one the k-anonymity set counts. */
  CONTRACT_EXCLUSION_INVALID = 'CONTRACT_EXCLUSION_INVALID',
}

/** A failure of the contracts library; `code` is stable, `message` is safe to show and log. */
export class ContractError extends Error {
  constructor(
    readonly code: ContractErrorCode,
    message: string,
    opts?: { cause?: unknown },
  ) {
    super(message, opts);
    this.name = 'ContractError';
  }
}
