/**
 * Structured row predicates (never SQL text), used for a grant's row filter on raw columns and for
 * an analyst's `where` on de-identified columns. Comparison is typed by the column:
 * - integer/decimal: numerically; operands must be numbers;
 * - boolean: only eq, ne, in, notIn (and the null tests); operands must be booleans;
 * - string: by UTF-16 code units (JavaScript string order); operands must be strings; `prefix` allowed;
 * - date: operands must be `YYYY-MM-DD`; timestamp: operands must be ISO timestamps. Both cell and
 *   operand are normalized to canonical UTC ISO strings (`…T…:…:….mmmZ`), whose string order is
 *   time order. `prefix` on a date or timestamp compares the text as written (`"2025-02"`).
 * SQL-like null semantics: every comparison with a null cell is false (`ne` and `notIn` too);
 * only `isNull` holds. A cell of the wrong shape compares false as well (fail closed), except
 * `notNull`, which it satisfies.
 */
import type { ColumnType, Row } from '../../formats/src/schema';
import { DeidErrorCode, deidError } from './errors';
import {
  MAX_PREDICATE_STRING,
  MAX_PREDICATE_VALUES,
  MAX_PREDICATES,
  PredicateSchema,
  type Predicate,
} from './spec';
import { formatDate, formatTimestamp, parseIso } from './time';

/** A compiled row test. */
export type RowPredicate = (row: Row) => boolean;

type Comparable = string | number | boolean;
type Normalize = (v: unknown) => Comparable | undefined;

const numberCell: Normalize = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const booleanCell: Normalize = (v) => (typeof v === 'boolean' ? v : undefined);
const stringCell: Normalize = (v) => (typeof v === 'string' ? v : undefined);
const dateCell: Normalize = (v) => {
  if (typeof v !== 'string') return undefined;
  const f = parseIso(v, true);
  return f === null ? undefined : formatDate(f);
};
const timestampCell: Normalize = (v) => {
  if (typeof v !== 'string') return undefined;
  const f = parseIso(v);
  return f === null ? undefined : formatTimestamp(f);
};

function normalizerOf(type: ColumnType): Normalize {
  switch (type) {
    case 'integer':
    case 'decimal':
      return numberCell;
    case 'boolean':
      return booleanCell;
    case 'string':
      return stringCell;
    case 'date':
      return dateCell;
    case 'timestamp':
      return timestampCell;
  }
}

function columnTypeOf(columnTypes: Readonly<Record<string, ColumnType>>, column: string): ColumnType {
  if (!Object.hasOwn(columnTypes, column)) {
    throw deidError(
      DeidErrorCode.UNKNOWN_COLUMN,
      `A predicate names column "${column}", which is not in the dataset.`,
    );
  }
  return columnTypes[column];
}

function compileOne(p: Predicate, columnTypes: Readonly<Record<string, ColumnType>>): RowPredicate {
  const column = p.column;
  const type = columnTypeOf(columnTypes, column);
  const norm = normalizerOf(type);
  const mismatch = (what: string): never => {
    throw deidError(DeidErrorCode.PREDICATE_TYPE, `A predicate on column "${column}" (${type}): ${what}`);
  };
  const operand = (v: unknown): Comparable => {
    const n = norm(v);
    if (n === undefined) mismatch('an operand does not have the column type.');
    return n!;
  };
  const cell = (row: Row): Comparable | undefined => {
    const v = row[column];
    return v === null || v === undefined ? undefined : norm(v);
  };
  const ordered = type !== 'boolean';
  switch (p.op) {
    case 'isNull':
      return (row) => row[column] === null || row[column] === undefined;
    case 'notNull':
      return (row) => row[column] !== null && row[column] !== undefined;
    case 'eq': {
      const x = operand(p.value);
      return (row) => cell(row) === x;
    }
    case 'ne': {
      const x = operand(p.value);
      return (row) => {
        const c = cell(row);
        return c !== undefined && c !== x;
      };
    }
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      if (!ordered) mismatch('booleans have no order.');
      const x = operand(p.value);
      const op = p.op;
      return (row) => {
        const c = cell(row);
        if (c === undefined) return false;
        return op === 'lt' ? c < x : op === 'lte' ? c <= x : op === 'gt' ? c > x : c >= x;
      };
    }
    case 'between': {
      if (!ordered) mismatch('booleans have no order.');
      const lo = operand(p.low);
      const hi = operand(p.high);
      return (row) => {
        const c = cell(row);
        return c !== undefined && c >= lo && c <= hi;
      };
    }
    case 'in':
    case 'notIn': {
      const set = new Set(p.values.map(operand));
      const want = p.op === 'in';
      return (row) => {
        const c = cell(row);
        return c !== undefined && set.has(c) === want;
      };
    }
    case 'prefix': {
      if (type !== 'string' && type !== 'date' && type !== 'timestamp')
        mismatch('prefix needs a string, date or timestamp column.');
      const x = p.value;
      return (row) => {
        const v = row[column];
        return typeof v === 'string' && v.startsWith(x);
      };
    }
  }
}

