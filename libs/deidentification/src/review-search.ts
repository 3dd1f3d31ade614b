/**
 * The two exact searches of the risk review (review.ts says which runs when):
 * - depth first, for any models: nodes are visited along a spanning tree of the lattice (a node's
 *   parent lowers its first generalized quasi-identifier by one) and each node's classes are
 *   rolled up from its parent's. The only pruning is by the bound LB(X) = Σ |E|² over all classes
 *   of X: it is DM*(X), at most DM(X), and cannot decrease when X generalizes, so once it exceeds
 *   the best value found, X and every generalization of X are skipped — whatever the models, since
 *   validity plays no part in it (validity is not monotone for entropy ℓ-diversity and
 *   t-closeness under suppression: a passing class merged with a failing one may fail).
 * - Flash (Kohlmayer, Prasser, Eckert, Kemper, Kuhn, PASSAT 2012), when validity is monotone (a
 *   node valid ⇒ all its generalizations valid: k-anonymity and distinct ℓ-diversity always,
 *   t-closeness when nothing may be suppressed): phase 1 tags every node valid or invalid by binary
 *   search on upward paths, a valid node tagging its generalizations valid and an invalid one its
 *   specializations invalid; phase 2 visits the valid nodes bottom-up, pruning with the same bound
 *   (and, under DM*, every generalization of a valid node: none can have a lower DM*, and on a tie
 *   the valid node wins by taking fewer steps). Classes are rolled up from the smallest kept
 *   snapshot of a nearby specialization, else from the table.
 * Both return the same node: the least metric value, then fewest steps, then the smaller level
 * vector (first quasi-identifier first).
 */
import type { CompiledModels } from './privacy-models';
import type { EvaluatedReviewNode } from './review';
import { histogramViews, pointViews, type Groups, type Lattice, type RollUp } from './review-groups';
import type { RiskMetric } from './spec';

/** What a search needs. */
export interface SearchContext {
  lattice: Lattice;
  rollUp: RollUp;
  /** The table's own classes. */
  base: Groups;
  models: CompiledModels;
  rows: number;
  maxSuppressed: number;
  metric: RiskMetric;
  exhaustive: boolean;
  onNode?: (node: EvaluatedReviewNode) => void;
}

/** The chosen node (null when none is valid) and how many nodes were evaluated. */
export interface SearchResult {
  best: number[] | null;
  evaluated: number;
}

/** Evaluates a node's classes: suppressed rows, validity and metric value (reported to onNode). */
function evaluateNode(
  ctx: SearchContext,
  levels: readonly number[],
  groups: Groups,
): { valid: boolean; value: number } {
  const trace = ctx.onNode !== undefined;
  const views = histogramViews(groups);
  let suppressed = 0;
  let kept = 0;
  for (let g = 0; g < groups.count; g++) {
    const n = groups.size[g];
    pointViews(views, groups, g);
    if (ctx.models.passes(n, views)) kept += n * n;
    // Past the limit the node is invalid; only a trace needs the exact count.
    else if ((suppressed += n) > ctx.maxSuppressed && !trace) break;
  }
  const valid = suppressed <= ctx.maxSuppressed;
  const dm = kept + ctx.rows * suppressed;
  ctx.onNode?.({ levels: [...levels], valid, suppressedRows: suppressed, dmStar: groups.squares, dm });
  return { valid, value: ctx.metric === 'DM_STAR' ? groups.squares : dm };
}

/** The best node so far under the review's order. */
class Best {
  levels: number[] | null = null;
  value = Infinity;
  private steps = 0;

  consider(levels: readonly number[], value: number): void {
    if (this.levels !== null && !this.beats(levels, value)) return;
    this.levels = [...levels];
    this.value = value;
    this.steps = levels.reduce((a, l) => a + l, 0);
  }

  private beats(levels: readonly number[], value: number): boolean {
    if (value !== this.value) return value < this.value;
    const steps = levels.reduce((a, l) => a + l, 0);
    if (steps !== this.steps) return steps < this.steps;
    const q = levels.findIndex((l, i) => l !== this.levels![i]);
    return q >= 0 && levels[q] < this.levels![q];
  }
}

