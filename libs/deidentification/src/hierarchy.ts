/**
 * Generalization hierarchies in both shapes a grant may write (spec.ts): a list of
 * generalizations (generalize.ts) or an explicit value table like ARX's CSV hierarchies. Both
 * compile to the same thing, one function per level: level 0 the raw value, the top level `*`.
 *
 * Also the check that a hierarchy fits the data it will generalize: every value present has a
 * label at every level (else the value would silently fall to `*`, or a level would be undefined
 * for it), and a label that reads as a numeric range contains the value it labels.
 */
import type { CellValue, ColumnType } from '@maxhub/formats';
import type { FrequencyTable } from './frequency-table';
import { canonicalString } from './canonical';
import { DeidErrorCode, deidError, DeidentificationError } from './errors';
import { compileHierarchy, SUPPRESSED, type Generalizer } from './generalize';
import {
  HierarchySpecSchema,
  type Generalization,
  type HierarchySpec,
  type ValueTableHierarchy,
} from './spec';

/** A hierarchy of either shape, the list possibly read-only. */
export type HierarchyInput = HierarchySpec | readonly Generalization[];

/** Parses a hierarchy of either shape (never trusted); refuses with DEID_INVALID_SPEC naming the column. */
export function parseHierarchy(raw: unknown, column: string): HierarchySpec {
  const parsed = HierarchySpecSchema.safeParse(raw);
  if (!parsed.success)
    throw deidError(DeidErrorCode.INVALID_SPEC, `Quasi-identifier "${column}": the hierarchy is not valid.`);
  return parsed.data;
}

function isTable(spec: HierarchyInput): spec is ValueTableHierarchy {
  return !Array.isArray(spec);
}

/** True when the last column of the table holds only `*` (it is then the top level itself). */
function tableHasTop(spec: ValueTableHierarchy): boolean {
  const width = spec.rows[0].length;
  return width >= 2 && spec.rows.every((r) => r[width - 1] === SUPPRESSED);
}

/** Levels of a hierarchy, raw value and top `*` included (a hierarchy of only `*` has 2). */
export function hierarchyHeight(spec: HierarchyInput): number {
  if (!isTable(spec)) return (spec as readonly Generalization[]).length + 2;
  return spec.rows[0].length + (tableHasTop(spec) ? 0 : 1);
}

/** The canonical string a raw value is looked up by in a value table. */
function tableKey(value: string): string {
  return canonicalString(value) ?? '';
}

/**
 * Refuses a malformed value table: rows of different lengths or a raw value listed twice
 * (DEID_INVALID_SPEC), or labels that do not nest — one label at level i with two different
 * labels at level i + 1 (DEID_HIERARCHY_NOT_MONOTONE), which would split a class when generalizing.
 */
function validateTable(spec: ValueTableHierarchy, column: string): void {
  const width = spec.rows[0].length;
  const seen = new Set<string>();
  for (const row of spec.rows) {
    if (row.length !== width) {
      throw deidError(
        DeidErrorCode.INVALID_SPEC,
        `Quasi-identifier "${column}": every row of a value-table hierarchy needs the same number of levels.`,
      );
    }
    const key = tableKey(row[0]);
    if (seen.has(key)) {
      throw deidError(
        DeidErrorCode.INVALID_SPEC,
        `Quasi-identifier "${column}": a value-table hierarchy lists the same raw value twice.`,
      );
    }
    seen.add(key);
  }
  for (let level = 1; level + 1 < width; level++) {
    const next = new Map<string, string>();
    for (const row of spec.rows) {
      const known = next.get(row[level]);
      if (known === undefined) next.set(row[level], row[level + 1]);
      else if (known !== row[level + 1]) {
        throw deidError(
          DeidErrorCode.HIERARCHY_NOT_MONOTONE,
          `Column "${column}": each level of a hierarchy must coarsen the one before it (level ${level} of the value table).`,
        );
      }
    }
  }
}