/** Known fields of a predicate, for naming the one a refusal is about (never echoing caller text). */
const PREDICATE_FIELDS = new Set(['column', 'op', 'value', 'values', 'low', 'high']);

/**
 * What is wrong with a predicate, naming its field and what was expected, in words of our own:
 * zod's messages are not used, since some quote what the caller sent.
 */
function predicateProblem(issue: { path: PropertyKey[]; code: string; keys?: string[] } | undefined): string {
  const field =
    typeof issue?.path[0] === 'string' && PREDICATE_FIELDS.has(issue.path[0]) ? issue.path[0] : undefined;
  if (issue?.code === 'unrecognized_keys')
    return 'it has a field a predicate does not take (fields: column, op, and value, values, or low and high).';
  if (field === 'op' || (!field && issue?.code === 'invalid_union'))
    return '`op` must be one of eq, ne, lt, lte, gt, gte, in, notIn, between, isNull, notNull, prefix.';
  if (field === 'column') return '`column` must be a column name of 1 to 128 characters.';
  if (field === 'values')
    return `\`values\` must be a list of 1 to ${MAX_PREDICATE_VALUES} strings (at most ${MAX_PREDICATE_STRING} characters), finite numbers or booleans.`;
  if (field)
    return `\`${field}\` must be a string of at most ${MAX_PREDICATE_STRING} characters, a finite number or a boolean${field === 'value' ? ' (for prefix: a string)' : ''}.`;
  return 'it must be an object with `column`, `op` and the operands its op takes.';
}

/**
 * Compiles a list of predicates (their AND) against the column types of the rows it will see.
 * Refuses more than `maxPredicates` (default MAX_PREDICATES) before looking at any of them
 * (DEID_TOO_MANY_PREDICATES: a hostile list costs nothing to refuse), a predicate that does not
 * parse (DEID_INVALID_SPEC), an unknown column (DEID_UNKNOWN_COLUMN) and an operator or operand
 * that does not fit the type (DEID_PREDICATE_TYPE). An empty list accepts every row.
 */
export function compilePredicates(
  predicates: readonly unknown[],
  columnTypes: Readonly<Record<string, ColumnType>>,
  opts: { maxPredicates?: number } = {},
): RowPredicate {
  const max = Math.min(opts.maxPredicates ?? MAX_PREDICATES, MAX_PREDICATES);
  if (predicates.length > max) {
    throw deidError(
      DeidErrorCode.TOO_MANY_PREDICATES,
      `The filter has ${predicates.length} predicates; at most ${max} are allowed.`,
    );
  }
  const tests = predicates.map((raw, i) => {
    const parsed = PredicateSchema.safeParse(raw);
    if (!parsed.success) {
      throw deidError(
        DeidErrorCode.INVALID_SPEC,
        `Predicate #${i + 1}: ${predicateProblem(parsed.error.issues[0])}`,
      );
    }
    return compileOne(parsed.data, columnTypes);
  });
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0];
  return (row) => {
    for (const t of tests) if (!t(row)) return false;
    return true;
  };
}