/** Node index ↔ levels, and closures over generalizations / specializations. */
class Nodes {
  readonly sizes: number[];

  constructor(private readonly lattice: Lattice) {
    this.sizes = lattice.lo.map((l, q) => lattice.hi[q] - l + 1);
  }

  levelsOf(x: number): number[] {
    const out: number[] = [];
    for (let q = 0; q < this.sizes.length; q++) {
      const r = x % this.sizes[q];
      x = (x - r) / this.sizes[q];
      out.push(this.lattice.lo[q] + r);
    }
    return out;
  }

  /** Sets `flag` on every node above (`up`) or below `start`, stopping at nodes that have it. */
  tag(state: Uint8Array, start: number, flag: number, up: boolean): void {
    const { sizes } = this;
    const strides = this.lattice.strides;
    const stack = [start];
    while (stack.length > 0) {
      const x = stack.pop()!;
      let rest = x;
      for (let q = 0; q < sizes.length; q++) {
        const r = rest % sizes[q];
        rest = (rest - r) / sizes[q];
        if (up ? r + 1 >= sizes[q] : r === 0) continue;
        const y = up ? x + strides[q] : x - strides[q];
        if ((state[y] & flag) === 0) {
          state[y] |= flag;
          stack.push(y);
        }
      }
    }
  }
}

/** Depth-first search over the spanning tree, pruned by the Σ|E|² bound (see the module comment). */
export function depthFirstSearch(ctx: SearchContext): SearchResult {
  const { lattice, rollUp } = ctx;
  const { q: Q, lo, hi, strides } = lattice;
  const nodes = new Nodes(lattice);
  const pruned = new Uint8Array(lattice.nodes);
  const best = new Best();
  const levels = [...lo];
  let evaluated = 0;
  const visit = (index: number, lastQ: number, groups: Groups): void => {
    if (!ctx.exhaustive && best.levels !== null && groups.squares > best.value) {
      pruned[index] = 1;
      nodes.tag(pruned, index, 1, true);
      return;
    }
    evaluated++;
    const { valid, value } = evaluateNode(ctx, levels, groups);
    if (valid) best.consider(levels, value);
    for (let q = 0; q <= lastQ; q++) {
      if (levels[q] >= hi[q] || pruned[index + strides[q]] !== 0) continue;
      levels[q]++;
      visit(index + strides[q], q, rollUp.run(groups, levels));
      levels[q]--;
    }
  };
  visit(0, Q - 1, rollUp.run(ctx.base, levels));
  return { best: best.levels, evaluated };
}

const VALID = 1;
const INVALID = 2;
const PRUNED = 4;
const EVALUATED = 8;
/** Most classes (plus histogram entries) kept in snapshots across nodes. */
const SNAPSHOT_BUDGET = 4_000_000;
/** Most specializations looked at for a snapshot to roll a node up from. */
const SOURCE_SEARCH = 64;

