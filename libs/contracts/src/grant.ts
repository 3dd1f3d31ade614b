/**
 * The grant document (maxhub.grant/v1) and the termination document
 * (maxhub.grant-termination/v1): strict zod models (unknown keys refused) and their parsers.
 */
import { z } from 'zod';
import {
  KAnonymitySpecSchema,
  MAX_PREDICATES,
  PredicateSchema,
  RISK_METRICS,
  RISK_REVIEW_SCHEMA,
  TransformSpecSchema,
} from '@maxhub/deidentification';
import { COLUMN_CLASSES } from '@maxhub/formats';
import { MAX_DOCUMENT_DEPTH } from './canonical';
import { ContractError, ContractErrorCode } from './contract.errors';
import { describeUnsafeText, isReservedKey, unsafeTextKind, type TextMode } from './text';

/**
 * Schema tags of a grant document. v1 (the first wave) is still read and enforced as it was
 * signed; the hub drafts v2, which writes down every term the hub enforces: each column's class,
 * the quasi-identifier exclusions, export rights, view retention and the row order.
 */
export const GRANT_SCHEMA_V1 = 'maxhub.grant/v1';
export const GRANT_SCHEMA_V2 = 'maxhub.grant/v2';
/** The schema the hub drafts. */
export const GRANT_SCHEMA = GRANT_SCHEMA_V2;
/** Schema tag of a termination document. */
export const TERMINATION_SCHEMA = 'maxhub.grant-termination/v1';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
/** An ISO 8601 UTC timestamp such as 2026-03-01T00:00:00Z (a real calendar instant). */
const isoUtc = z
  .string()
  .regex(ISO_UTC)
  .refine(
    (s) => !Number.isNaN(Date.parse(s)) && new Date(s).toISOString().slice(0, 19) === s.slice(0, 19),
    'not a calendar instant',
  );
const slug = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/);
const displayName = z.string().min(1).max(200);
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

const GrantColumnSchema = z.strictObject({
  name: z.string().min(1).max(128),
  transform: TransformSpecSchema,
  /** v2: the column's class as the publisher published it (required in v2). */
  class: z.enum(COLUMN_CLASSES).optional(),
  /**
   * v2: the hub's detection said the column holds personal data of this kind, and the publisher
   * classed it otherwise: the document says so wherever the column appears.
   */
  personalDataOverride: z.strictObject({ detectedKind: z.string().regex(/^[A-Z][A-Z_]{1,63}$/) }).optional(),
});

/** v2: a quasi-identifier the grant releases outside the k-anonymity set, and why. */
const QuasiIdentifierExclusionSchema = z.strictObject({
  column: z.string().min(1).max(128),
  reason: z.string().min(1).max(500),
});

/** v2: what the grantee may export, beyond paged queries. */
const ExportTermsSchema = z.strictObject({
  /** Whether whole-view exports (files) are allowed at all. */
  allowed: z.boolean(),
  /** Most rows one export may hold (an export of a larger view is refused, not cut). */
  maxRowsPerExport: z.number().int().min(1).max(100_000_000),
  /** Most exports per UTC day, over all datasets of the grant. */
  perDay: z.number().int().min(1).max(1_000),
});

/** v2: how long the hub keeps the grant's views once the grant ends. */
const RetentionSchema = z.strictObject({
  /** The views are deleted from the owner's storage within this many hours of the grant ending. */
  viewsDeletedWithinHours: z.number().int().min(0).max(720),
});

/** v2: how rows are released. */
const ReleaseSchema = z.strictObject({
  /** Rows are released in an order permuted by a key of this grant (positions do not link grants). */
  rowOrder: z.literal('PERMUTED_PER_GRANT'),
});

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** A non-negative decimal written as text (figures that are not whole: risks, loss). */
const decimalText = z
  .string()
  .max(40)
  .regex(/^\d+(\.\d+)?$/);

/**
 * v2: the figures of the risk review the hub ran on the pinned version's values before anyone
 * could sign (the k-anonymity levels of the dataset are the ones it chose), and the SHA-256 of
 * the review's full canonical report (maxhub.risk-review/v1), which GrantVersion.riskReview
 * serves. Ratios are decimal strings of 6 places, rounded to nearest.
 */