function uncovered(column: string, level: number): DeidentificationError {
  return deidError(
    DeidErrorCode.HIERARCHY_INCOMPLETE,
    `Quasi-identifier "${column}": a value of the data has no label at level ${level} of its hierarchy.`,
  );
}

function compileTable(spec: ValueTableHierarchy, column: string): Generalizer[] {
  validateTable(spec, column);
  const index = new Map<string, readonly string[]>();
  for (const row of spec.rows) index.set(tableKey(row[0]), row);
  const width = spec.rows[0].length;
  const levels: Generalizer[] = [(v) => (v === undefined ? null : v)];
  const labelled = tableHasTop(spec) ? width - 1 : width;
  for (let level = 1; level < labelled; level++) {
    levels.push((v) => {
      const s = canonicalString(v);
      if (s === null) return null;
      const row = index.get(s);
      if (row === undefined) throw uncovered(column, level);
      return row[level];
    });
  }
  levels.push(() => SUPPRESSED);
  return levels;
}

/**
 * Compiles a hierarchy of either shape into its levels: index = level, 0 the raw value, the last
 * `*` for every value (null included). Refuses what does not nest (DEID_HIERARCHY_NOT_MONOTONE),
 * a generalization the column type does not support (DEID_TRANSFORM_TYPE) and a malformed table
 * (DEID_INVALID_SPEC). A compiled table level refuses a value it does not list
 * (DEID_HIERARCHY_INCOMPLETE); the other shapes refuse a malformed cell (DEID_INVALID_VALUE).
 */
export function compileLevels(spec: HierarchyInput, type: ColumnType, column = 'column'): Generalizer[] {
  return isTable(spec)
    ? compileTable(spec, column)
    : compileHierarchy(spec as readonly Generalization[], type, column);
}

/** What is wrong between a hierarchy and one value of the data. */
export interface HierarchyProblem {
  /** The quasi-identifier. */
  column: string;
  /**
   * `UNCOVERED`: the hierarchy gives the value no label at `level` (not in the value table or a
   * value map, or not of the shape the generalization reads); `LABEL_OUTSIDE_RANGE`: the label
   * at `level` reads as a numeric range (`lo-hi`, `[lo, hi)`, `<x`, `≥x` …) that does not contain
   * the value.
   */
  reason: 'UNCOVERED' | 'LABEL_OUTSIDE_RANGE';
  /**
   * The value itself, for the data owner's own screen: never put it in an error message, a log
   * line or an audit entry (invariant 1).
   */
  value: CellValue;
  level: number;
  /** The label found at `level` (for LABEL_OUTSIDE_RANGE). */
  label?: string;
}

const NUM = String.raw`-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?`;
const RANGE = new RegExp(String.raw`^(${NUM})\s*-\s*(${NUM})$`);
const BRACKETS = new RegExp(String.raw`^([[(])\s*(${NUM})\s*[,;]\s*(${NUM})\s*([\])])$`);
const BOUND = new RegExp(String.raw`^(<=|>=|≤|≥|<|>)\s*(${NUM})$`);
const NUMERIC = new RegExp(`^${NUM}$`);

function numericValue(value: CellValue): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && NUMERIC.test(value.trim())) return Number(value.trim());
  return undefined;
}

/**
 * Whether a label that reads as a numeric range contains `v`; undefined when it does not read as
 * one. `lo-hi` (lo ≤ hi) is accepted inclusive at both ends (ARX writes closed ranges such as `20-24`, the
 * interval generalization half-open ones such as `20-25`), brackets are taken as written.
 */
export function labelContains(label: string, v: number): boolean | undefined {
  const r = RANGE.exec(label);
  // `lo-hi` with lo above hi is not a range but something like a month (2025-02).
  if (r !== null && Number(r[1]) <= Number(r[2])) return Number(r[1]) <= v && v <= Number(r[2]);
  const b = BRACKETS.exec(label);
  if (b !== null) {
    const lo = Number(b[2]);
    const hi = Number(b[3]);
    return (b[1] === '[' ? v >= lo : v > lo) && (b[4] === ']' ? v <= hi : v < hi);
  }
  const c = BOUND.exec(label);
  if (c === null) return undefined;
  const x = Number(c[2]);
  switch (c[1]) {
    case '<':
      return v < x;
    case '<=':
    case '≤':
      return v <= x;
    case '>':
      return v > x;
    default:
      return v >= x;
  }
}

