/**
 * The compiled per-dataset pipeline: one grant's transforms, row filter and fixed k-anonymity
 * levels, compiled once into closures so that applying it to a row is a loop over columns with no
 * parsing, no key derivation and no allocation beyond the output row.
 */
import type { CellValue, ColumnType, Row } from '@maxhub/formats';
import { canonicalString } from './canonical';
import { DeidErrorCode, deidError } from './errors';
import { compileGeneralization, generalizedType } from './generalize';
import { compileLevels, hierarchyHeight, parseHierarchy, type HierarchyInput } from './hierarchy';
import { encodeClassKey, type ClassifyingPipeline } from './k-anonymity';
import { assertMasterSecret, deriveKey } from './keys';
import { createNoiser } from './noise';
import { compilePredicates } from './predicates';
import { createPseudonymizer, type PseudonymEncoding } from './pseudonymize';
import { createDateShifter } from './shift-date';
import { TransformSpecSchema, type TransformSpec } from './spec';

/** One input column and the transform the grant names for it. */
export interface PipelineColumn {
  name: string;
  type: ColumnType;
  /** A TransformSpec; parsed (never trusted) at compile time. */
  transform: unknown;
}

/**
 * Fixed-level k-anonymity, resolved by the caller (quasi-identifiers are the keys of `levels`).
 * A QI's level 0 is its column transform's output; level i ≥ 1 is level i of its hierarchy
 * (a list of generalizations: `hierarchies[qi][i-1]` applied to the raw value, then `*` at
 * `length + 1`; or a value table, see spec.ts). A QI with a hierarchy (a non-empty list or a
 * table) must be kept (`keep`), so that its level, not another transform, decides what is
 * released. The top level `*` is always allowed, with or without a hierarchy.
 */
export interface ResolvedKAnonymity {
  k: number;
  suppressionLimit: number;
  levels: Record<string, number>;
  hierarchies?: Record<string, HierarchyInput>;
}

/** What compilePipeline needs. */
export interface PipelineOptions {
  /** The hub's master secret, ≥ 32 bytes; required even when no transform is keyed (fail closed). */
  masterSecret: Buffer | null | undefined;
  grantId: string;
  columns: readonly PipelineColumn[];
  /** Row filter on raw columns (AND). */
  rowFilter?: readonly unknown[];
  kAnonymity?: ResolvedKAnonymity;
  /** Pseudonym alphabet (default hex). */
  pseudonymEncoding?: PseudonymEncoding;
  /** Bound of each distinct-value cache (default 100,000). */
  cacheSize?: number;
}

/** A column of the de-identified output. */
export interface OutputColumn {
  name: string;
  type: ColumnType;
}

/** The compiled pipeline. */
export interface CompiledPipeline extends ClassifyingPipeline {
  /** Output columns in input order; dropped columns absent. */
  readonly outputSchema: readonly OutputColumn[];
  /** Released quasi-identifiers (empty without k-anonymity). */
  readonly quasiIdentifiers: readonly string[];
  readonly kAnonymity?: { k: number; suppressionLimit: number; levels: Record<string, number> };
  /** The de-identified row, or null when the row filter rejects it (no k-anonymity suppression here). */
  apply(row: Row, rowIndex: number): Row | null;
  /** Pass 1 of k-anonymity: the class key of a raw row (null when filtered out); computes only the QIs. */
  classKey(row: Row, rowIndex: number): string | null;
  /** The class key of an output row of `apply`. */
  classKeyOf(output: Row): string;
  /** Raw columns {@link apply}/{@link applyBatch} read (outputs' sources, filter and entity columns). */
  readonly inputColumns: readonly string[];
  /** Raw columns {@link classKey}/{@link countBatch} read (the QIs' sources and filter columns). */
  readonly classKeyColumns: readonly string[];
  /**
   * Columnar {@link apply}: for each of `length` rows given by column (`columns[name][i]`, at
   * least {@link inputColumns}) that passes the row filter, calls `emit` with its output values
   * in {@link outputSchema} order and its row index. `emit` gets ONE reused array: copy what it
   * keeps. Row i has row index `firstRowIndex + i` (noise depends on it, and so does the view's
   * row order). Returns the number of rows emitted.
   * `passed`, when given, is this pipeline's {@link filterMask} of the same rows (not recomputed).
   */
  applyBatch(
    columns: Readonly<Record<string, readonly CellValue[]>>,
    length: number,
    firstRowIndex: number,
    emit: (values: readonly CellValue[], rowIndex: number) => void,
    passed?: Uint8Array,
  ): number;
  /** Columnar {@link classKey}: adds the class key of every row passing the filter to `counter`. */
  countBatch(
    columns: Readonly<Record<string, readonly CellValue[]>>,
    length: number,
    firstRowIndex: number,
    counter: { add(key: string | null): void },
  ): void;
  /** Position of each of {@link quasiIdentifiers} in the output values of {@link applyBatch}. */
  readonly quasiIdentifierPositions: readonly number[];
  /** Raw columns the row filter reads (empty without a filter). */
  readonly rowFilterColumns: readonly string[];
  /** 1 for each of `length` rows (given by column, at least {@link rowFilterColumns}) the row filter passes, else 0. */
  filterMask(columns: Readonly<Record<string, readonly CellValue[]>>, length: number): Uint8Array;
}

