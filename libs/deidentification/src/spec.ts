/**
 * What a grant may say about a column and a row: the transform specs and structured predicates.
 * These are parsed (never trusted) with zod: an unknown transform, an unknown key or a parameter
 * out of range is an error, never ignored (fail closed).
 */
import { z } from 'zod';

/** Levels a timestamp or date may be generalized to, finest first. */
export const TIME_LEVELS = ['minute', 'hour', 'day', 'week', 'month', 'year'] as const;
export type TimeLevel = (typeof TIME_LEVELS)[number];

const finite = z.number().finite();

/** Generalization hierarchies. */
export const GeneralizationSchema = z.discriminatedUnion('method', [
  /** Truncate a timestamp/date to a level. */
  z.strictObject({ method: z.literal('time'), level: z.enum(TIME_LEVELS) }),
  /** Number → half-open interval [lo, lo+width) rendered "lo-hi", optionally top/bottom coded. */
  z.strictObject({
    method: z.literal('interval'),
    width: finite.positive(),
    bottom: finite.optional(),
    top: finite.optional(),
  }),
  /** Round a number to a number of decimal digits (may be negative: 1234 → 1200 at -2). */
  z.strictObject({ method: z.literal('round'), digits: z.number().int().min(-12).max(12) }),
  /** Keep the first `keep` characters of a string and mask the rest with '*'. */
  z.strictObject({ method: z.literal('prefix'), keep: z.number().int().min(0).max(64) }),
  /** Replace by a value map supplied in the grant (e.g. line → plant → region); unmapped values become `otherwise`. */
  z.strictObject({
    method: z.literal('map'),
    map: z.record(z.string().max(200), z.string().max(200)),
    otherwise: z.string().max(200).default('*'),
  }),
]);
export type Generalization = z.infer<typeof GeneralizationSchema>;

/** Most levels a hierarchy may add above the raw value (the top `*` included when written out). */
export const MAX_HIERARCHY_LEVELS = 8;
/** Most rows of a value-table hierarchy (one per raw value). */
export const MAX_HIERARCHY_TABLE_ROWS = 10_000;

/**
 * A hierarchy written out value by value, the shape of ARX's CSV hierarchies: each row is a raw
 * value (compared by its canonical string, see canonical.ts) followed by its label at level 1,
 * 2, …; all rows have the same length. When the last column holds only `*` it is the top level;
 * otherwise a `*` level is added above it, as for a list of generalizations. A table of one
 * column (raw values only) therefore has the levels raw and `*`.
 */
export const ValueTableHierarchySchema = z.strictObject({
  method: z.literal('table'),
  rows: z
    .array(
      z
        .array(z.string().max(200))
        .min(1)
        .max(MAX_HIERARCHY_LEVELS + 1),
    )
    .min(1)
    .max(MAX_HIERARCHY_TABLE_ROWS),
});
export type ValueTableHierarchy = z.infer<typeof ValueTableHierarchySchema>;

/**
 * A generalization hierarchy of one quasi-identifier: either the levels above the raw value as
 * generalizations (level i applies the i-th; an implicit `*` level ends it; an empty list is an
 * attribute whose only generalization is `*`), or an explicit value table.
 */
export const HierarchySpecSchema = z.union([
  z.array(GeneralizationSchema).max(MAX_HIERARCHY_LEVELS),
  ValueTableHierarchySchema,
]);
export type HierarchySpec = z.infer<typeof HierarchySpecSchema>;

