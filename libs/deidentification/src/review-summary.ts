/**
 * Turns the chosen node of a review into its report (review-report.ts): the figures of the
 * released and suppressed classes, prosecutor risk before and after, ℓ and t achieved, and the
 * information loss, every one computed exactly from integer counts.
 */
import { canonicalNumber } from './canonical';
import type { FrequencyTable } from './frequency-table';
import { decimalRational, entropyEll, exactEmd, globalCounts, type CompiledModels } from './privacy-models';
import type { RiskReviewOptions } from './review';
import { histogramViews, pointViews, type Groups, type Lattice } from './review-groups';
import {
  decimalString,
  RISK_REVIEW_SCHEMA,
  type ProsecutorRisk,
  type Ratio,
  type RiskReview,
} from './review-report';
import type { RiskMetric } from './spec';

/** What {@link summarize} needs from the search. */
export interface ChosenNode {
  table: FrequencyTable;
  options: RiskReviewOptions;
  models: CompiledModels;
  lattice: Lattice;
  metric: RiskMetric;
  maxSuppressed: number;
  /** Chosen levels, absolute, in review order. */
  levels: readonly number[];
  /** The chosen node's classes. */
  groups: Groups;
  nodes: number;
  evaluated: number;
  pruned: number;
}

const ratio = (numerator: number, denominator: number): Ratio => ({ numerator, denominator });

/** Prosecutor risk of classes of the given sizes (only those `include` keeps). */
function prosecutor(sizes: ArrayLike<number>, k: number, include: (g: number) => boolean): ProsecutorRisk {
  let classes = 0;
  let rows = 0;
  let smallest = Infinity;
  let unique = 0;
  let below = 0;
  for (let g = 0; g < sizes.length; g++) {
    if (!include(g)) continue;
    const n = sizes[g];
    classes++;
    rows += n;
    if (n < smallest) smallest = n;
    if (n === 1) unique++;
    if (n < k) below += n;
  }
  return {
    classes,
    rows,
    highest: rows > 0 ? ratio(1, smallest) : null,
    average: rows > 0 ? ratio(classes, rows) : null,
    rowsAboveThreshold: rows > 0 ? ratio(below, rows) : null,
    uniqueRows: unique,
  };
}

/** The report of the chosen node. */
export function summarize(chosen: ChosenNode): RiskReview {
  const { table, options, models, lattice, metric, groups } = chosen;
  const N = table.rows;
  const k = models.k;
  const views = histogramViews(groups);
  const kept = new Uint8Array(groups.count);
  let suppressed = 0;
  let suppressedClasses = 0;
  let keptSquares = 0;
  let smallest: number | null = null;
  const leastL = models.ell.map(() => Infinity);
  const mostT = models.closeness.map(() => ({ value: -1, group: -1 }));
  for (let g = 0; g < groups.count; g++) {
    const n = groups.size[g];
    pointViews(views, groups, g);
    if (!models.passes(n, views)) {
      suppressed += n;
      suppressedClasses++;
      continue;
    }
    kept[g] = 1;
    keptSquares += n * n;
    if (smallest === null || n < smallest) smallest = n;
    models.ell.forEach((m, i) => {
      const h = views[m.slot];
      const l = m.spec.variant === 'distinct' ? h.to - h.from : entropyEll(h, n);
      if (l < leastL[i]) leastL[i] = l;
    });
    models.closeness.forEach((m, i) => {
      const { numerator, denominator } = m.emd(views[m.slot], n);
      const value = numerator / denominator;
      if (value > mostT[i].value) mostT[i] = { value, group: g };
    });
  }
  const dm = keptSquares + N * suppressed;
  const value = metric === 'DM_STAR' ? groups.squares : dm;
  const span = N * N - N;
  const released = groups.count - suppressedClasses;
  return {
    schema: RISK_REVIEW_SCHEMA,
    metric,
    models: {
      k,
      lDiversity: models.spec.lDiversity.map((m) => ({
        column: m.column,
        variant: m.variant,
        l: canonicalNumber(m.l),
      })),
      tCloseness: models.spec.tCloseness.map((m) => ({
        column: m.column,
        measure: m.measure,
        t: canonicalNumber(m.t),
      })),
    },
    suppressionLimit: canonicalNumber(options.suppressionLimit),
    maxSuppressedRows: chosen.maxSuppressed,
    quasiIdentifiers: options.quasiIdentifiers.map((qi, q) => ({
      name: qi.name,
      level: chosen.levels[q],
      minLevel: lattice.lo[q],
      maxLevel: lattice.hi[q],
    })),
    levelVector: [...chosen.levels],
    valid: suppressed <= chosen.maxSuppressed,
    rows: N,
    rowsSuppressed: suppressed,
    rowsReleased: N - suppressed,
    classes: released,
    classesSuppressed: suppressedClasses,
    smallestClass: smallest,
    risk: {
      before: prosecutor(table.sizes, k, () => true),
      after: prosecutor(groups.size, k, (g) => kept[g] === 1),
    },
    lDiversity: models.ell.map((m, i) => {
      const l = leastL[i];
      let achieved: string | null = null;
      if (l !== Infinity) {
        const exact = decimalRational(l);
        achieved = decimalString(exact.numerator, exact.denominator, 6, 'down');
      }
      return { column: m.spec.column, variant: m.spec.variant, achieved };
    }),
    tCloseness: models.closeness.map((m, i) => {
      const { group } = mostT[i];
      let achieved: string | null = null;
      if (group >= 0) {
        pointViews(views, groups, group);
        const column = models.columns[m.slot];
        const emd = exactEmd(m.spec, table, globalCounts(table, column), views[m.slot], groups.size[group]);
        achieved = decimalString(emd.numerator, emd.denominator, 6, 'up');
      }
      return { column: m.spec.column, measure: m.spec.measure, achieved };
    }),
    informationLoss: {
      metric,
      value,
      normalized: span > 0 ? ratio(value - N, span) : ratio(0, 1),
      dmStar: groups.squares,
      dm,
    },
    search: { nodes: chosen.nodes, nodesEvaluated: chosen.evaluated, nodesPruned: chosen.pruned },
  };
}
