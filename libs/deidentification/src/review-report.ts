/**
 * The risk review's report: plain JSON whose only numbers are safe integers (exact ratios are
 * written as numerator and denominator, thresholds and achieved ℓ and t as decimal strings), so
 * that its RFC 8785 canonical form is the same bytes on every machine and can be signed inside a
 * grant or hashed on its own ({@link riskReviewSha256}).
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { DeidErrorCode, deidError } from './errors';
import type { RiskMetric } from './spec';

/** Schema tag of a risk review. */
export const RISK_REVIEW_SCHEMA = 'maxhub.risk-review/v1';

/** An exact ratio of two counts (e.g. 19,502 classes / 30,162 rows); denominator > 0. */
export interface Ratio {
  numerator: number;
  denominator: number;
}

/** Prosecutor re-identification risk of a set of classes (a row's risk is 1 / its class size). */
export interface ProsecutorRisk {
  /** Classes. */
  classes: number;
  /** Rows. */
  rows: number;
  /** Highest risk: 1 / smallest class; null without rows. */
  highest: Ratio | null;
  /** Average risk over rows: classes / rows; null without rows. */
  average: Ratio | null;
  /** Share of rows whose risk exceeds 1/k (rows in classes smaller than k); null without rows. */
  rowsAboveThreshold: Ratio | null;
  /** Rows alone in their class (risk 1). */
  uniqueRows: number;
}

/** The chosen generalization of one quasi-identifier. */
export interface ReviewedQuasiIdentifier {
  name: string;
  /** Chosen level (0 raw; the top level is `*`). */
  level: number;
  /** Levels the review could choose from (the table's base level or a caller's bound, up to the top or a caller's bound). */
  minLevel: number;
  maxLevel: number;
}

/** The risk review of one release (semantics in review.ts). */
export interface RiskReview {
  schema: typeof RISK_REVIEW_SCHEMA;
  /** The metric the search minimized. */
  metric: RiskMetric;
  models: {
    k: number;
    lDiversity: Array<{ column: string; variant: 'distinct' | 'entropy'; l: string }>;
    tCloseness: Array<{ column: string; measure: 'equal' | 'ordered'; t: string }>;
  };
  /** The suppression limit as written (a fraction of rows). */
  suppressionLimit: string;
  /** ⌊limit × rows⌋: the most rows a valid release may suppress. */
  maxSuppressedRows: number;
  /** Quasi-identifiers in level-vector order, with the chosen levels. */
  quasiIdentifiers: ReviewedQuasiIdentifier[];
  /** The chosen levels in quasi-identifier order (ARX's "transformation"). */
  levelVector: number[];
  /** Whether the chosen node satisfies the models within the limit (always, for a search). */
  valid: boolean;
  /** Rows of the table. */
  rows: number;
  /** Rows of the classes that violate a model, withheld from the release. */
  rowsSuppressed: number;
  rowsReleased: number;
  /** Released classes. */
  classes: number;
  /** Suppressed classes. */
  classesSuppressed: number;
  /** Rows of the smallest released class; null when nothing is released. */
  smallestClass: number | null;
  /**
   * Prosecutor risk of the table's own classes (before generalization: raw values, or a column's
   * base level when the table was counted at one) and of the release (released rows only).
   */
  risk: { before: ProsecutorRisk; after: ProsecutorRisk };
  /** Per ℓ-diversity model, the ℓ the release achieves (least over released classes; entropy ℓ rounded down to 6 decimals). */
  lDiversity: Array<{ column: string; variant: 'distinct' | 'entropy'; achieved: string | null }>;
  /** Per t-closeness model, the t the release achieves (largest EMD over released classes, rounded up to 6 decimals). */
  tCloseness: Array<{ column: string; measure: 'equal' | 'ordered'; achieved: string | null }>;
  informationLoss: {
    metric: RiskMetric;
    /** The metric's value at the chosen node. */
    value: number;
    /** (value − rows) / (rows² − rows): 0 when every row is its own released class, 1 at one class or all suppressed. */
    normalized: Ratio;
    /** ARX's DM*: Σ |E|² over all classes, suppressed included. */
    dmStar: number;
    /** Discernibility with the penalty: Σ |E|² over released classes + rows × suppressed rows. */
    dm: number;
  };
  /**
   * How the search went (deterministic for the same table and options): nodes in the lattice,
   * nodes whose classes were computed, and nodes decided without (by the bound or by tagging).
   */
  search: { nodes: number; nodesEvaluated: number; nodesPruned: number };
}

/** The RFC 8785 canonical JSON of a review; refuses anything but plain JSON with safe integers. */
export function canonicalRiskReview(review: RiskReview): string {
  assertPlainJson(review, 0);
  const text = canonicalize(review);
  if (text === undefined)
    throw deidError(DeidErrorCode.INVALID_ARGUMENT, 'The review has no canonical form.');
  return text;
}

/** Lowercase hex SHA-256 of the canonical review. */
export function riskReviewSha256(review: RiskReview): string {
  return createHash('sha256').update(canonicalRiskReview(review), 'utf8').digest('hex');
}

function assertPlainJson(value: unknown, depth: number): void {
  if (depth > 16) throw deidError(DeidErrorCode.INVALID_ARGUMENT, 'The review nests too deep.');
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value))
      throw deidError(DeidErrorCode.INVALID_ARGUMENT, 'A number of the review is not a safe integer.');
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) assertPlainJson(v, depth + 1);
    return;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) assertPlainJson(v, depth + 1);
    return;
  }
  throw deidError(DeidErrorCode.INVALID_ARGUMENT, 'The review holds a value that is not plain JSON.');
}

/** `numerator / denominator` (denominator > 0) as a decimal string of `digits` places, rounded as asked. */
export function decimalString(
  numerator: bigint,
  denominator: bigint,
  digits: number,
  rounding: 'down' | 'up' | 'nearest',
): string {
  const scale = 10n ** BigInt(digits);
  const negative = numerator < 0n;
  const n = (negative ? -numerator : numerator) * scale;
  let q = n / denominator;
  const r = n % denominator;
  const away = negative ? rounding === 'down' : rounding === 'up';
  if (r !== 0n && (away || (rounding === 'nearest' && 2n * r >= denominator))) q += 1n;
  const digitsText = q.toString().padStart(digits + 1, '0');
  const whole = digitsText.slice(0, digitsText.length - digits);
  const fraction = digitsText.slice(digitsText.length - digits).replace(/0+$/, '');
  const sign = negative && q !== 0n ? '-' : '';
  return fraction.length > 0 ? `${sign}${whole}.${fraction}` : `${sign}${whole}`;
}

/** A ratio as a decimal string (rounded to nearest, `digits` places; 6 by default), for rendering. */
export function formatRatio(ratio: Ratio, digits = 6): string {
  return decimalString(BigInt(ratio.numerator), BigInt(ratio.denominator), digits, 'nearest');
}