/** A per-column transform named by a grant. Columns the grant does not name are dropped. */
export const TransformSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('drop') }),
  /** Raw value passes; refused for DIRECT_IDENTIFIER columns by the contract validator. */
  z.strictObject({ kind: z.literal('keep') }),
  /** Keyed HMAC-SHA256 pseudonym, per grant and column; `bits` ≥ 128. */
  z.strictObject({ kind: z.literal('pseudonymize'), bits: z.number().int().min(128).max(256).default(128) }),
  z.strictObject({ kind: z.literal('generalize'), generalization: GeneralizationSchema }),
  /** Shift dates/timestamps by a per-entity offset within ±maxDays; `entityColumn` names the entity. */
  z.strictObject({
    kind: z.literal('shiftDate'),
    maxDays: z.number().int().min(1).max(3650),
    entityColumn: z.string().min(1).max(128),
    /**
     * What happens to a timestamp's time of day (a `date` column has none: every mode leaves it
     * a date, shifted by whole days). Absent means `keep`: grants signed before this option keep
     * their meaning; the hub's drafts write it down (see {@link NEW_DRAFT_TIME_OF_DAY}).
     * - `keep`: kept to the millisecond, as written. The same in every grant, so exact times of
     *   day (with other released columns) can join two grants' rows.
     * - `truncate`: cut to the start of the UTC hour (`to: 'hour'`: minutes, seconds and
     *   milliseconds become 0) or of the UTC day (`to: 'day'`: 00:00:00.000).
     * - `jitter`: moved by a secret offset drawn for each row, uniform within ±`minutes` minutes at
     *   millisecond resolution, under the grant's key for the entity column (fixed per row: the
     *   same row always gets the same time). Intervals between an entity's events are then kept
     *   only to within 2 × `minutes`, and a time may cross midnight.
     * `truncate` and `jitter` write the canonical UTC form `YYYY-MM-DDTHH:MM:SS.sssZ`.
     */
    timeOfDay: z
      .discriminatedUnion('mode', [
        z.strictObject({ mode: z.literal('keep') }),
        z.strictObject({ mode: z.literal('truncate'), to: z.enum(['hour', 'day']) }),
        z.strictObject({ mode: z.literal('jitter'), minutes: z.number().int().min(1).max(720) }),
      ])
      .optional(),
  }),
  /** Add bounded noise to a number: uniform in [-magnitude, magnitude], or relative (fraction of |value|). */
  z.strictObject({
    kind: z.literal('noise'),
    magnitude: finite.positive(),
    relative: z.boolean().default(false),
    digits: z.number().int().min(0).max(12).optional(),
  }),
]);
export type TransformSpec = z.infer<typeof TransformSpecSchema>;
export type TransformKind = TransformSpec['kind'];

/** The time-of-day treatment of a date shift (`shiftDate.timeOfDay`). */
export type TimeOfDay = NonNullable<Extract<TransformSpec, { kind: 'shiftDate' }>['timeOfDay']>;

/**
 * The time-of-day treatment the hub's drafts write into every `shiftDate`: the hour is kept; the
 * minutes, seconds and milliseconds, which could join two grants' rows, are not.
 */
export const NEW_DRAFT_TIME_OF_DAY: TimeOfDay = { mode: 'truncate', to: 'hour' };

/**
 * Most predicates one list may hold (a grant's row filter; an analyst's `where` allows fewer).
 * Each predicate is tested on every row scanned, so the count bounds the work per row.
 */
export const MAX_PREDICATES = 50;
/** Most operands of an `in` / `notIn` predicate (tested through a Set: the cost per row stays constant). */
export const MAX_PREDICATE_VALUES = 1000;
/** Longest string operand of a predicate (`prefix` compares up to this many characters per row). */
export const MAX_PREDICATE_STRING = 1000;

const scalar = z.union([z.string().max(MAX_PREDICATE_STRING), finite, z.boolean()]);

/** A structured row predicate (never SQL text). A list of predicates is their AND. */
export const PredicateSchema = z.discriminatedUnion('op', [
  z.strictObject({
    column: z.string().min(1).max(128),
    op: z.enum(['eq', 'ne', 'lt', 'lte', 'gt', 'gte']),
    value: scalar,
  }),
  z.strictObject({
    column: z.string().min(1).max(128),
    op: z.enum(['in', 'notIn']),
    values: z.array(scalar).min(1).max(MAX_PREDICATE_VALUES),
  }),
  z.strictObject({ column: z.string().min(1).max(128), op: z.literal('between'), low: scalar, high: scalar }),
  z.strictObject({ column: z.string().min(1).max(128), op: z.enum(['isNull', 'notNull']) }),
  z.strictObject({
    column: z.string().min(1).max(128),
    op: z.literal('prefix'),
    value: z.string().max(MAX_PREDICATE_STRING),
  }),
]);
export type Predicate = z.infer<typeof PredicateSchema>;

