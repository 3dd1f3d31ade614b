/**
 * Errors of the de-identification engine. A message names the rule that was broken and, at most,
 * a column name (schema metadata); it never carries a data value, a map key of a grant, a class
 * key or key material (invariant 1: no raw value leaves, not even in an error).
 */

/** Machine-readable reasons the engine refuses to run. */
export enum DeidErrorCode {
  /** No master secret was supplied: pseudonyms, date shifts and noise cannot be keyed. */
  KEY_MISSING = 'DEID_KEY_MISSING',
  /** The master secret is under 32 bytes, or a derived key or pseudonym would be under 128 bits. */
  KEY_TOO_SHORT = 'DEID_KEY_TOO_SHORT',
  /** A transform spec, generalization, predicate or k-anonymity setting does not parse. */
  INVALID_SPEC = 'DEID_INVALID_SPEC',
  /** A predicate, transform or k-anonymity setting names a column the dataset does not have. */
  UNKNOWN_COLUMN = 'DEID_UNKNOWN_COLUMN',
  /** The same column is listed twice. */
  DUPLICATE_COLUMN = 'DEID_DUPLICATE_COLUMN',
  /** A list of predicates is longer than MAX_PREDICATES (refused before any is parsed). */
  TOO_MANY_PREDICATES = 'DEID_TOO_MANY_PREDICATES',
  /** A predicate's operator or operand does not fit the column's type. */
  PREDICATE_TYPE = 'DEID_PREDICATE_TYPE',
  /** A transform or generalization does not apply to the column's type (noise on a string, …). */
  TRANSFORM_TYPE = 'DEID_TRANSFORM_TYPE',
  /** A generalization hierarchy is not nested, so values equal at one level could split at the next. */
  HIERARCHY_NOT_MONOTONE = 'DEID_HIERARCHY_NOT_MONOTONE',
  /** A value of the data has no label at some level of its hierarchy (not in its value table or value map). */
  HIERARCHY_INCOMPLETE = 'DEID_HIERARCHY_INCOMPLETE',
  /** A hierarchy label reads as a numeric range (`20-24`, `<0`, …) that does not contain a value it labels. */
  HIERARCHY_LABEL_MISMATCH = 'DEID_HIERARCHY_LABEL_MISMATCH',
  /** A cell does not have the shape its column type promises (e.g. a timestamp that does not parse). */
  INVALID_VALUE = 'DEID_INVALID_VALUE',
  /** A caller passed an argument outside its contract (negative row index, bad k, …). */
  INVALID_ARGUMENT = 'DEID_INVALID_ARGUMENT',
  /** Fixed-level k-anonymity would suppress more rows than the grant's suppression limit allows. */
  SUPPRESSION_LIMIT_EXCEEDED = 'DEID_SUPPRESSION_LIMIT_EXCEEDED',
  /** No node of the generalization lattice is k-anonymous within the suppression limit. */
  K_ANONYMITY_UNSATISFIABLE = 'DEID_K_ANONYMITY_UNSATISFIABLE',
  /** No node of the lattice satisfies the privacy models (k, ℓ, t) within the suppression limit. */
  PRIVACY_MODELS_UNSATISFIABLE = 'DEID_PRIVACY_MODELS_UNSATISFIABLE',
  /** A frequency table has more rows than the review computes exactly (see MAX_REVIEW_ROWS). */
  TABLE_TOO_LARGE = 'DEID_TABLE_TOO_LARGE',
  /** The generalization lattice has more nodes than the engine agrees to search. */
  LATTICE_TOO_LARGE = 'DEID_LATTICE_TOO_LARGE',
}

/** The one error type the engine throws; `code` is stable, `message` is safe to show. */
export class DeidentificationError extends Error {
  override readonly name = 'DeidentificationError';

  constructor(
    readonly code: DeidErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Shorthand used across the engine. */
export function deidError(code: DeidErrorCode, message: string): DeidentificationError {
  return new DeidentificationError(code, message);
}