type CellFn = (row: Row, rowIndex: number) => CellValue;

interface CompiledColumn {
  name: string;
  type: ColumnType;
  fn: CellFn;
  /** Raw columns `fn` reads. */
  reads: string[];
  /** `fn` on the value of its one read column, when it reads only that (the columnar fast path). */
  cell?: (value: CellValue, rowIndex: number) => CellValue;
}

function parseTransform(column: string, raw: unknown): TransformSpec {
  const parsed = TransformSpecSchema.safeParse(raw);
  if (!parsed.success)
    throw deidError(DeidErrorCode.INVALID_SPEC, `Column "${column}": the transform is not valid.`);
  return parsed.data;
}

function compileColumn(
  col: PipelineColumn,
  spec: TransformSpec,
  types: Readonly<Record<string, ColumnType>>,
  options: PipelineOptions,
): CompiledColumn | null {
  const { name, type } = col;
  switch (spec.kind) {
    case 'drop':
      return null;
    case 'keep':
      return { name, type, reads: [name], fn: (row) => row[name] ?? null, cell: (v) => v };
    case 'pseudonymize': {
      const key = deriveKey(options.masterSecret, options.grantId, 'pseudonym', name);
      const p = createPseudonymizer(key, {
        bits: spec.bits,
        encoding: options.pseudonymEncoding ?? 'hex',
        cacheSize: options.cacheSize,
      });
      return { name, type: 'string', reads: [name], fn: (row) => p(row[name]), cell: (v) => p(v) };
    }
    case 'generalize': {
      const g = compileGeneralization(spec.generalization, type, name);
      return {
        name,
        type: generalizedType(spec.generalization, type),
        reads: [name],
        fn: (row) => g(row[name]),
        cell: (v) => g(v),
      };
    }
    case 'shiftDate': {
      if (type !== 'date' && type !== 'timestamp') {
        throw deidError(
          DeidErrorCode.TRANSFORM_TYPE,
          `Column "${name}": a date shift needs a date or timestamp column.`,
        );
      }
      const entity = spec.entityColumn;
      if (!Object.hasOwn(types, entity)) {
        throw deidError(
          DeidErrorCode.UNKNOWN_COLUMN,
          `Column "${name}": its date shift names an entity column that is not in the dataset.`,
        );
      }
      // Keyed by the entity column, not the date column: all dates of one entity move together.
      const key = deriveKey(options.masterSecret, options.grantId, 'shift-date', entity);
      const shift = createDateShifter(key, spec.maxDays, type, name, spec.timeOfDay);
      return {
        name,
        type,
        reads: [name, entity],
        fn: (row, rowIndex) => shift(row[name], row[entity], rowIndex),
      };
    }
    case 'noise': {
      const key = deriveKey(options.masterSecret, options.grantId, 'noise', name);
      const noise = createNoiser(key, spec, type, name);
      return {
        name,
        type,
        reads: [name],
        fn: (row, rowIndex) => noise(row[name], rowIndex),
        cell: (v, rowIndex) => noise(v, rowIndex),
      };
    }
  }
}