export const GrantRiskReviewSchema = z.strictObject({
  /** The report's schema tag. */
  schema: z.literal(RISK_REVIEW_SCHEMA),
  /** SHA-256 (hex) of the report's RFC 8785 canonical JSON. */
  reportSha256: sha256Hex,
  /** The information-loss metric the search minimized. */
  metric: z.enum(RISK_METRICS),
  /** Rows of the pinned version the review counted (after the row filter). */
  rows: count,
  /** Rows in classes smaller than k, withheld from the view. */
  rowsSuppressed: count,
  /** Released equivalence classes, and the rows of the smallest (0 when nothing is released). */
  classes: count,
  smallestClass: count,
  /** Rows alone in their class: in the raw data, and in the release. */
  uniqueRowsBefore: count,
  uniqueRowsAfter: count,
  /** Prosecutor re-identification risk of the release: highest (1 / smallest class) and average. */
  highestRisk: decimalText,
  averageRisk: decimalText,
  /** The metric normalized to 0..1 (0: nothing lost). */
  informationLoss: decimalText,
});
export type GrantRiskReview = z.infer<typeof GrantRiskReviewSchema>;

const GrantDatasetSchema = z
  .strictObject({
    datasetId: z.uuid(),
    name: displayName,
    /** The pinned dataset version. */
    version: z.number().int().min(1),
    /** SHA-256 of the pinned version's object, when the grant pins the bytes too. */
    objectSha256: sha256Hex.optional(),
    columns: z.array(GrantColumnSchema).min(1).max(500),
    rowFilter: z.array(PredicateSchema).max(MAX_PREDICATES).optional(),
    kAnonymity: KAnonymitySpecSchema.optional(),
    /** v2: released quasi-identifiers left out of the k-anonymity set, each with its reason. */
    quasiIdentifierExclusions: z.array(QuasiIdentifierExclusionSchema).max(500).optional(),
    /** v2: the risk review of the k-anonymity hierarchies (present when the grant gives hierarchies). */
    riskReview: GrantRiskReviewSchema.optional(),
  })
  .superRefine((ds, ctx) => {
    const seen = new Set<string>();
    ds.columns.forEach((c, i) => {
      if (seen.has(c.name))
        ctx.addIssue({ code: 'custom', message: 'duplicate column', path: ['columns', i, 'name'] });
      seen.add(c.name);
    });
  });

/** The grant document model. Columns of a dataset that the grant does not list are dropped. */
export const GrantDocumentSchema = z
  .strictObject({
    schema: z.enum([GRANT_SCHEMA_V1, GRANT_SCHEMA_V2]),
    grantId: z.uuid(),
    version: z.number().int().min(1),
    /** SHA-256 (hex) of the canonical bytes of the version this one supersedes; required iff version > 1. */
    supersedes: sha256Hex.optional(),
    grantor: z.strictObject({ companySlug: slug, companyName: displayName }),
    grantee: z.strictObject({ workingGroupSlug: slug, workingGroupName: displayName }),
    purpose: z.string().min(1).max(2000),
    term: z.strictObject({ from: isoUtc, until: isoUtc }),
    datasets: z.array(GrantDatasetSchema).min(1).max(50),
    limits: z.strictObject({
      rowsPerQuery: z.number().int().min(1).max(100_000),
      queriesPerDay: z.number().int().min(1).max(1_000_000),
      /** v2 (required there): export rights. */
      exports: ExportTermsSchema.optional(),
    }),
    /** v2 (required there). */
    retention: RetentionSchema.optional(),
    /** v2 (required there). */
    release: ReleaseSchema.optional(),
    createdAt: isoUtc,
  })
  .superRefine((doc, ctx) => {
    if (doc.schema === GRANT_SCHEMA_V2) {
      const need = (present: boolean, path: PropertyKey[], what: string) => {
        if (!present) ctx.addIssue({ code: 'custom', message: `a v2 grant must state ${what}`, path });
      };
      need(doc.limits.exports !== undefined, ['limits', 'exports'], 'its export rights');
      need(doc.retention !== undefined, ['retention'], 'how long views are kept');
      need(doc.release !== undefined, ['release'], 'how rows are released');
      doc.datasets.forEach((d, i) =>
        d.columns.forEach((c, j) =>
          need(c.class !== undefined, ['datasets', i, 'columns', j, 'class'], 'the class of every column'),
        ),
      );
    } else {
      const v2Only = (present: boolean, path: PropertyKey[]) => {
        if (present) ctx.addIssue({ code: 'custom', message: 'this field exists only in v2 grants', path });
      };
      v2Only(doc.limits.exports !== undefined, ['limits', 'exports']);
      v2Only(doc.retention !== undefined, ['retention']);
      v2Only(doc.release !== undefined, ['release']);
      doc.datasets.forEach((d, i) => {
        v2Only(d.quasiIdentifierExclusions !== undefined, ['datasets', i, 'quasiIdentifierExclusions']);
        v2Only(d.riskReview !== undefined, ['datasets', i, 'riskReview']);
        d.columns.forEach((c, j) => {
          v2Only(c.class !== undefined, ['datasets', i, 'columns', j, 'class']);
          v2Only(c.personalDataOverride !== undefined, ['datasets', i, 'columns', j, 'personalDataOverride']);
        });
      });
    }
    if (doc.version > 1 !== (doc.supersedes !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'supersedes is required exactly when version > 1',
        path: ['supersedes'],
      });
    }
    const ids = new Set<string>();
    doc.datasets.forEach((d, i) => {
      if (ids.has(d.datasetId))
        ctx.addIssue({ code: 'custom', message: 'duplicate dataset', path: ['datasets', i, 'datasetId'] });
      ids.add(d.datasetId);
    });
  });
