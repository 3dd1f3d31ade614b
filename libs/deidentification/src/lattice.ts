/**
 * Full-domain k-anonymity by lattice search over rows: the row-based entry point kept for its
 * callers, now a thin layer over the risk review (review.ts), which works on the rows'
 * frequency table and is exact.
 *
 * A node fixes one generalization level per quasi-identifier (level 0 = raw, then the hierarchy's
 * levels, then `*`). A node is valid when, after suppressing the rows of classes smaller than k,
 * at most ⌊suppressionLimit × rows⌋ rows are suppressed. The search returns the valid node of
 * least ARX DM* (Σ |class|² over every class, suppressed ones included; ARX's
 * MetricSDDiscernability), or of least DM (released Σ |class|² + rows per suppressed row) when
 * `metric: 'DM'` is asked for; ties go to fewest generalization steps, then to the smaller level
 * vector. (Until this module became a layer over the review it minimized DM while calling it DM*,
 * which on ARX's Adult benchmark, k = 5 and 4 % suppression, chose a node of 2.86× the DM*
 * optimum.)
 */
import type { ColumnType, Row } from '@maxhub/formats';
import { DeidErrorCode, deidError, DeidentificationError } from './errors';
import { buildFrequencyTable } from './frequency-table';
import { ClassCounter, encodeClassKey, riskReport, type RiskReport } from './k-anonymity';
import { reviewRisk } from './review';
import type { RiskReview } from './review-report';
import { compileLevels, type HierarchyInput } from './hierarchy';
import type { RiskMetric } from './spec';

/** A quasi-identifier and its hierarchy (level 0 raw; an implicit final `*` level is added to a list). */
export interface LatticeQuasiIdentifier {
  name: string;
  type: ColumnType;
  hierarchy: HierarchyInput;
}

/** Input of the lattice search. */
export interface LatticeSearchOptions {
  /** The rows (a sample or the whole small dataset), keyed by column name. */
  rows: readonly Row[];
  quasiIdentifiers: readonly LatticeQuasiIdentifier[];
  k: number;
  /** Fraction of rows that may be suppressed, 0..0.5. */
  suppressionLimit: number;
  /** The metric to minimize (default DM_STAR, ARX's DM*). */
  metric?: RiskMetric;
  /** Refuse larger lattices (default 1,000,000 nodes). */
  maxNodes?: number;
  /** Return every evaluated node (for tests and audits of the search). */
  trace?: boolean;
}

/** One evaluated node, when tracing. */
export interface EvaluatedNode {
  levels: number[];
  valid: boolean;
  /** ARX's DM*: Σ |class|² over every class. */
  dmStar: number;
  /** DM: Σ |class|² over released classes + suppressed rows × rows. */
  dm: number;
  suppressedRows: number;
}

/** The chosen node and how the search went. */
export interface LatticeSearchResult {
  /** The chosen level of each quasi-identifier, by name. */
  levels: Record<string, number>;
  /** The same, in quasi-identifier order. */
  levelVector: number[];
  /** ARX's DM* of the chosen node. */
  dmStar: number;
  /** DM (with the suppression penalty) of the chosen node. */
  dm: number;
  /** The risk report of the chosen node. */
  report: RiskReport;
  /** Nodes in the lattice. */
  nodes: number;
  /** Nodes whose classes were evaluated (the rest were pruned by the DM* bound). */
  nodesEvaluated: number;
  trace?: EvaluatedNode[];
}

/**
 * Searches the generalization lattice for the least-DM* (or least-DM) node that is k-anonymous
 * within the suppression limit. Refuses a bad k or limit (DEID_INVALID_ARGUMENT), a lattice over
 * maxNodes (DEID_LATTICE_TOO_LARGE), hierarchies that do not nest (DEID_HIERARCHY_NOT_MONOTONE)
 * or do not list a value (DEID_HIERARCHY_INCOMPLETE), and data for which even the fully
 * suppressed node is not valid (DEID_K_ANONYMITY_UNSATISFIABLE).
 */
export function searchLattice(options: LatticeSearchOptions): LatticeSearchResult {
  const { rows, quasiIdentifiers: qis, k, suppressionLimit } = options;
  if (!Number.isInteger(k) || k < 2)
    throw deidError(DeidErrorCode.INVALID_ARGUMENT, 'k must be an integer of at least 2.');
  if (!(suppressionLimit >= 0 && suppressionLimit <= 0.5)) {
    throw deidError(DeidErrorCode.INVALID_ARGUMENT, 'The suppression limit must lie in 0..0.5.');
  }
  if (qis.length === 0)
    throw deidError(DeidErrorCode.INVALID_ARGUMENT, 'The search needs at least one quasi-identifier.');
  const table = buildFrequencyTable(rows, { quasiIdentifiers: qis.map((q) => q.name) });
  const trace: EvaluatedNode[] | undefined = options.trace ? [] : undefined;
  let review: RiskReview;
  try {
    review = reviewRisk(table, {
      quasiIdentifiers: qis.map((q) => ({ name: q.name, type: q.type, hierarchy: q.hierarchy })),
      models: { k },
      suppressionLimit,
      metric: options.metric ?? 'DM_STAR',
      ...(options.maxNodes === undefined ? {} : { maxNodes: options.maxNodes }),
      ...(trace === undefined ? {} : { onNode: (node) => trace.push(node) }),
    });
  } catch (e) {
    if (e instanceof DeidentificationError && e.code === DeidErrorCode.PRIVACY_MODELS_UNSATISFIABLE) {
      throw deidError(
        DeidErrorCode.K_ANONYMITY_UNSATISFIABLE,
        'No generalization makes the data k-anonymous within the suppression limit.',
      );
    }
    throw e;
  }
  const levelVector = review.levelVector;
  const levels: Record<string, number> = {};
  qis.forEach((qi, q) => (levels[qi.name] = levelVector[q]));
  // The chosen node's classes, counted from the rows (the review reports figures, not sizes).
  const generalizers = qis.map((qi, q) => compileLevels(qi.hierarchy, qi.type, qi.name)[levelVector[q]]);
  const counter = new ClassCounter();
  for (const row of rows) counter.add(encodeClassKey(qis.map((qi, q) => generalizers[q](row[qi.name]))));
  return {
    levels,
    levelVector,
    dmStar: review.informationLoss.dmStar,
    dm: review.informationLoss.dm,
    report: riskReport(counter.sizes(), k, levels),
    nodes: review.search.nodes,
    nodesEvaluated: review.search.nodesEvaluated,
    ...(trace === undefined ? {} : { trace }),
  };
}
