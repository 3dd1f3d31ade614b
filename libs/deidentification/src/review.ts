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
 * The search is exact. Nodes are visited depth first along a spanning tree of the lattice (a
 * node's parent lowers its first generalized quasi-identifier by one), and each node's classes
 * are rolled up from its parent's, never recomputed from the table. The only pruning is by the
 * bound LB(X) = Σ |E|² over all classes of X: it is DM*(X), it is at most DM(X), and it cannot
 * decrease when X generalizes (merging classes only grows Σ|E|²). So once LB(X) exceeds the best
 * metric value found, X and every generalization of X are skipped — whatever the models, since
 * validity plays no part in the bound (it is not monotone for ℓ-diversity and t-closeness under
 * suppression: a passing class merged with a failing one may fail).
 */
import type { ColumnType } from '@maxhub/formats';
import { DeidErrorCode, deidError } from './errors';
import { MAX_TABLE_ROWS, type FrequencyTable } from './frequency-table';
import { compileModels, decimalRational, type CompiledModels } from './privacy-models';
import {
  histogramViews,
  pointViews,
  prepareLattice,
  RollUp,
  tableGroups,
  type Groups,
} from './review-groups';
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

/** Rows the node suppresses; stops counting past `stopAbove` (returns a number above it). */
function suppressedRows(
  groups: Groups,
  models: CompiledModels,
  stopAbove: number,
): { suppressed: number; kept: number } {
  const views = histogramViews(groups);
  let suppressed = 0;
  let kept = 0;
  for (let g = 0; g < groups.count; g++) {
    const n = groups.size[g];
    pointViews(views, groups, g);
    if (models.passes(n, views)) kept += n * n;
    else if ((suppressed += n) > stopAbove) break;
  }
  return { suppressed, kept };
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
  const { q: Q, lo, hi, strides } = lattice;
  const valueOf = (squares: number, kept: number, suppressed: number): number =>
    metric === 'DM_STAR' ? squares : kept + N * suppressed;

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

  const levels = [...lo];
  const pruned = new Uint8Array(lattice.nodes);
  let evaluated = 0;
  let best: number[] | null = null;
  let bestValue = Infinity;
  let bestSteps = 0;
  const steps = (): number => levels.reduce((a, l) => a + l, 0);
  const better = (value: number): boolean => {
    if (best === null || value < bestValue) return true;
    if (value > bestValue) return false;
    const s = steps();
    if (s !== bestSteps) return s < bestSteps;
    for (let q = 0; q < Q; q++) if (levels[q] !== best[q]) return levels[q] < best[q];
    return false;
  };
  /** Marks `index` and every generalization of it pruned (stopping at nodes already marked). */
  const markUp = (index: number): void => {
    const stack = [index];
    pruned[index] = 1;
    while (stack.length > 0) {
      const x = stack.pop()!;
      let rest = x;
      for (let q = 0; q < Q; q++) {
        const size = hi[q] - lo[q] + 1;
        const r = rest % size;
        rest = (rest - r) / size;
        if (r + 1 < size && pruned[x + strides[q]] === 0) {
          pruned[x + strides[q]] = 1;
          stack.push(x + strides[q]);
        }
      }
    }
  };
  const visit = (index: number, lastQ: number, groups: Groups): void => {
    if (!options.exhaustive && best !== null && groups.squares > bestValue) {
      markUp(index);
      return;
    }
    evaluated++;
    const trace = options.onNode !== undefined;
    const { suppressed, kept } = suppressedRows(groups, models, trace ? Infinity : maxSuppressed);
    const valid = suppressed <= maxSuppressed;
    if (trace) {
      options.onNode!({
        levels: [...levels],
        valid,
        suppressedRows: suppressed,
        dmStar: groups.squares,
        dm: kept + N * suppressed,
      });
    }
    if (valid) {
      const value = valueOf(groups.squares, kept, suppressed);
      if (better(value)) {
        best = [...levels];
        bestValue = value;
        bestSteps = steps();
      }
    }
    for (let q = 0; q <= lastQ; q++) {
      if (levels[q] >= hi[q] || pruned[index + strides[q]] !== 0) continue;
      levels[q]++;
      visit(index + strides[q], q, rollUp.run(groups, levels));
      levels[q]--;
    }
  };
  visit(0, Q - 1, rollUp.run(base, levels));
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
