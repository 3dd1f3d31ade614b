/**
 * The privacy models a class must satisfy to be released, checked on its size and its sensitive
 * histograms (never on rows): k-anonymity, distinct and entropy ℓ-diversity, t-closeness with the
 * equal or the ordered ground distance (Li, Li, Venkatasubramanian, ICDE 2007), as ARX defines
 * them.
 *
 * Exactness. Counts are integers. An EMD is a ratio of integers (below) and is compared with t
 * exactly: in doubles when far from t, in BigInt within a relative 1e-9 of it, with t read as the
 * decimal it is written as (0.2 is 1/5, not the double nearest to it). Entropy ℓ-diversity uses
 * ARX's own double formula (EntropyLDiversity: log₂|E| − Σ f·log₂ f / |E| ≥ log₂ ℓ), except that a
 * uniform histogram has entropy exactly ln(distinct values).
 * - equal distance: EMD = Σ|c·N − g·n| / (2·n·N)
 * - ordered distance: EMD = Σ_{i<m} |Σ_{j≤i} (c_j·N − g_j·n)| / ((m − 1)·n·N)
 * for a class of n rows with c_j rows of value j, in a table of N rows with g_j rows of it.
 */
import { canonicalNumber } from './canonical';
import { DeidErrorCode, deidError } from './errors';
import type { FrequencyTable } from './frequency-table';
import { PrivacyModelsSchema, type LDiversitySpec, type PrivacyModels, type TClosenessSpec } from './spec';

/** A class's histogram of one sensitive column: pairs values[i], counts[i] for i in [from, to). */
export interface ClassHistogram {
  values: Int32Array;
  counts: Int32Array;
  from: number;
  to: number;
}

/** A compiled ℓ-diversity or t-closeness model, reading the histogram in `slot`. */
interface SensitiveModel {
  slot: number;
  passes(h: ClassHistogram, size: number): boolean;
}

/** The models of a review, compiled against a table. */
export interface CompiledModels {
  readonly spec: PrivacyModels;
  readonly k: number;
  /** Sensitive columns (table indices) the models read, ascending. */
  readonly columns: readonly number[];
  /** Whether a class of `size` rows with these histograms (one per `columns` entry) may be released. */
  passes(size: number, histograms: readonly ClassHistogram[]): boolean;
  /** The ℓ-diversity models, each with its slot in `columns`. */
  readonly ell: ReadonlyArray<{ spec: LDiversitySpec; slot: number }>;
  /** The t-closeness models, each with its slot in `columns` and its EMD. */
  readonly closeness: ReadonlyArray<{ spec: TClosenessSpec; slot: number; emd: EmdFunction }>;
}

/** The exact EMD of a class as numerator / denominator (numerator rounded in doubles when huge). */
export type EmdFunction = (h: ClassHistogram, size: number) => { numerator: number; denominator: number };

/** The exact rational a finite decimal number is written as: 0.2 → 2/10, 1e-7 → 1/10^7. */
export function decimalRational(x: number): { numerator: bigint; denominator: bigint } {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([-+]?\d+))?$/.exec(canonicalNumber(x));
  if (m === null) throw deidError(DeidErrorCode.INVALID_ARGUMENT, 'A threshold is not a decimal number.');
  const fraction = m[3] ?? '';
  const exponent = Number(m[4] ?? '0') - fraction.length;
  let numerator = BigInt(m[2] + fraction) * (m[1] === '-' ? -1n : 1n);
  let denominator = 1n;
  if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
  else denominator = 10n ** BigInt(-exponent);
  return { numerator, denominator };
}

// Builtins read once: a global lookup in a hot loop is slow where globals are proxied (jest's vm).
const { abs, log, LN2 } = Math;
const log2 = (x: number): number => log(x) / LN2;

/** ARX's entropy in bits of a histogram of `size` rows, exact (log₂ d) when it is uniform. */
export function entropyBits(h: ClassHistogram, size: number): number {
  const d = h.to - h.from;
  if (d <= 1) return 0;
  const first = h.counts[h.from];
  let uniform = true;
  let sum = 0;
  for (let i = h.from; i < h.to; i++) {
    const f = h.counts[i];
    if (f !== first) uniform = false;
    sum += f * log2(f);
  }
  if (uniform) return log2(d);
  return -(sum / size - log2(size));
}

function emdEqual(global: Float64Array, rows: number): EmdFunction {
  const m = global.length;
  return (h, n) => {
    // Σ over absent values of g·n is (N − Σ_present g)·n: only present values are visited.
    let s = rows * n;
    for (let i = h.from; i < h.to; i++) {
      const g = global[h.values[i]] * n;
      s += abs(h.counts[i] * rows - g) - g;
    }
    return { numerator: m > 0 ? s : 0, denominator: 2 * n * rows };
  };
}

function emdOrdered(global: Float64Array, rows: number): EmdFunction {
  const m = global.length;
  return (h, n) => {
    if (m <= 1) return { numerator: 0, denominator: 1 };
    let s = 0;
    let cum = 0;
    let p = h.from;
    for (let v = 0; v < m - 1; v++) {
      let c = 0;
      if (p < h.to && h.values[p] === v) c = h.counts[p++];
      cum += c * rows - global[v] * n;
      s += abs(cum);
    }
    return { numerator: s, denominator: (m - 1) * n * rows };
  };
}