function resolveKAnonymity(
  settings: ResolvedKAnonymity,
  specs: ReadonlyMap<string, TransformSpec>,
  compiled: CompiledColumn[],
  types: Readonly<Record<string, ColumnType>>,
): string[] {
  const { k, suppressionLimit, levels } = settings;
  if (!Number.isInteger(k) || k < 2)
    throw deidError(DeidErrorCode.INVALID_SPEC, 'k must be an integer of at least 2.');
  if (!(suppressionLimit >= 0 && suppressionLimit <= 0.5)) {
    throw deidError(DeidErrorCode.INVALID_SPEC, 'The suppression limit must lie in 0..0.5.');
  }
  const released: string[] = [];
  for (const [qi, level] of Object.entries(levels)) {
    const spec = specs.get(qi);
    if (spec === undefined) {
      throw deidError(
        DeidErrorCode.UNKNOWN_COLUMN,
        `The quasi-identifier "${qi}" is not a column of the dataset.`,
      );
    }
    const hierarchy = parseHierarchy(settings.hierarchies?.[qi] ?? [], qi);
    if (!Number.isInteger(level) || level < 0 || level >= hierarchyHeight(hierarchy)) {
      throw deidError(
        DeidErrorCode.INVALID_SPEC,
        `Quasi-identifier "${qi}": the level lies outside its hierarchy.`,
      );
    }
    if (spec.kind === 'drop') continue; // not released, so not part of any class
    if ((!Array.isArray(hierarchy) || hierarchy.length > 0) && spec.kind !== 'keep') {
      throw deidError(
        DeidErrorCode.INVALID_SPEC,
        `Quasi-identifier "${qi}": a column with a hierarchy must be kept, its level decides.`,
      );
    }
    released.push(qi);
    if (level === 0) continue;
    const column = compiled.find((c) => c.name === qi)!;
    const g = compileLevels(hierarchy, types[qi], qi)[level];
    column.type = 'string';
    column.reads = [qi];
    column.cell = (value) => {
      const v = g(value);
      return typeof v === 'string' || v === null ? v : canonicalString(v);
    };
    const cell = column.cell;
    column.fn = (row) => cell(row[qi] ?? null, 0);
  }
  return released;
}

/**
 * Compiles a grant's de-identification of one dataset. Refuses a missing or short master secret
 * (DEID_KEY_MISSING, DEID_KEY_TOO_SHORT), a duplicate column (DEID_DUPLICATE_COLUMN), an invalid
 * transform or k-anonymity setting (DEID_INVALID_SPEC), a transform that does not fit its column
 * (DEID_TRANSFORM_TYPE), a hierarchy that does not nest (DEID_HIERARCHY_NOT_MONOTONE), and row
 * filters that name unknown columns or mistype them (DEID_UNKNOWN_COLUMN, DEID_PREDICATE_TYPE).
 */