/** Information-loss metrics the risk review can minimize. */
export const RISK_METRICS = ['DM_STAR', 'DM'] as const;
/**
 * - `DM_STAR`: ARX's DM* (MetricSDDiscernability), Σ |E|² over every equivalence class, suppressed
 *   classes counted as themselves. The default.
 * - `DM`: discernibility with the suppression penalty, Σ |E|² over released classes + |D| · |E|
 *   for each suppressed class (|D| = rows of the table).
 */
export type RiskMetric = (typeof RISK_METRICS)[number];

/**
 * k-anonymity settings of a granted dataset. Either `levels` fixes each quasi-identifier's
 * generalization (rows in classes smaller than k are suppressed), or `hierarchies` lets the
 * engine search the lattice for the least-loss k-anonymous node within `suppressionLimit`.
 */
export const KAnonymitySpecSchema = z.strictObject({
  k: z.number().int().min(2).max(1000),
  /** Defaults to the dataset's QUASI_IDENTIFIER columns. */
  quasiIdentifiers: z.array(z.string().min(1).max(128)).max(16).optional(),
  /** Fraction of rows that may be suppressed, 0..0.5 (e.g. 0.04). */
  suppressionLimit: z.number().min(0).max(0.5).default(0),
  /** The information-loss metric the lattice search minimizes (default DM_STAR). */
  metric: z.enum(RISK_METRICS).optional(),
  /**
   * Per QI, the ordered generalization hierarchy (level 0 = raw, then these, then `*`); only for
   * the lattice search. An empty list is a QI whose only generalization is `*` (as ARX writes it).
   */
  hierarchies: z.record(z.string(), z.array(GeneralizationSchema).max(MAX_HIERARCHY_LEVELS)).optional(),
  /**
   * Per QI, the chosen level into its hierarchy (fixed by the search at draft time, then signed);
   * `hierarchy.length + 1` is the top level `*`.
   */
  levels: z
    .record(
      z.string(),
      z
        .number()
        .int()
        .min(0)
        .max(MAX_HIERARCHY_LEVELS + 1),
    )
    .optional(),
});
export type KAnonymitySpec = z.infer<typeof KAnonymitySpecSchema>;

const columnName = z.string().min(1).max(128);

/**
 * ℓ-diversity of a SENSITIVE column: `distinct` asks each released class to hold at least ℓ
 * distinct values (ℓ whole), `entropy` asks its value entropy (natural log) to reach ln ℓ.
 */
export const LDiversitySpecSchema = z
  .strictObject({
    column: columnName,
    variant: z.enum(['distinct', 'entropy']),
    l: z.number().min(1).max(1000),
  })
  .refine((m) => m.variant !== 'distinct' || Number.isInteger(m.l), {
    message: 'distinct ℓ-diversity needs a whole ℓ',
    path: ['l'],
  });
export type LDiversitySpec = z.infer<typeof LDiversitySpecSchema>;

/**
 * t-closeness of a SENSITIVE column: the earth mover's distance between a released class's
 * value distribution and the whole table's may not exceed t. `equal`: every two values are at
 * distance 1 (EMD = ½ Σ |p − q|); `ordered`: values in their natural order (numbers by value,
 * strings by code units), neighbours at distance 1/(m − 1).
 */
export const TClosenessSpecSchema = z.strictObject({
  column: columnName,
  measure: z.enum(['equal', 'ordered']),
  t: z.number().gt(0).max(1),
});
export type TClosenessSpec = z.infer<typeof TClosenessSpecSchema>;

/** The privacy models a released class must satisfy; a class that violates one is suppressed. */
export const PrivacyModelsSchema = z.strictObject({
  /** Least rows per released class (1: no k-anonymity requirement). */
  k: z.number().int().min(1).max(1_000_000).default(1),
  lDiversity: z.array(LDiversitySpecSchema).max(16).default([]),
  tCloseness: z.array(TClosenessSpecSchema).max(16).default([]),
});
export type PrivacyModels = z.infer<typeof PrivacyModelsSchema>;
