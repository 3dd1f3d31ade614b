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
  /** Per QI, the ordered generalization hierarchy (level 0 = raw); only for the lattice search. */
  hierarchies: z.record(z.string(), z.array(GeneralizationSchema).min(1).max(8)).optional(),
  /** Per QI, the chosen level into its hierarchy (fixed by the search at draft time, then signed). */
  levels: z.record(z.string(), z.number().int().min(0).max(8)).optional(),
});
export type KAnonymitySpec = z.infer<typeof KAnonymitySpecSchema>;