/** The numerator of an EMD recomputed in BigInt (for the comparisons a double cannot settle). */
function exactNumerator(
  measure: 'equal' | 'ordered',
  global: Float64Array,
  rows: number,
  h: ClassHistogram,
  n: number,
): bigint {
  const N = BigInt(rows);
  const size = BigInt(n);
  const m = global.length;
  let s = 0n;
  if (measure === 'equal') {
    let p = h.from;
    for (let v = 0; v < m; v++) {
      const c = p < h.to && h.values[p] === v ? BigInt(h.counts[p++]) : 0n;
      const d = c * N - BigInt(global[v]) * size;
      s += d < 0n ? -d : d;
    }
    return s;
  }
  let cum = 0n;
  let p = h.from;
  for (let v = 0; v < m - 1; v++) {
    const c = p < h.to && h.values[p] === v ? BigInt(h.counts[p++]) : 0n;
    cum += c * N - BigInt(global[v]) * size;
    s += cum < 0n ? -cum : cum;
  }
  return s;
}

/** The exact EMD of a class as a BigInt ratio (for reporting the t achieved). */
export function exactEmd(
  spec: TClosenessSpec,
  table: FrequencyTable,
  global: Float64Array,
  h: ClassHistogram,
  size: number,
): { numerator: bigint; denominator: bigint } {
  const m = global.length;
  const rows = BigInt(table.rows);
  const n = BigInt(size);
  if (spec.measure === 'ordered' && m <= 1) return { numerator: 0n, denominator: 1n };
  const numerator = exactNumerator(spec.measure, global, table.rows, h, size);
  const denominator = spec.measure === 'equal' ? 2n * n * rows : BigInt(m - 1) * n * rows;
  return { numerator, denominator };
}

/** Each sensitive value's row count over the whole table (the distribution t-closeness compares to). */
export function globalCounts(table: FrequencyTable, column: number): Float64Array {
  const h = table.histograms[column];
  const out = new Float64Array(table.sensitive[column].values.length);
  for (let i = 0; i < h.values.length; i++) out[h.values[i]] += h.counts[i];
  return out;
}

/**
 * Parses (never trusts) the models and compiles them against the table. Refuses a model that
 * does not parse (DEID_INVALID_SPEC) and one naming a column that is not a sensitive column of
 * the table (DEID_UNKNOWN_COLUMN).
 */
export function compileModels(raw: unknown, table: FrequencyTable): CompiledModels {
  const parsed = PrivacyModelsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw deidError(
      DeidErrorCode.INVALID_SPEC,
      `The privacy models are not valid (at "${issue.path.join('.')}": ${issue.message}).`,
    );
  }
  const spec = parsed.data;
  const columnOf = (name: string): number => {
    const i = table.sensitive.findIndex((s) => s.name === name);
    if (i < 0) {
      throw deidError(
        DeidErrorCode.UNKNOWN_COLUMN,
        `The privacy models name "${name}", which is not a sensitive column of the frequency table.`,
      );
    }
    return i;
  };
  const names = [...spec.lDiversity.map((m) => m.column), ...spec.tCloseness.map((m) => m.column)];
  const columns = [...new Set(names.map(columnOf))].sort((a, b) => a - b);
  const slotOf = (name: string): number => columns.indexOf(columnOf(name));
  const models: SensitiveModel[] = [];
  const ell = spec.lDiversity.map((m) => ({ spec: m, slot: slotOf(m.column) }));
  for (const { spec: m, slot } of ell) {
    if (m.variant === 'distinct') models.push({ slot, passes: (h) => h.to - h.from >= m.l });
    else {
      const bits = log2(m.l);
      models.push({ slot, passes: (h, n) => h.to - h.from >= m.l && entropyBits(h, n) >= bits });
    }
  }
  const closeness = spec.tCloseness.map((m) => {
    const column = columnOf(m.column);
    const global = globalCounts(table, column);
    const emd = m.measure === 'equal' ? emdEqual(global, table.rows) : emdOrdered(global, table.rows);
    const t = decimalRational(m.t);
    const low = m.t * (1 - 1e-9);
    const high = m.t * (1 + 1e-9);
    models.push({
      slot: slotOf(m.column),
      passes: (h, n) => {
        const { numerator, denominator } = emd(h, n);
        const x = numerator / denominator;
        if (x <= low) return true;
        if (x >= high) return false;
        const exact = exactNumerator(m.measure, global, table.rows, h, n);
        return exact * t.denominator <= t.numerator * BigInt(denominator);
      },
    });
    return { spec: m, slot: slotOf(m.column), emd };
  });
  const k = spec.k;
  return {
    spec,
    k,
    columns,
    ell,
    closeness,
    passes(size, histograms) {
      if (size < k) return false;
      for (const model of models) if (!model.passes(histograms[model.slot], size)) return false;
      return true;
    },
  };
}

/** The ℓ of entropy ℓ-diversity a class achieves: exp(entropy), exactly the distinct count when uniform. */
export function entropyEll(h: ClassHistogram, size: number): number {
  const d = h.to - h.from;
  if (d <= 1) return d;
  let uniform = true;
  for (let i = h.from + 1; i < h.to; i++) if (h.counts[i] !== h.counts[h.from]) uniform = false;
  return uniform ? d : 2 ** entropyBits(h, size);
}