export type GrantDocument = z.infer<typeof GrantDocumentSchema>;
export type GrantDataset = GrantDocument['datasets'][number];
export type GrantColumn = GrantDataset['columns'][number];

/** Which side of a grant a signer or a termination speaks for. */
export type GrantParty = 'GRANTOR' | 'GRANTEE';

/** The termination document: either party ends a grant, identified by id and the SHA-256 of its canonical bytes. */
export const TerminationDocumentSchema = z.strictObject({
  schema: z.literal(TERMINATION_SCHEMA),
  grantId: z.uuid(),
  grantSha256: sha256Hex,
  party: z.enum(['GRANTOR', 'GRANTEE']),
  reason: z.string().min(1).max(2000),
  effectiveAt: isoUtc,
});
export type TerminationDocument = z.infer<typeof TerminationDocumentSchema>;

/**
 * Validates an unknown value as a grant document (strict: unknown keys refused; defaults of
 * transform specs filled in). Throws CONTRACT_MALFORMED naming the first problem's path, or
 * CONTRACT_TERM_INVALID when `term.from` is not before `term.until`.
 */
export function parseGrantDocument(input: unknown): GrantDocument {
  assertDocumentText(input, 'grant document', 'purpose');
  const doc = parseWith(GrantDocumentSchema, input, 'grant document');
  if (!(Date.parse(doc.term.from) < Date.parse(doc.term.until))) {
    throw new ContractError(ContractErrorCode.CONTRACT_TERM_INVALID, 'term.from must be before term.until');
  }
  return doc;
}

/** Validates an unknown value as a termination document. Throws CONTRACT_MALFORMED with the path. */
export function parseTerminationDocument(input: unknown): TerminationDocument {
  assertDocumentText(input, 'termination document', 'reason');
  return parseWith(TerminationDocumentSchema, input, 'termination document');
}

/** Most values (strings, numbers, lists, objects) one document may hold. */
export const MAX_DOCUMENT_VALUES = 20_000;

/**
 * Every string of a document (values and keys) is rendered for the people who sign it, so none
 * may hold a control, bidirectional-control or invisible character; only the top-level
 * `multilineField` (the purpose, a termination's reason) may break lines (LF or CR LF: the
 * renderer indents each line, so a break cannot pass for another section). Runs on the raw input
 * BEFORE the model parses it, because the parser would silently drop a `__proto__` key of a
 * value map: such keys (and `constructor`, `prototype`) are refused with CONTRACT_RESERVED_KEY.
 * Iterative (a hostile depth cannot exhaust the stack) and linear in the input's size.
 */
