/**
 * The risk review: on a frequency table (frequency-table.ts), find the full-domain generalization
 * (one hierarchy level per quasi-identifier, a "node" of the lattice) that satisfies the privacy
 * models (privacy-models.ts) within the suppression limit and loses the least information, and
 * report its risk (review-report.ts). Semantics are ARX's:
 * - a class that violates a model (|E| < k, too few distinct or too little entropy of a
 *   sensitive column, an EMD above t) is suppressed, all its rows;
 * - a node is valid when it suppresses at most ⌊limit × N⌋ rows (limit read as the decimal it is
 *   written as);
 * - the metric is DM* (Σ |E|² over every class, suppressed ones as themselves; ARX's
 *   MetricSDDiscernability) unless DM (released Σ |E|² + N per suppressed row) is asked for;
 * - ties go to fewer generalization steps, then to the smaller level vector (first QI first).
 *
 * The search is exact: depth first over a spanning tree of the lattice with a bound that holds
 * for any models, or Flash's predictive tagging when validity is monotone (review-search.ts);
 * `exhaustive` evaluates every node instead.
 */
import type { ColumnType } from '@maxhub/formats';
import { DeidErrorCode, deidError } from './errors';
import { MAX_TABLE_ROWS, type FrequencyTable } from './frequency-table';
import { compileModels, decimalRational } from './privacy-models';
import { prepareLattice, RollUp, tableGroups } from './review-groups';
import { depthFirstSearch, flashSearch, validityIsMonotone, type SearchContext } from './review-search';
import type { RiskReview } from './review-report';
import { summarize } from './review-summary';
import type { HierarchyInput } from './hierarchy';
import { RISK_METRICS, type RiskMetric } from './spec';

/** A quasi-identifier of the review: its hierarchy, and optionally bounds on the levels searched. */
export interface ReviewQuasiIdentifier {
  name: string;
  type: ColumnType;
  hierarchy: HierarchyInput;
  /** Lowest level the search may choose (default: the table's base level for the column). */
  minLevel?: number;
  /** Highest level the search may choose (default: the top, `*`). */
  maxLevel?: number;
}

/** What to review. */
export interface RiskReviewOptions {
  /** Every quasi-identifier of the table, in the order of the level vector. */
  quasiIdentifiers: readonly ReviewQuasiIdentifier[];
  /** The privacy models (PrivacyModelsSchema; parsed, never trusted). */
  models: unknown;
  /** Fraction of rows that may be suppressed, 0..1 (ARX's suppression limit). */
  suppressionLimit: number;
  /** The metric to minimize (default DM_STAR). */
  metric?: RiskMetric;
  /** Review these levels (e.g. a grant's signed levels) instead of searching. */
  levels?: Readonly<Record<string, number>>;
  /** Refuse larger lattices (default 1,000,000 nodes). */
  maxNodes?: number;
  /** Evaluate every node, without pruning (for measurements and tests). */
  exhaustive?: boolean;
  /** Called with every evaluated node, in visiting order (for tests and audits of the search). */
  onNode?: (node: EvaluatedReviewNode) => void;
}

/** One evaluated node (see {@link RiskReviewOptions.onNode}). */
export interface EvaluatedReviewNode {
  levels: number[];
  valid: boolean;
  suppressedRows: number;
  dmStar: number;
  dm: number;
}

function invalid(message: string): never {
  throw deidError(DeidErrorCode.INVALID_ARGUMENT, message);
}

/**
 * Reviews the release of a frequency table: searches the lattice (or takes `options.levels`)
 * and reports the chosen node. Refuses options that do not fit the table (DEID_INVALID_ARGUMENT,
 * DEID_UNKNOWN_COLUMN, DEID_INVALID_SPEC), a hierarchy that does not cover a value of the table
 * (DEID_HIERARCHY_INCOMPLETE) or does not nest (DEID_HIERARCHY_NOT_MONOTONE), a table over
 * MAX_TABLE_ROWS (DEID_TABLE_TOO_LARGE), a lattice over maxNodes (DEID_LATTICE_TOO_LARGE) and,
 * when searching, models no node satisfies within the limit (DEID_PRIVACY_MODELS_UNSATISFIABLE).
 */
export function reviewRisk(table: FrequencyTable, options: RiskReviewOptions): RiskReview {
  const limit = options.suppressionLimit;
  if (typeof limit !== 'number' || !(limit >= 0 && limit <= 1))
    invalid('The suppression limit must lie in 0..1.');
  const metric = options.metric ?? 'DM_STAR';
  if (!RISK_METRICS.includes(metric)) invalid('The metric must be DM_STAR or DM.');
  if (table.rows > MAX_TABLE_ROWS) {
    throw deidError(
      DeidErrorCode.TABLE_TOO_LARGE,
      `The review computes exactly up to ${MAX_TABLE_ROWS} rows.`,
    );
  }
  const models = compileModels(options.models, table);
  const lattice = prepareLattice(table, options);
  const N = table.rows;
  const { numerator, denominator } = decimalRational(limit);
  const maxSuppressed = Number((numerator * BigInt(N)) / denominator);
  const rollUp = new RollUp(
    table,
    lattice,
    models.columns.map((c) => table.sensitive[c].values.length),
  );
  const base = tableGroups(table, models, lattice);
  const { lo, hi } = lattice;

  if (options.levels !== undefined) {
    const levels = options.quasiIdentifiers.map((qi, q) => {
      const level = options.levels![qi.name];
      if (level === undefined || !Number.isInteger(level) || level < lo[q] || level > hi[q]) {
        throw deidError(
          DeidErrorCode.INVALID_SPEC,
          `Quasi-identifier "${qi.name}": its level is missing or outside the levels the review allows.`,
        );
      }
      return level;
    });
    const groups = rollUp.run(base, levels);
    return summarize({
      table,
      options,
      models,
      lattice,
      metric,
      maxSuppressed,
      levels,
      groups,
      evaluated: 1,
      pruned: 0,
      nodes: 1,
    });
  }

  const context: SearchContext = {
    lattice,
    rollUp,
    base,
    models,
    rows: N,
    maxSuppressed,
    metric,
    exhaustive: options.exhaustive === true,
    ...(options.onNode === undefined ? {} : { onNode: options.onNode }),
  };
  const { best, evaluated } =
    !context.exhaustive && validityIsMonotone(models, maxSuppressed)
      ? flashSearch(context)
      : depthFirstSearch(context);
  if (best === null) {
    throw deidError(
      DeidErrorCode.PRIVACY_MODELS_UNSATISFIABLE,
      'No generalization satisfies the privacy models within the suppression limit.',
    );
  }
  const chosen: number[] = best;
  const groups = rollUp.run(base, chosen);
  return summarize({
    table,
    options,
    models,
    lattice,
    metric,
    maxSuppressed,
    levels: chosen,
    groups,
    evaluated,
    pruned: lattice.nodes - evaluated,
    nodes: lattice.nodes,
  });
}