/**
 * The first problem (in the order of `values`) between a hierarchy and the distinct values of
 * its column, or undefined when every value has a label at every level and every range-like
 * label contains its value. A value map counts as covering only the values it names (falling to
 * `otherwise` is reported); null is covered (it stays null below the top `*`). Refuses a
 * hierarchy that does not compile, as {@link compileLevels} does.
 */
export function findHierarchyProblem(
  spec: HierarchyInput,
  type: ColumnType,
  values: Iterable<CellValue>,
  column = 'column',
): HierarchyProblem | undefined {
  const levels = compileLevels(spec, type, column);
  // Per level, the value maps' keys: a map labels only what it names.
  const mapKeys: Array<ReadonlySet<string> | undefined> = [undefined];
  if (!isTable(spec))
    for (const g of spec as readonly Generalization[])
      mapKeys.push(g.method === 'map' ? new Set(Object.keys(g.map)) : undefined);
  const top = levels.length - 1;
  for (const value of values) {
    if (value === null) continue;
    const v = numericValue(value);
    for (let level = 1; level < top; level++) {
      let label: CellValue;
      try {
        label = levels[level](value);
      } catch (e) {
        if (e instanceof DeidentificationError) return { column, reason: 'UNCOVERED', value, level };
        throw e;
      }
      const keys = mapKeys[level];
      if (keys !== undefined) {
        // The map reads the previous level's label (or the raw value at level 1).
        const input = canonicalString(level === 1 ? value : levels[level - 1](value));
        if (input === null || !keys.has(input)) return { column, reason: 'UNCOVERED', value, level };
      }
      if (v !== undefined && typeof label === 'string' && labelContains(label, v) === false) {
        return { column, reason: 'LABEL_OUTSIDE_RANGE', value, level, label };
      }
    }
  }
  return undefined;
}

/**
 * The first problem between the hierarchies of `quasiIdentifiers` (in that order) and the values
 * of a frequency table (each column's values in natural order), or undefined when all fit. For
 * a column counted at a base level above 0 the table keeps one raw value per base label, so only
 * those are checked (the builder already refused a value without a label at the base level).
 * Refuses a quasi-identifier the table does not have (DEID_UNKNOWN_COLUMN).
 */
export function findTableHierarchyProblem(
  table: FrequencyTable,
  quasiIdentifiers: ReadonlyArray<{ name: string; type: ColumnType; hierarchy: HierarchyInput }>,
): HierarchyProblem | undefined {
  for (const qi of quasiIdentifiers) {
    const column = table.quasiIdentifiers.find((c) => c.name === qi.name);
    if (column === undefined) {
      throw deidError(
        DeidErrorCode.UNKNOWN_COLUMN,
        `The quasi-identifier "${qi.name}" is not a column of the frequency table.`,
      );
    }
    const problem = findHierarchyProblem(qi.hierarchy, qi.type, column.representatives, qi.name);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/**
 * Refuses a problem found by {@link findHierarchyProblem}: DEID_HIERARCHY_INCOMPLETE or
 * DEID_HIERARCHY_LABEL_MISMATCH, naming the column and level, never the value.
 */
export function refuseHierarchyProblem(problem: HierarchyProblem): never {
  if (problem.reason === 'UNCOVERED') throw uncovered(problem.column, problem.level);
  throw deidError(
    DeidErrorCode.HIERARCHY_LABEL_MISMATCH,
    `Quasi-identifier "${problem.column}": a label at level ${problem.level} of its hierarchy reads as a range that does not contain a value it labels.`,
  );
}