function assertDocumentText(input: unknown, what: string, multilineField: string): void {
  const stack: Array<[unknown, PropertyKey[]]> = [[input, []]];
  let values = 0;
  const tooMany = (n: number) => {
    if (n > MAX_DOCUMENT_VALUES)
      throw new ContractError(
        ContractErrorCode.CONTRACT_TOO_LARGE,
        `the ${what} holds more than ${MAX_DOCUMENT_VALUES} values; a grant needs far fewer`,
      );
  };
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    // Bounds before the model parses it: zod reports every problem of every element, so a list
    // of 100,000 wrong entries would cost seconds before the first refusal.
    tooMany(++values);
    if (path.length > MAX_DOCUMENT_DEPTH)
      throw new ContractError(
        ContractErrorCode.CONTRACT_TOO_DEEP,
        `the ${what} nests deeper than ${MAX_DOCUMENT_DEPTH} at ${safePath(path.slice(0, 4))}…`,
      );
    if (typeof value === 'string') {
      const mode: TextMode = path.length === 1 && path[0] === multilineField ? 'multiline' : 'line';
      const kind = unsafeTextKind(value, mode);
      if (kind !== null) {
        throw new ContractError(
          ContractErrorCode.CONTRACT_TEXT_UNSAFE,
          `${what} field ${safePath(path)} contains ${describeUnsafeText(kind)}; signed text may hold none`,
        );
      }
    } else if (Array.isArray(value)) {
      tooMany(values + value.length);
      value.forEach((v, i) => stack.push([v, [...path, i]]));
    } else if (value !== null && typeof value === 'object') {
      const keys = Object.keys(value);
      tooMany(values + keys.length);
      for (const key of keys) {
        if (isReservedKey(key)) {
          throw new ContractError(
            ContractErrorCode.CONTRACT_RESERVED_KEY,
            `${what} field ${safePath(path)} has a key named __proto__, constructor or prototype, which a value map may not use`,
          );
        }
        const kind = unsafeTextKind(key, 'line');
        if (kind !== null) {
          throw new ContractError(
            ContractErrorCode.CONTRACT_TEXT_UNSAFE,
            `${what} field ${safePath(path)} has a key that contains ${describeUnsafeText(kind)}; signed text may hold none`,
          );
        }
        stack.push([(value as Record<string, unknown>)[key], [...path, key]]);
      }
    }
  }
}

function parseWith<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new ContractError(
    ContractErrorCode.CONTRACT_MALFORMED,
    `${what} is invalid at ${safePath(issue.path)}: ${expectation(issue)}`,
  );
}

/**
 * What the model expected where validation failed, in words of our own (zod's own messages may
 * quote the caller's value; these name only types, limits and the model's own choices).
 */
function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return 'it matches none of the shapes this field accepts (check its `kind`, `op` or `method`)';
    case 'too_big':
      return `too ${issue.origin === 'string' || issue.origin === 'array' ? 'long' : 'large'} (at most ${String(issue.maximum)})`;
    case 'too_small':
      return `too ${issue.origin === 'string' || issue.origin === 'array' ? 'short' : 'small'} (at least ${String(issue.minimum)})`;
    case 'invalid_format':
      return issue.format === 'regex' ? 'not in the format this field takes' : `expected a ${issue.format}`;
    case 'unrecognized_keys':
      return `it has fields the model does not take (${issue.keys.filter(isDocumentFieldName).join(', ') || 'not shown'})`;
    case 'invalid_key':
      return 'a key of this map is not accepted';
    case 'invalid_element':
      return 'an element of this collection is not accepted';
    case 'not_multiple_of':
      return `expected a multiple of ${String(issue.divisor)}`;
    case 'custom':
      return issue.message;
  }
}

// Field names of the models: only these are echoed in error paths; anything else (e.g. keys of a
// generalization value map, which may be data values) is shown as "*".
const KNOWN_KEYS = new Set([
  ...Object.keys(GrantDocumentSchema.shape),
  ...[
    'companySlug',
    'companyName',
    'workingGroupSlug',
    'workingGroupName',
    'from',
    'until',
    'rowsPerQuery',
    'queriesPerDay',
    'exports',
    'allowed',
    'maxRowsPerExport',
    'perDay',
    'viewsDeletedWithinHours',
    'rowOrder',
    'class',
    'personalDataOverride',
    'detectedKind',
    'quasiIdentifierExclusions',
    'reason',
    'riskReview',
    ...Object.keys(GrantRiskReviewSchema.shape),
  ],
  ...['datasetId', 'name', 'version', 'objectSha256', 'columns', 'rowFilter', 'kAnonymity', 'transform'],
  ...[
    'kind',
    'bits',
    'generalization',
    'method',
    'level',
    'width',
    'bottom',
    'top',
    'digits',
    'keep',
    'map',
    'otherwise',
  ],
  ...['maxDays', 'entityColumn', 'magnitude', 'relative', 'column', 'op', 'value', 'values', 'low', 'high'],
  ...['k', 'quasiIdentifiers', 'suppressionLimit', 'hierarchies', 'levels'],
  ...Object.keys(TerminationDocumentSchema.shape),
]);

/** True for a field name of the grant or termination model (safe to show in a message, unlike a value map's keys). */
export function isDocumentFieldName(key: string): boolean {
  return KNOWN_KEYS.has(key);
}

function safePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((p, i) =>
      typeof p === 'number'
        ? `[${p}]`
        : `${i === 0 ? '' : '.'}${typeof p === 'string' && KNOWN_KEYS.has(p) ? p : '*'}`,
    )
    .join('');
}