export function compilePipeline(options: PipelineOptions): CompiledPipeline {
  assertMasterSecret(options.masterSecret);
  const types: Record<string, ColumnType> = Object.create(null) as Record<string, ColumnType>;
  for (const col of options.columns) {
    if (Object.hasOwn(types, col.name)) {
      throw deidError(DeidErrorCode.DUPLICATE_COLUMN, `Column "${col.name}" is listed twice.`);
    }
    types[col.name] = col.type;
  }
  const specs = new Map<string, TransformSpec>();
  const compiled: CompiledColumn[] = [];
  for (const col of options.columns) {
    const spec = parseTransform(col.name, col.transform);
    specs.set(col.name, spec);
    const c = compileColumn(col, spec, types, options);
    if (c !== null) compiled.push(c);
  }
  const filter =
    options.rowFilter && options.rowFilter.length > 0 ? compilePredicates(options.rowFilter, types) : null;
  const ka = options.kAnonymity;
  const quasiIdentifiers = ka === undefined ? [] : resolveKAnonymity(ka, specs, compiled, types);

  const names = compiled.map((c) => c.name);
  const fns = compiled.map((c) => c.fn);
  const n = fns.length;
  const qiFns = quasiIdentifiers.map((q) => compiled.find((c) => c.name === q)!.fn);
  const qiCount = qiFns.length;
  const qiValues: CellValue[] = new Array<CellValue>(qiCount).fill(null);

  const filterColumns = (options.rowFilter ?? []).map((p) => (p as { column: string }).column);
  const unique = (xs: string[]): string[] => [...new Set(xs)];
  const inputColumns = unique([...compiled.flatMap((c) => c.reads), ...filterColumns]);
  const classKeyColumns = unique([
    ...quasiIdentifiers.flatMap((q) => compiled.find((c) => c.name === q)!.reads),
    ...filterColumns,
  ]);
  const quasiIdentifierPositions = quasiIdentifiers.map((q) => names.indexOf(q));
  const cellFns = compiled.every((c) => c.cell !== undefined) ? compiled.map((c) => c.cell!) : null;
  const cellSources = compiled.map((c) => c.reads[0]);
  const batchSources = (columns: Readonly<Record<string, readonly CellValue[]>>) =>
    cellSources.map((c) => {
      const a = columns[c];
      if (a === undefined) throw deidError(DeidErrorCode.INVALID_ARGUMENT, `The batch lacks column "${c}".`);
      return a;
    });
  const values: CellValue[] = new Array<CellValue>(n).fill(null);
  /** A reused row over the batch's columns: the compiled closures read it, nothing keeps it. */
  const rowView = (
    columns: Readonly<Record<string, readonly CellValue[]>>,
    read: readonly string[],
  ): { row: Row; load: (i: number) => void } => {
    const arrays = read.map((c) => {
      const a = columns[c];
      if (a === undefined) throw deidError(DeidErrorCode.INVALID_ARGUMENT, `The batch lacks column "${c}".`);
      return a;
    });
    const row: Row = {};
    for (const c of read) row[c] = null;
    const m = read.length;
    return {
      row,
      load: (i) => {
        for (let j = 0; j < m; j++) row[read[j]] = arrays[j][i] ?? null;
      },
    };
  };

  const requireK = (): void => {
    if (ka === undefined)
      throw deidError(DeidErrorCode.INVALID_ARGUMENT, 'The pipeline has no k-anonymity settings.');
  };

  return {
    outputSchema: compiled.map((c) => ({ name: c.name, type: c.type })),
    quasiIdentifiers,
    ...(ka === undefined
      ? {}
      : { kAnonymity: { k: ka.k, suppressionLimit: ka.suppressionLimit, levels: { ...ka.levels } } }),
    apply(row, rowIndex) {
      if (filter !== null && !filter(row)) return null;
      const out: Row = {};
      for (let i = 0; i < n; i++) out[names[i]] = fns[i](row, rowIndex);
      return out;
    },
    classKey(row, rowIndex) {
      requireK();
      if (filter !== null && !filter(row)) return null;
      for (let i = 0; i < qiCount; i++) qiValues[i] = qiFns[i](row, rowIndex);
      return encodeClassKey(qiValues);
    },
    inputColumns,
    classKeyColumns,
    quasiIdentifierPositions,
    rowFilterColumns: unique(filterColumns),
    filterMask(columns, length) {
      const mask = new Uint8Array(length);
      if (filter === null) return mask.fill(1);
      const { row, load } = rowView(columns, unique(filterColumns));
      for (let r = 0; r < length; r++) {
        load(r);
        if (filter(row)) mask[r] = 1;
      }
      return mask;
    },
    applyBatch(columns, length, firstRowIndex, emit, passed) {
      if (cellFns !== null && passed !== undefined) {
        const sources = batchSources(columns);
        let out = 0;
        for (let r = 0; r < length; r++) {
          if (passed[r] === 0) continue;
          const rowIndex = firstRowIndex + r;
          for (let i = 0; i < n; i++) values[i] = cellFns[i](sources[i][r] ?? null, rowIndex);
          emit(values, rowIndex);
          out++;
        }
        return out;
      }
      if (cellFns !== null) {
        // Columnar fast path: every output is a function of one column's value. The filter
        // still sees a row, of its own columns only.
        const sources = batchSources(columns);
        const view = filter === null ? null : rowView(columns, filterColumns);
        let out = 0;
        for (let r = 0; r < length; r++) {
          if (view !== null) {
            view.load(r);
            if (!filter!(view.row)) continue;
          }
          const rowIndex = firstRowIndex + r;
          for (let i = 0; i < n; i++) values[i] = cellFns[i](sources[i][r] ?? null, rowIndex);
          emit(values, rowIndex);
          out++;
        }
        return out;
      }
      const { row, load } = rowView(columns, inputColumns);
      let emitted = 0;
      for (let r = 0; r < length; r++) {
        load(r);
        if (filter !== null && !filter(row)) continue;
        const rowIndex = firstRowIndex + r;
        for (let i = 0; i < n; i++) values[i] = fns[i](row, rowIndex);
        emit(values, rowIndex);
        emitted++;
      }
      return emitted;
    },
    countBatch(columns, length, firstRowIndex, counter) {
      requireK();
      const { row, load } = rowView(columns, classKeyColumns);
      for (let r = 0; r < length; r++) {
        load(r);
        if (filter !== null && !filter(row)) continue;
        for (let i = 0; i < qiCount; i++) qiValues[i] = qiFns[i](row, firstRowIndex + r);
        counter.add(encodeClassKey(qiValues));
      }
    },
    classKeyOf(output) {
      requireK();
      for (let i = 0; i < qiCount; i++) qiValues[i] = output[quasiIdentifiers[i]] ?? null;
      return encodeClassKey(qiValues);
    },
  };
}