/** Flash: predictive tagging, then the valid nodes bottom-up (see the module comment). */
export function flashSearch(ctx: SearchContext): SearchResult {
  const { lattice, rollUp, base } = ctx;
  const { q: Q, strides } = lattice;
  const total = lattice.nodes;
  const nodes = new Nodes(lattice);
  const { sizes } = nodes;
  const state = new Uint8Array(total);
  const bound = new Float64Array(total);
  const valueOf = new Float64Array(total);
  const digits = new Uint8Array(total * Q);
  const height = new Int32Array(total);
  for (let x = 0; x < total; x++) {
    let rest = x;
    for (let q = 0; q < Q; q++) {
      const r = rest % sizes[q];
      rest = (rest - r) / sizes[q];
      digits[x * Q + q] = r;
      height[x] += r;
    }
  }
  // Bottom-up order: by number of steps, then by index (a stable counting sort).
  const maxHeight = sizes.reduce((a, s) => a + s - 1, 0);
  const start = new Int32Array(maxHeight + 2);
  for (let x = 0; x < total; x++) start[height[x] + 1]++;
  for (let h = 1; h <= maxHeight + 1; h++) start[h] += start[h - 1];
  const order = new Int32Array(total);
  for (let x = 0; x < total; x++) order[start[height[x]]++] = x;

  const snapshots = new Map<number, Groups>();
  let kept = 0;
  const weight = (g: Groups): number => g.count + g.hists.reduce((a, h) => a + h.values.length, 0);
  let evaluated = 0;
  /**
   * The smallest kept snapshot among the specializations of x, looked for breadth first over at
   * most SOURCE_SEARCH of them (rolling up from the table costs every class of the table).
   */
  const sourceOf = (x: number): Groups => {
    let src = base;
    const seen = new Set<number>([x]);
    const queue = [x];
    for (let head = 0; head < queue.length && seen.size < SOURCE_SEARCH; head++) {
      const y = queue[head];
      for (let q = 0; q < Q; q++) {
        if (digits[y * Q + q] === 0) continue;
        const z = y - strides[q];
        if (seen.has(z)) continue;
        seen.add(z);
        queue.push(z);
        const s = snapshots.get(z);
        if (s !== undefined && s.count < src.count) src = s;
      }
    }
    return src;
  };
  const evaluate = (x: number): boolean => {
    const src = sourceOf(x);
    const levels = nodes.levelsOf(x);
    const groups = rollUp.run(src, levels);
    evaluated++;
    const { valid, value } = evaluateNode(ctx, levels, groups);
    state[x] |= EVALUATED | (valid ? VALID : INVALID);
    bound[x] = groups.squares;
    valueOf[x] = value;
    nodes.tag(state, x, valid ? VALID : INVALID, valid);
    if (groups.count < base.count) {
      snapshots.set(x, groups);
      kept += weight(groups);
      for (const [key, s] of snapshots) {
        if (kept <= SNAPSHOT_BUDGET) break;
        snapshots.delete(key);
        kept -= weight(s);
      }
    }
    return valid;
  };

  // Phase 0: nothing is valid if the top node is not (validity is monotone).
  if (!evaluate(total - 1)) return { best: null, evaluated };

  // Phase 1: tag every node, by binary search on upward paths of untagged nodes.
  for (let i = 0; i < total; i++) {
    const first = order[i];
    if ((state[first] & (VALID | INVALID)) !== 0) continue;
    const path = [first];
    for (let cur = first; ;) {
      let next = -1;
      for (let q = 0; q < Q && next < 0; q++) {
        if (digits[cur * Q + q] + 1 >= sizes[q]) continue;
        if ((state[cur + strides[q]] & (VALID | INVALID)) === 0) next = cur + strides[q];
      }
      if (next < 0) break;
      path.push(next);
      cur = next;
    }
    let low = 0;
    let high = path.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const s = state[path[mid]];
      const valid = (s & VALID) !== 0 ? true : (s & INVALID) !== 0 ? false : evaluate(path[mid]);
      if (valid) high = mid - 1;
      else low = mid + 1;
    }
  }

  // Phase 2: the valid nodes bottom-up, with the bound.
  const best = new Best();
  for (let i = 0; i < total; i++) {
    const x = order[i];
    if ((state[x] & PRUNED) !== 0) continue;
    if ((state[x] & VALID) === 0) {
      if ((state[x] & EVALUATED) !== 0 && best.levels !== null && bound[x] > best.value)
        nodes.tag(state, x, PRUNED, true);
      continue;
    }
    if ((state[x] & EVALUATED) === 0) evaluate(x);
    best.consider(nodes.levelsOf(x), valueOf[x]);
    if (ctx.metric === 'DM_STAR' || bound[x] > best.value) nodes.tag(state, x, PRUNED, true);
  }
  return { best: best.levels, evaluated };
}

/**
 * Whether validity is monotone for these models (Flash may run): no entropy ℓ-diversity (its
 * check is ARX's double formula, whose rounding need not respect concavity at a tie), and
 * t-closeness only when no row may be suppressed.
 */
export function validityIsMonotone(models: CompiledModels, maxSuppressed: number): boolean {
  if (models.ell.some((m) => m.spec.variant === 'entropy')) return false;
  return models.closeness.length === 0 || maxSuppressed === 0;
}
