/**
 * Full-domain k-anonymity by lattice search, after ARX's Flash (Kohlmayer, Prasser, Eckert, Kemper,
 * Kuhn: "Flash: Efficient, Stable and Optimal K-Anonymity", PASSAT 2012) and the Incognito paper's
 * lattice (LeFevre, DeWitt, Ramakrishnan, SIGMOD 2005).
 *
 * A node fixes one generalization level per quasi-identifier (level 0 = raw, then the hierarchy's
 * levels, then `*`). A node is valid when, after suppressing the rows of classes smaller than k,
 * at most ⌊suppressionLimit × rows⌋ rows are suppressed. The search returns the valid node of least
 * discernibility DM* = Σ|class|² over released classes + suppressed rows × rows (ties: fewest
 * generalization steps, then the first in lattice order), and it is exact:
 * - Validity is monotone (generalizing merges classes, so no row becomes suppressed), hence Flash's
 *   predictive tagging: phase 1 binary-searches upward paths, a valid node tags all its
 *   generalizations valid and an invalid one all its specializations invalid, until every node is
 *   tagged.
 * - DM* is not monotone (merging small classes can lower the suppression term), but
 *   LB(X) = Σ|class|² over all classes of X bounds DM* of X and of every generalization of X
 *   (a class of a generalization costs ≥ its size², which is ≥ the sum of its sub-classes' squares).
 *   Phase 2 visits valid nodes bottom-up and prunes the generalizations of any node whose bound
 *   reaches the best DM* found so far.
 * Rows are dictionary-encoded up front (one Int32Array of codes per QI and level), so evaluating a
 * node hashes small integers; a node is evaluated from a stored evaluation of a direct
 * specialization (its classes roll up) when one is available, otherwise from the rows.
 */
import type { ColumnType, Row } from '@maxhub/formats';
import { DeidErrorCode, deidError } from './errors';
import { compileHierarchy } from './generalize';
import { encodeClassKey, riskReport, type RiskReport } from './k-anonymity';
import type { Generalization } from './spec';

/** A quasi-identifier and its hierarchy (level 0 raw; an implicit final `*` level is added). */
export interface LatticeQuasiIdentifier {
  name: string;
  type: ColumnType;
  hierarchy: readonly Generalization[];
}

/** Input of the lattice search. */
export interface LatticeSearchOptions {
  /** The rows (a sample or the whole small dataset), keyed by column name. */
  rows: readonly Row[];
  quasiIdentifiers: readonly LatticeQuasiIdentifier[];
  k: number;
  /** Fraction of rows that may be suppressed, 0..0.5. */
  suppressionLimit: number;
  /** Refuse larger lattices (default 1,000,000 nodes). */
  maxNodes?: number;
  /** Return every evaluated node (for tests and audits of the search). */
  trace?: boolean;
}

/** One evaluated node, when tracing. */
export interface EvaluatedNode {
  levels: number[];
  valid: boolean;
  dmStar: number;
  suppressedRows: number;
}

/** The chosen node and how the search went. */
export interface LatticeSearchResult {
  /** The chosen level of each quasi-identifier, by name. */
  levels: Record<string, number>;
  /** The same, in quasi-identifier order. */
  levelVector: number[];
  dmStar: number;
  /** The risk report of the chosen node. */
  report: RiskReport;
  /** Nodes in the lattice. */
  nodes: number;
  /** Nodes whose classes were computed. */
  nodesEvaluated: number;
  trace?: EvaluatedNode[];
}

const TWO_53 = 9007199254740992;
const TABLE_SIZE = 1 << 22;
const SNAPSHOT_BUDGET = 8_000_000; // stored (rep, weight) pairs across snapshots
const VALID = 1;
const INVALID = 2;
const PRUNED = 4;
const EVALUATED = 8;

interface Groups {
  reps: Int32Array;
  weights: Int32Array;
}

