/**
 * Validation of a parsed grant against the schemas of the datasets it names: every column
 * exists, no direct identifier leaves raw, each transform fits its column's type, filters and
 * k-anonymity name real columns. Problems carry a code and a path, never a value.
 */
import type { ColumnSchema as PublishedColumn, ColumnType } from '@maxhub/formats';
import { hierarchyHeight, type Predicate, type TransformSpec } from '@maxhub/deidentification';
import { ContractError, ContractErrorCode } from './contract.errors';
import { GRANT_SCHEMA_V2, type GrantDataset, type GrantDocument } from './grant';

/**
 * A column as the hub published it: its schema, and (when known) whether the publisher left it
 * unclassified and whether they overrode the hub's personal-data detection.
 */
export type GrantableColumn = PublishedColumn & {
  /** True when the publisher gave no class (the column got the default). */
  defaulted?: boolean;
  /** Set when the hub detected personal data of this kind and the publisher classed the column otherwise. */
  personalDataOverride?: { detectedKind: string };
};
/** A dataset version's columns as validation sees them. */
export interface GrantableSchema {
  columns: GrantableColumn[];
}
type ColumnSchema = GrantableColumn;

/** One problem found by `validateGrantAgainstSchemas`. */
export interface GrantProblem {
  code: ContractErrorCode;
  /** Where in the grant, e.g. "datasets[0].columns[2].transform". */
  path: string;
  /** A sentence naming the rule (column names may appear; data values never do). */
  message: string;
}

const NUMERIC: ReadonlySet<ColumnType> = new Set(['integer', 'decimal']);
const TEMPORAL: ReadonlySet<ColumnType> = new Set(['timestamp', 'date']);
/** The only treatments a DIRECT_IDENTIFIER may receive. */
const DIRECT_IDENTIFIER_TRANSFORMS: ReadonlySet<TransformSpec['kind']> = new Set(['drop', 'pseudonymize']);

/**
 * Checks a grant against the dataset schemas (keyed by dataset id) and returns every problem
 * found (empty when the grant is acceptable).
 */
export function validateGrantAgainstSchemas(
  doc: GrantDocument,
  schemasByDatasetId: ReadonlyMap<string, GrantableSchema>,
): GrantProblem[] {
  const problems: GrantProblem[] = [];
  if (!(Date.parse(doc.term.from) < Date.parse(doc.term.until))) {
    problems.push({
      code: ContractErrorCode.CONTRACT_TERM_INVALID,
      path: 'term',
      message: 'term.from must be before term.until',
    });
  }
  doc.datasets.forEach((ds, i) => {
    const schema = schemasByDatasetId.get(ds.datasetId);
    const at = `datasets[${i}]`;
    if (schema === undefined) {
      problems.push({
        code: ContractErrorCode.CONTRACT_DATASET_UNKNOWN,
        path: `${at}.datasetId`,
        message: 'the dataset has no known schema',
      });
      return;
    }
    problems.push(...validateDataset(ds, schema, at));
    if (doc.schema === GRANT_SCHEMA_V2) problems.push(...checkV2Dataset(ds, schema, at));
  });
  return problems;
}

/** Like `validateGrantAgainstSchemas`, but throws a ContractError for the first problem. */
export function assertGrantMatchesSchemas(
  doc: GrantDocument,
  schemasByDatasetId: ReadonlyMap<string, GrantableSchema>,
): void {
  const [first] = validateGrantAgainstSchemas(doc, schemasByDatasetId);
  if (first !== undefined) throw new ContractError(first.code, `${first.message} (at ${first.path})`);
}

function validateDataset(ds: GrantDataset, schema: GrantableSchema, at: string): GrantProblem[] {
  const problems: GrantProblem[] = [];
  const byName = new Map(schema.columns.map((c) => [c.name, c]));
  ds.columns.forEach((col, j) => {
    const path = `${at}.columns[${j}]`;
    const column = byName.get(col.name);
    if (column === undefined) {
      problems.push({
        code: ContractErrorCode.CONTRACT_UNKNOWN_COLUMN,
        path: `${path}.name`,
        message: `column "${col.name}" is not in the dataset schema`,
      });
      return;
    }
    problems.push(...checkTransform(col.transform, column, byName, `${path}.transform`));
  });
  (ds.rowFilter ?? []).forEach((p, j) =>
    problems.push(...checkPredicate(p, byName, `${at}.rowFilter[${j}]`)),
  );
  if (ds.kAnonymity !== undefined) problems.push(...checkKAnonymity(ds, byName, `${at}.kAnonymity`));
  return problems;
}

/**
 * The rules a v2 document adds, so that what the parties read is what leaves: each column's
 * class is the published one; a column published without a class is not released unchanged; a
 * publisher's override of a personal-data detection is written where the column is; and every
 * released quasi-identifier is counted by k-anonymity or excluded with a reason.
 */
