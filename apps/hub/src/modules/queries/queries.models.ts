import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';

export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(SortDirection, {
  name: 'SortDirection',
  description: 'Sort direction.',
  valuesMap: {
    ASC: { description: 'Smallest first (nulls last).' },
    DESC: { description: 'Largest first (nulls last).' },
  },
});

export enum PredicateOp {
  eq = 'eq',
  ne = 'ne',
  lt = 'lt',
  lte = 'lte',
  gt = 'gt',
  gte = 'gte',
  in = 'in',
  notIn = 'notIn',
  between = 'between',
  isNull = 'isNull',
  notNull = 'notNull',
  prefix = 'prefix',
}
registerEnumType(PredicateOp, {
  name: 'PredicateOp',
  description: 'Comparison of a structured predicate (never SQL text). Comparisons with null are false.',
  valuesMap: {
    eq: { description: 'Equal to `value`.' },
    ne: { description: 'Not equal to `value` (false on null).' },
    lt: { description: 'Less than `value`.' },
    lte: { description: 'Less than or equal to `value`.' },
    gt: { description: 'Greater than `value`.' },
    gte: { description: 'Greater than or equal to `value`.' },
    in: { description: 'One of `values`.' },
    notIn: { description: 'None of `values` (false on null).' },
    between: { description: 'Between `low` and `high`, inclusive.' },
    isNull: { description: 'The cell is empty.' },
    notNull: { description: 'The cell is not empty.' },
    prefix: { description: 'A string, date or timestamp starting with `value`.' },
  },
});

export enum ExportFormat {
  CSV = 'CSV',
  PARQUET = 'PARQUET',
  JSONL = 'JSONL',
}
registerEnumType(ExportFormat, {
  name: 'ExportFormat',
  description: 'File format of an export.',
  valuesMap: {
    CSV: { description: 'UTF-8 CSV with a header line.' },
    PARQUET: { description: 'Apache Parquet (SNAPPY), typed columns.' },
    JSONL: { description: 'JSON lines, one object per row.' },
  },
});

@InputType({ description: 'A structured predicate on one output column of the grant (never SQL text).' })
export class SlicePredicateInput {
  @Field({ description: 'An output column of the grant (de-identified values are compared).' })
  column!: string;

  @Field(() => PredicateOp, { description: 'The comparison.' })
  op!: PredicateOp;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description: 'Operand of eq, ne, lt, lte, gt, gte and prefix (a string: at most 1,000 characters).',
  })
  value?: unknown;

  @Field(() => [GraphQLJSON], {
    nullable: true,
    description: 'Operands of in and notIn (at most 1,000; strings of at most 1,000 characters).',
  })
  values?: unknown[];

  @Field(() => GraphQLJSON, { nullable: true, description: 'Lower bound of between.' })
  low?: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Upper bound of between.' })
  high?: unknown;
}

@InputType({ description: 'One sort key.' })
export class SliceOrderInput {
  @Field({ description: 'An output column of the grant.' })
  column!: string;

  @Field(() => SortDirection, { defaultValue: SortDirection.ASC, description: 'Direction (default ASC).' })
  direction!: SortDirection;
}

@ObjectType({ description: 'A column of a slice: its name and type after de-identification.' })
export class SliceColumn {
  @Field({ description: 'Column name.' })
  name!: string;

  @Field({
    description: 'Type of the released values: string, integer, decimal, boolean, date or timestamp.',
  })
  type!: string;
}

@ObjectType({ description: 'A page of a granted, de-identified slice.' })
export class SlicePage {
  @Field(() => [SliceColumn], { description: 'The columns returned, in order.' })
  columns!: SliceColumn[];

  @Field(() => [GraphQLJSONObject], { description: 'Rows, each one JSON object keyed by column name.' })
  rows!: Record<string, unknown>[];

  @Field(() => Int, { description: 'Rows in this page.' })
  rowsReturned!: number;

  @Field(() => String, {
    nullable: true,
    description: 'Pass as `after` with the same query for the next page; null when the view is exhausted.',
  })
  nextCursor!: string | null;

  @Field(() => Float, {
    description:
      'Rows of the dataset version withheld by k-anonymity (classes smaller than k) when the view was made.',
  })
  rowsSuppressed!: number;

  @Field(() => Float, { description: 'Rows of the dataset version excluded by the grant’s row filter.' })
  rowsFilteredByGrant!: number;

  @Field(() => Float, { description: 'Rows in the whole view (before your `where`).' })
  viewRowCount!: number;

  @Field(() => Int, { nullable: true, description: 'k of the view’s k-anonymity, if any.' })
  k!: number | null;

  @Field(() => ID, { description: 'The dataset version the view was made from.' })
  datasetVersionId!: string;

  @Field(() => Int, { description: 'The grant version that opened this slice.' })
  grantVersion!: number;

  @Field({ description: 'SHA-256 of the normalized query (as recorded in the audit log).' })
  queryHash!: string;
}

@ObjectType({ description: 'Where to download a whole granted view, through the hub.' })
export class SliceExport {
  @Field({
    description:
      'Path on this hub (e.g. /exports/…): GET it with the same bearer token. The stream stops if the grant ends.',
  })
  path!: string;

  @Field(() => ExportFormat, { description: 'File format.' })
  format!: ExportFormat;

  @Field({ description: 'The path stops working after this time.' })
  expiresAt!: Date;

  @Field(() => Float, { description: 'Rows the export will hold.' })
  rowCount!: number;
}