/**
 * Searches the generalization lattice for the least-DM* node that is k-anonymous within the
 * suppression limit. Refuses a bad k or limit (DEID_INVALID_ARGUMENT), a lattice over maxNodes
 * (DEID_LATTICE_TOO_LARGE), hierarchies that do not nest (DEID_HIERARCHY_NOT_MONOTONE) and data
 * for which even the fully suppressed node is not valid (DEID_K_ANONYMITY_UNSATISFIABLE).
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
  const n = rows.length;
  const maxSuppressed = Math.floor(suppressionLimit * n + 1e-9);
  const Q = qis.length;

  // --- Dictionary encoding: codes[q][level][row], cards[q][level] --------------------------------
  const heights: number[] = [];
  const codes: Int32Array[][] = [];
  const cards: number[][] = [];
  for (const qi of qis) {
    const levels = compileHierarchy(qi.hierarchy, qi.type, qi.name);
    heights.push(levels.length);
    const rawIds = new Int32Array(n);
    const rawDict = new Map<unknown, number>();
    const distinct: Row[string][] = [];
    for (let i = 0; i < n; i++) {
      const v = rows[i][qi.name] ?? null;
      let id = rawDict.get(v);
      if (id === undefined) {
        id = distinct.length;
        rawDict.set(v, id);
        distinct.push(v);
      }
      rawIds[i] = id;
    }
    const perLevel: Int32Array[] = [];
    const perCard: number[] = [];
    for (const g of levels) {
      const dict = new Map<string, number>();
      const map = new Int32Array(distinct.length);
      distinct.forEach((v, id) => {
        const key = encodeClassKey([g(v)]);
        let code = dict.get(key);
        if (code === undefined) {
          code = dict.size;
          dict.set(key, code);
        }
        map[id] = code;
      });
      const col = new Int32Array(n);
      for (let i = 0; i < n; i++) col[i] = map[rawIds[i]]!;
      perLevel.push(col);
      perCard.push(Math.max(dict.size, 1));
    }
    codes.push(perLevel);
    cards.push(perCard);
  }

  // --- The lattice: node index is mixed-radix over levels ----------------------------------------
  const strides: number[] = [];
  let nodes = 1;
  for (const h of heights) {
    strides.push(nodes);
    nodes *= h;
    if (nodes > (options.maxNodes ?? 1_000_000)) {
      throw deidError(
        DeidErrorCode.LATTICE_TOO_LARGE,
        'The generalization lattice is larger than the search allows.',
      );
    }
  }
  const levelOf = new Uint8Array(nodes * Q);
  const height = new Int32Array(nodes);
  for (let x = 0; x < nodes; x++) {
    let rest = x;
    let sum = 0;
    for (let q = 0; q < Q; q++) {
      const l = rest % heights[q];
      rest = Math.floor(rest / heights[q]);
      levelOf[x * Q + q] = l;
      sum += l;
    }
    height[x] = sum;
  }
  // Bottom-up order: by number of generalization steps, then by index (a stable counting sort).
  const maxHeight = heights.reduce((a, h) => a + h - 1, 0);
  const bucketStart = new Int32Array(maxHeight + 2);
  for (let x = 0; x < nodes; x++) bucketStart[height[x] + 1]++;
  for (let h = 1; h <= maxHeight + 1; h++) bucketStart[h] += bucketStart[h - 1];
  const order = new Int32Array(nodes);
  for (let x = 0; x < nodes; x++) order[bucketStart[height[x]]++] = x;

  const state = new Uint8Array(nodes);
  const dmOf = new Float64Array(nodes);
  const lbOf = new Float64Array(nodes);
  const suppressedOf = new Float64Array(nodes);
  const trace: EvaluatedNode[] | undefined = options.trace ? [] : undefined;

  const tagClosure = (start: number, flag: number, upward: boolean): void => {
    const stack = [start];
    while (stack.length > 0) {
      const x = stack.pop()!;
      for (let q = 0; q < Q; q++) {
        const l = levelOf[x * Q + q];
        if (upward ? l + 1 >= heights[q] : l === 0) continue;
        const y = upward ? x + strides[q] : x - strides[q];
        if ((state[y] & flag) === 0) {
          state[y] |= flag;
          stack.push(y);
        }
      }
    }
  };

  // --- Evaluating a node -------------------------------------------------------------------------
  const allRows: Groups = {
    reps: Int32Array.from({ length: n }, (_, i) => i),
    weights: new Int32Array(n).fill(1),
  };
  const snapshots = new Map<number, Groups>();
  let snapshotSize = 0;
  // A direct-address table for small key spaces, sized to the data (a Map takes over above it).
  const tableSize = Math.min(TABLE_SIZE, Math.max(1024, 64 * n));
  const table = new Int32Array(tableSize).fill(-1);
  let keys = new Float64Array(Math.max(n, 1));
  let evaluations = 0;

  const groupify = (x: number, source: Groups): Groups => {
    const m = source.reps.length;
    const reps = source.reps;
    let radix = 1;
    for (let j = 0; j < m; j++) keys[j] = 0;
    const densify = (): number => {
      const dict = new Map<number, number>();
      for (let j = 0; j < m; j++) {
        let id = dict.get(keys[j]);
        if (id === undefined) {
          id = dict.size;
          dict.set(keys[j], id);
        }
        keys[j] = id;
      }
      return dict.size;
    };
    for (let q = 0; q < Q; q++) {
      const l = levelOf[x * Q + q];
      const card = cards[q][l];
      if (card === 1) continue;
      if (radix * card >= TWO_53) radix = densify();
      const col = codes[q][l];
      for (let j = 0; j < m; j++) keys[j] = keys[j] * card + col[reps[j]];
      radix *= card;
    }
    const outReps: number[] = [];
    const outWeights: number[] = [];
    const w = source.weights;
    if (radix <= tableSize) {
      for (let j = 0; j < m; j++) {
        const key = keys[j];
        let c = table[key];
        if (c < 0) {
          c = outReps.length;
          table[key] = c;
          outReps.push(reps[j]);
          outWeights.push(0);
        }
        outWeights[c] += w[j];
      }
      for (let j = 0; j < m; j++) table[keys[j]] = -1;
    } else {
      const dict = new Map<number, number>();
      for (let j = 0; j < m; j++) {
        let c = dict.get(keys[j]);
        if (c === undefined) {
          c = outReps.length;
          dict.set(keys[j], c);
          outReps.push(reps[j]);
          outWeights.push(0);
        }
        outWeights[c] += w[j];
      }
    }
    return { reps: Int32Array.from(outReps), weights: Int32Array.from(outWeights) };
  };

  const sourceFor = (x: number): Groups => {
    let best: Groups = allRows;
    for (let q = 0; q < Q; q++) {
      if (levelOf[x * Q + q] === 0) continue;
      const s = snapshots.get(x - strides[q]);
      if (s !== undefined && s.reps.length < best.reps.length) best = s;
    }
    return best;
  };

  const evaluate = (x: number): boolean => {
    evaluations++;
    const groups = groupify(x, sourceFor(x));
    let suppressed = 0;
    let squares = 0;
    let all = 0;
    for (const size of groups.weights) {
      all += size * size;
      if (size < k) suppressed += size;
      else squares += size * size;
    }
    const valid = suppressed <= maxSuppressed;
    dmOf[x] = squares + suppressed * n;
    lbOf[x] = all;
    suppressedOf[x] = suppressed;
    state[x] |= EVALUATED | (valid ? VALID : INVALID);
    tagClosure(x, valid ? VALID : INVALID, valid);
    if (groups.reps.length < n) {
      snapshots.set(x, groups);
      snapshotSize += groups.reps.length;
      for (const [key, s] of snapshots) {
        if (snapshotSize <= SNAPSHOT_BUDGET) break;
        snapshots.delete(key);
        snapshotSize -= s.reps.length;
      }
    }
    trace?.push({
      levels: Array.from(levelOf.subarray(x * Q, x * Q + Q)),
      valid,
      dmStar: dmOf[x],
      suppressedRows: suppressed,
    });
    return valid;
  };

  // --- Phase 0: nothing is valid if the fully suppressed node is not --------------------------------
  if (!evaluate(nodes - 1)) {
    throw deidError(
      DeidErrorCode.K_ANONYMITY_UNSATISFIABLE,
      'No generalization makes the data k-anonymous within the suppression limit.',
    );
  }

  // --- Phase 1: tag every node valid or invalid, by binary search on upward paths -------------------
  for (let i = 0; i < nodes; i++) {
    const start = order[i];
    if ((state[start] & (VALID | INVALID)) !== 0) continue;
    const path = [start];
    for (let cur = start; ;) {
      let next = -1;
      for (let q = 0; q < Q && next < 0; q++) {
        if (levelOf[cur * Q + q] + 1 >= heights[q]) continue;
        const y = cur + strides[q];
        if ((state[y] & (VALID | INVALID)) === 0) next = y;
      }
      if (next < 0) break;
      path.push(next);
      cur = next;
    }
    let lo = 0;
    let hi = path.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const x = path[mid];
      const s = state[x];
      const valid = (s & VALID) !== 0 ? true : (s & INVALID) !== 0 ? false : evaluate(x);
      if (valid) hi = mid - 1;
      else lo = mid + 1;
    }
  }

  // --- Phase 2: least DM* among valid nodes, bottom-up, with lower-bound pruning -----------------------
  let best = -1;
  for (let i = 0; i < nodes; i++) {
    const x = order[i];
    if ((state[x] & PRUNED) !== 0) continue;
    if ((state[x] & VALID) === 0) {
      if (best >= 0 && (state[x] & EVALUATED) !== 0 && lbOf[x] >= dmOf[best]) tagClosure(x, PRUNED, true);
      continue;
    }
    if ((state[x] & EVALUATED) === 0) evaluate(x);
    if (best < 0 || dmOf[x] < dmOf[best]) best = x;
    if (lbOf[x] >= dmOf[best]) tagClosure(x, PRUNED, true);
  }

  const levelVector = Array.from(levelOf.subarray(best * Q, best * Q + Q));
  const levels: Record<string, number> = {};
  qis.forEach((qi, q) => (levels[qi.name] = levelVector[q]!));
  const chosen = groupify(best, allRows);
  const report = riskReport(chosen.weights, k, levels);
  keys = new Float64Array(0);
  return {
    levels,
    levelVector,
    dmStar: dmOf[best],
    report,
    nodes,
    nodesEvaluated: evaluations,
    ...(trace === undefined ? {} : { trace }),
  };
}