function checkV2Dataset(ds: GrantDataset, schema: GrantableSchema, at: string): GrantProblem[] {
  const problems: GrantProblem[] = [];
  const byName = new Map<string, ColumnSchema>(schema.columns.map((c) => [c.name, c]));
  ds.columns.forEach((col, j) => {
    const path = `${at}.columns[${j}]`;
    const column = byName.get(col.name);
    if (column === undefined) return; // reported as CONTRACT_UNKNOWN_COLUMN
    if (col.class !== undefined && col.class !== column.class) {
      problems.push({
        code: ContractErrorCode.CONTRACT_COLUMN_CLASS_MISMATCH,
        path: `${path}.class`,
        message: `column "${column.name}" was published as ${column.class}, not ${col.class}`,
      });
    }
    if (column.defaulted === true && col.transform.kind === 'keep') {
      problems.push({
        code: ContractErrorCode.CONTRACT_UNCLASSIFIED_RAW,
        path: `${path}.transform`,
        message: `column "${column.name}" was published without a class, so it cannot be released unchanged: the publisher must class it, or the grant must treat it`,
      });
    }
    const detected = column.personalDataOverride?.detectedKind;
    if (detected !== col.personalDataOverride?.detectedKind) {
      problems.push({
        code: ContractErrorCode.CONTRACT_PERSONAL_DATA_OVERRIDE,
        path: `${path}.personalDataOverride`,
        message:
          detected === undefined
            ? `column "${column.name}" carries no personal-data override`
            : `the hub detected ${detected} in column "${column.name}" and the publisher classed it ${column.class}: the document must say so`,
      });
    }
  });

  const released = new Set(ds.columns.filter((c) => c.transform.kind !== 'drop').map((c) => c.name));
  const releasedQis = [...released].filter((n) => byName.get(n)?.class === 'QUASI_IDENTIFIER');
  const k = ds.kAnonymity;
  const counted = new Set(k === undefined ? [] : (k.quasiIdentifiers ?? releasedQis));
  const excluded = new Set<string>();
  (ds.quasiIdentifierExclusions ?? []).forEach((e, i) => {
    const path = `${at}.quasiIdentifierExclusions[${i}].column`;
    const why = !releasedQis.includes(e.column)
      ? `"${e.column}" is not a released QUASI_IDENTIFIER column`
      : excluded.has(e.column)
        ? `"${e.column}" is excluded twice`
        : counted.has(e.column)
          ? `"${e.column}" is both counted by k-anonymity and excluded from it`
          : null;
    if (why !== null)
      problems.push({ code: ContractErrorCode.CONTRACT_EXCLUSION_INVALID, path, message: why });
    excluded.add(e.column);
  });
  for (const q of releasedQis) {
    if (counted.has(q) || excluded.has(q)) continue;
    problems.push({
      code: ContractErrorCode.CONTRACT_QUASI_IDENTIFIER_UNCOUNTED,
      path: `${at}.columns[${ds.columns.findIndex((c) => c.name === q)}]`,
      message: `quasi-identifier "${q}" is released but not counted by k-anonymity: add it to the k-anonymity set, or exclude it with a reason`,
    });
  }
  return problems;
}

function mismatch(path: string, what: string, column: ColumnSchema): GrantProblem {
  return {
    code: ContractErrorCode.CONTRACT_TRANSFORM_TYPE_MISMATCH,
    path,
    message: `${what} cannot apply to column "${column.name}" of type ${column.type}`,
  };
}

function checkTransform(
  t: TransformSpec,
  column: ColumnSchema,
  byName: Map<string, ColumnSchema>,
  path: string,
): GrantProblem[] {
  if (column.class === 'DIRECT_IDENTIFIER' && !DIRECT_IDENTIFIER_TRANSFORMS.has(t.kind)) {
    return [
      {
        code: ContractErrorCode.CONTRACT_RAW_DIRECT_IDENTIFIER,
        path,
        message: `direct identifier "${column.name}" may only be dropped or pseudonymized`,
      },
    ];
  }
  switch (t.kind) {
    case 'drop':
    case 'keep':
    case 'pseudonymize':
      return [];
    case 'noise':
      return NUMERIC.has(column.type) ? [] : [mismatch(path, 'noise', column)];
    case 'shiftDate': {
      if (!TEMPORAL.has(column.type)) return [mismatch(path, 'a date shift', column)];
      return byName.has(t.entityColumn)
        ? []
        : [
            {
              code: ContractErrorCode.CONTRACT_UNKNOWN_COLUMN,
              path: `${path}.entityColumn`,
              message: `entity column "${t.entityColumn}" is not in the dataset schema`,
            },
          ];
    }
    case 'generalize': {
      const g = t.generalization;
      switch (g.method) {
        case 'time':
          if (!TEMPORAL.has(column.type)) return [mismatch(path, 'time generalization', column)];
          return column.type === 'date' && (g.level === 'minute' || g.level === 'hour')
            ? [mismatch(path, `generalization to the ${g.level}`, column)]
            : [];
        case 'interval':
        case 'round':
          return NUMERIC.has(column.type) ? [] : [mismatch(path, `${g.method} generalization`, column)];
        case 'prefix':
          return column.type === 'string' ? [] : [mismatch(path, 'prefix generalization', column)];
        case 'map':
          return column.type === 'string' || column.type === 'integer' || column.type === 'boolean'
            ? []
            : [mismatch(path, 'value-map generalization', column)];
      }
    }
  }
}

function checkPredicate(p: Predicate, byName: Map<string, ColumnSchema>, path: string): GrantProblem[] {
  const column = byName.get(p.column);
  if (column === undefined) {
    return [
      {
        code: ContractErrorCode.CONTRACT_FILTER_UNKNOWN_COLUMN,
        path: `${path}.column`,
        message: `filter column "${p.column}" is not in the dataset schema`,
      },
    ];
  }
  const bad = (): GrantProblem[] => [
    {
      code: ContractErrorCode.CONTRACT_FILTER_TYPE_MISMATCH,
      path,
      message: `filter "${p.op}" does not fit column "${column.name}" of type ${column.type}`,
    },
  ];
  const fits = (v: string | number | boolean): boolean => {
    if (NUMERIC.has(column.type))
      return typeof v === 'number' && (column.type === 'decimal' || Number.isInteger(v));
    if (column.type === 'boolean') return typeof v === 'boolean';
    if (TEMPORAL.has(column.type)) return typeof v === 'string' && !Number.isNaN(Date.parse(v));
    return typeof v === 'string';
  };
  switch (p.op) {
    case 'isNull':
    case 'notNull':
      return [];
    case 'prefix':
      return column.type === 'string' ? [] : bad();
    case 'eq':
    case 'ne':
      return fits(p.value) ? [] : bad();
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      return column.type !== 'boolean' && fits(p.value) ? [] : bad();
    case 'between':
      return column.type !== 'boolean' && fits(p.low) && fits(p.high) ? [] : bad();
    case 'in':
    case 'notIn':
      return p.values.every(fits) ? [] : bad();
  }
}

function checkKAnonymity(ds: GrantDataset, byName: Map<string, ColumnSchema>, path: string): GrantProblem[] {
  const spec = ds.kAnonymity;
  if (spec === undefined) return [];
  const released = new Set(ds.columns.filter((c) => c.transform.kind !== 'drop').map((c) => c.name));
  const problems: GrantProblem[] = [];
  const unknownQi = (p: string, name: string): GrantProblem => ({
    code: ContractErrorCode.CONTRACT_UNKNOWN_QUASI_IDENTIFIER,
    path: p,
    message: `quasi-identifier "${name}" is not a released column of the dataset`,
  });
  const qis =
    spec.quasiIdentifiers ?? [...released].filter((n) => byName.get(n)?.class === 'QUASI_IDENTIFIER');
  (spec.quasiIdentifiers ?? []).forEach((q, i) => {
    if (!released.has(q) || !byName.has(q)) problems.push(unknownQi(`${path}.quasiIdentifiers[${i}]`, q));
  });
  if (qis.length === 0) {
    problems.push({
      code: ContractErrorCode.CONTRACT_KANONYMITY_INVALID,
      path,
      message: 'k-anonymity needs at least one released quasi-identifier',
    });
  }
  const qiSet = new Set(qis);
  for (const q of Object.keys(spec.hierarchies ?? {})) {
    if (!qiSet.has(q)) problems.push(unknownQi(`${path}.hierarchies`, q));
  }
  if (Object.keys(spec.hierarchies ?? {}).length > 0) {
    // With hierarchies the level decides what is released, and the risk review counts the
    // values as released: a quasi-identifier is kept (or pseudonymized: one pseudonym per value,
    // and then it has no hierarchy but `*`), never transformed otherwise.
    const kindOf = new Map(ds.columns.map((c) => [c.name, c.transform.kind]));
    for (const q of qis) {
      const kind = kindOf.get(q);
      const hierarchy = spec.hierarchies?.[q];
      if (kind === undefined || kind === 'drop' || kind === 'keep') continue;
      if (kind !== 'pseudonymize' || (hierarchy !== undefined && hierarchy.length > 0)) {
        problems.push({
          code: ContractErrorCode.CONTRACT_KANONYMITY_INVALID,
          path: `${path}.hierarchies`,
          message: `quasi-identifier "${q}" must be kept (transform keep) when the grant gives hierarchies: its level decides what is released`,
        });
      }
    }
  }
  for (const [q, level] of Object.entries(spec.levels ?? {})) {
    if (!qiSet.has(q)) {
      problems.push(unknownQi(`${path}.levels`, q));
      continue;
    }
    // ARX's shapes: a QI without a hierarchy (or with an empty one) may still be suppressed
    // whole at its top level `*`, which is level hierarchy.length + 1.
    const top = hierarchyHeight(spec.hierarchies?.[q] ?? []) - 1;
    if (level > top) {
      problems.push({
        code: ContractErrorCode.CONTRACT_KANONYMITY_INVALID,
        path: `${path}.levels`,
        message: `level of "${q}" is outside its hierarchy`,
      });
    }
  }
  return problems;
}
