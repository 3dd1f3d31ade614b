import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  getOperationAST,
  GraphQLError,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLInputType,
  type GraphQLSchema,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  getNamedType,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import {
  describeUnsafeText,
  isDocumentFieldName,
  isReservedKey,
  unsafeTextKind,
  type TextMode,
} from '@maxhub/contracts';
import { MAX_PREDICATE_STRING, MAX_PREDICATE_VALUES, MAX_PREDICATES } from '@maxhub/deidentification';
import { MAX_WHERE_PREDICATES } from '@maxhub/views';
import { InputErrorCode } from './input.errors';

/**
 * The input guard: every argument of the operation — literal or variable, down to the strings
 * inside JSON values — is checked against the rules below BEFORE GraphQL coerces it and before
 * any resolver, service or database sees it. One mechanism for every string the hub is sent, so
 * a new field is covered the day it is added (deny by default: a string is one line of visible
 * text unless its position says otherwise).
 *
 * Cost: a list's length is compared with its cap before any item is looked at, and the whole
 * walk stops after MAX_INPUT_VALUES values, so a refusal costs O(limit), not O(input): 100,000
 * predicates in `where` are refused after reading one array length.
 */

/** What one position of the input (an argument, an input field, and everything inside it) allows. */
export interface InputRule {
  /** Most items of the list at this position (default DEFAULT_MAX_ITEMS). */
  maxItems?: number;
  /** What the items are called in a refusal ("predicates"); "items" by default. */
  items?: string;
  /** Longest string at this position, in UTF-16 code units (default DEFAULT_MAX_LENGTH; none for opaque text). */
  maxLength?: number;
  /** Which characters a string here may hold (default `line`: see @maxhub/contracts text.ts). */
  text?: TextMode;
}

/** Most items of any list input without a rule of its own. */
export const DEFAULT_MAX_ITEMS = 1000;
/** Longest `line` or `multiline` string without a rule of its own. */
export const DEFAULT_MAX_LENGTH = 10_000;
/** Most values (list items, object fields, scalars) the guard reads in one operation's arguments. */
export const MAX_INPUT_VALUES = 250_000;
/** JSON values nest at most this deep here; deeper parts are left to the parsers that refuse them (GRANT_TOO_DEEP). */
const MAX_JSON_DEPTH = 64;

const opaque = (maxLength?: number): InputRule => ({ text: 'opaque', maxLength });

/**
 * Rules by position: `Type.field` for an input field, `Type.field(arg)` for an argument. A rule
 * applies to the list at that position, to its items, and to everything inside a JSON value there.
 */
export const INPUT_RULES: Readonly<Record<string, InputRule>> = {
  // Slices: bounded work per request (predicates × scanned rows; `in` through a Set).
  'Query.slice(where)': { maxItems: MAX_WHERE_PREDICATES, items: 'predicates' },
  'Query.slice(columns)': { maxItems: 500, items: 'columns' },
  'Query.slice(orderBy)': { maxItems: 16, items: 'sort keys' },
  'SlicePredicateInput.column': { maxLength: 128 },
  // Operands are compared with de-identified data values: only NUL is refused in them.
  'SlicePredicateInput.value': opaque(MAX_PREDICATE_STRING),
  'SlicePredicateInput.values': {
    ...opaque(MAX_PREDICATE_STRING),
    maxItems: MAX_PREDICATE_VALUES,
    items: 'values',
  },
  'SlicePredicateInput.low': opaque(MAX_PREDICATE_STRING),
  'SlicePredicateInput.high': opaque(MAX_PREDICATE_STRING),
  // Grants: what lawyers read. Only the purpose may break lines.
  'DraftGrantInput.purpose': { text: 'multiline', maxLength: 2000 },
  'DraftGrantInput.datasets': { maxItems: 50, items: 'datasets' },
  'GrantDatasetInput.columns': { maxItems: 500, items: 'columns' },
  'GrantDatasetInput.rowFilter': { maxItems: MAX_PREDICATES, items: 'predicates' },
  'Mutation.attachGrantSignature(signature)': opaque(),
  'Mutation.terminateGrant(signature)': opaque(),
  'Mutation.terminateGrant(terminationDocument)': opaque(),
  // Datasets.
  'PublishDatasetInput.description': { text: 'multiline', maxLength: 4000 },
  'PublishDatasetInput.tags': { maxItems: 30, items: 'tags' },
  'PublishDatasetInput.classifications': { maxItems: 10_000, items: 'columns' },
  'PublishDatasetInput.confirmedTypes': { maxItems: 10_000, items: 'columns' },
  'CreateUploadTicketInput.fileName': opaque(1024),
  // Key material and credentials: never shown, checked by their own parsers.
  'IssueCertificateInput.csrPem': opaque(),
  'CompanyEndpointInput.accessKey': opaque(1024),
  'CompanyEndpointInput.secretKey': opaque(1024),
};

const NO_RULE: InputRule = {};

/** A refusal as Apollo sends it: BAD_USER_INPUT with the guard's reason, HTTP 400. */
function refusal(reason: InputErrorCode, message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'BAD_USER_INPUT', reason, http: { status: 400 } },
  });
}

type PathPart = string | number;

function showPath(path: readonly PathPart[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** Thrown inside the walk, caught at its top. */
class Refused extends Error {
  constructor(readonly error: GraphQLError) {
    super(error.message);
  }
}

/**
 * Checks the arguments of the operation that will run, before coercion. Answers the first
 * refusal, or undefined. `document` must have passed validation (unknown fields are skipped).
 */
export function inputRefusal(p: {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variables?: Record<string, unknown>;
}): GraphQLError | undefined {
  const { schema, document } = p;
  const variables = p.variables ?? {};
  const operation = getOperationAST(document, p.operationName);
  if (!operation) return undefined;
  const root = schema.getRootType(operation.operation);
  if (!root) return undefined;
  const defaults = new Map<string, ValueNode>();
  for (const v of operation.variableDefinitions ?? [])
    if (v.defaultValue) defaults.set(v.variable.name.value, v.defaultValue);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);

  let budget = MAX_INPUT_VALUES;
  const spend = () => {
    if (--budget < 0)
      throw new Refused(
        refusal(
          InputErrorCode.INPUT_TOO_LARGE,
          `the arguments hold more than ${MAX_INPUT_VALUES} values; send less in one request`,
        ),
      );
  };
  const ruleOf = (coordinate: string): InputRule =>
    Object.hasOwn(INPUT_RULES, coordinate) ? INPUT_RULES[coordinate] : NO_RULE;

  const checkList = (length: number, path: PathPart[], rule: InputRule) => {
    const max = rule.maxItems ?? DEFAULT_MAX_ITEMS;
    if (length > max)
      throw new Refused(
        refusal(
          InputErrorCode.INPUT_TOO_MANY_ITEMS,
          `${showPath(path)} has ${length} ${rule.items ?? 'items'}; at most ${max} are allowed`,
        ),
      );
  };
  const checkString = (s: string, path: PathPart[], rule: InputRule, isKey = false) => {
    spend();
    const mode = rule.text ?? 'line';
    const max = rule.maxLength ?? (mode === 'opaque' ? undefined : DEFAULT_MAX_LENGTH);
    if (max !== undefined && s.length > max)
      throw new Refused(
        refusal(
          InputErrorCode.INPUT_TOO_LONG,
          `${showPath(path)} ${isKey ? 'has a key' : 'is'} longer than ${max} characters`,
        ),
      );
    const kind = unsafeTextKind(s, mode);
    if (kind !== null)
      throw new Refused(
        refusal(
          InputErrorCode.INPUT_TEXT_UNSAFE,
          `${showPath(path)} ${isKey ? 'has a key that contains' : 'contains'} ${describeUnsafeText(kind)}; the hub stores and shows only visible text there`,
        ),
      );
  };

  /**
   * A JSON scalar's value (raw, from variables): keys and strings checked, depth-bounded,
   * iterative. The position's text rule holds inside; its list cap does not (a filter's `values`
   * inside a row-filter predicate is not another predicate): inner arrays get the default cap.
   */
  const walkJsonRaw = (value: unknown, path: PathPart[], outer: InputRule) => {
    const rule: InputRule = { text: outer.text, maxLength: outer.maxLength };
    const stack: Array<[unknown, PathPart[], number]> = [[value, path, 0]];
    while (stack.length > 0) {
      const [v, at, depth] = stack.pop()!;
      spend();
      if (typeof v === 'string') checkString(v, at, rule);
      else if (v === null || typeof v !== 'object' || depth >= MAX_JSON_DEPTH) continue;
      else if (Array.isArray(v)) {
        checkList(v.length, at, rule);
        for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], [...at, i], depth + 1]);
      } else {
        for (const key of Object.keys(v)) {
          if (isReservedKey(key))
            throw new Refused(
              refusal(
                InputErrorCode.INPUT_RESERVED_KEY,
                `${showPath(at)} has a key named __proto__, constructor or prototype, which a value map may not use`,
              ),
            );
          checkString(key, at, { ...rule, text: rule.text === 'opaque' ? 'opaque' : 'line' }, true);
          stack.push([
            (v as Record<string, unknown>)[key],
            [...at, isDocumentFieldName(key) ? key : '*'],
            depth + 1,
          ]);
        }
      }
    }
  };

  /** A JSON scalar written in the document (an object or list literal, possibly holding variables). */
  const walkJsonAst = (node: ValueNode, path: PathPart[], outer: InputRule, depth: number): void => {
    const rule: InputRule = { text: outer.text, maxLength: outer.maxLength };
    spend();
    switch (node.kind) {
      case Kind.STRING:
        return checkString(node.value, path, rule);
      case Kind.VARIABLE:
        return walkVariableJson(node.name.value, path, rule);
      case Kind.LIST:
        checkList(node.values.length, path, rule);
        if (depth < MAX_JSON_DEPTH)
          node.values.forEach((v, i) => walkJsonAst(v, [...path, i], rule, depth + 1));
        return;
      case Kind.OBJECT:
        for (const f of node.fields) {
          const key = f.name.value;
          if (isReservedKey(key))
            throw new Refused(
              refusal(
                InputErrorCode.INPUT_RESERVED_KEY,
                `${showPath(path)} has a key named __proto__, constructor or prototype, which a value map may not use`,
              ),
            );
          if (depth < MAX_JSON_DEPTH)
            walkJsonAst(f.value, [...path, isDocumentFieldName(key) ? key : '*'], rule, depth + 1);
        }
        return;
      case Kind.INT:
      case Kind.FLOAT:
      case Kind.BOOLEAN:
      case Kind.NULL:
      case Kind.ENUM:
        return;
    }
  };
  const walkVariableJson = (name: string, path: PathPart[], rule: InputRule) => {
    if (Object.hasOwn(variables, name)) walkJsonRaw(variables[name], path, rule);
    else {
      const fallback = defaults.get(name);
      if (fallback) walkJsonAst(fallback, path, rule, 0);
    }
  };

  const isJson = (type: GraphQLInputType) =>
    isScalarType(type) && (type.name === 'JSON' || type.name === 'JSONObject');

  /** A value from the variables (raw JSON, not yet coerced) at an input type. */
  const walkRaw = (value: unknown, type: GraphQLInputType, path: PathPart[], coordinate: string): void => {
    if (isNonNullType(type)) return walkRaw(value, type.ofType, path, coordinate);
    if (value === null || value === undefined) return;
    spend();
    const rule = ruleOf(coordinate);
    if (isListType(type)) {
      if (!Array.isArray(value)) return walkRaw(value, type.ofType, path, coordinate);
      checkList(value.length, path, rule);
      value.forEach((item, i) => walkRaw(item, type.ofType, [...path, i], coordinate));
    } else if (isInputObjectType(type)) {
      if (typeof value !== 'object' || Array.isArray(value)) return;
      const fields = type.getFields();
      for (const key of Object.keys(value)) {
        if (!Object.hasOwn(fields, key)) continue; // coercion refuses an unknown field
        walkRaw(
          (value as Record<string, unknown>)[key],
          fields[key].type,
          [...path, key],
          `${type.name}.${key}`,
        );
      }
    } else if (isJson(type)) walkJsonRaw(value, path, rule);
    else if (typeof value === 'string') checkString(value, path, rule);
  };

  /** A value written in the document at an input type. */
  const walkAst = (node: ValueNode, type: GraphQLInputType, path: PathPart[], coordinate: string): void => {
    if (isNonNullType(type)) return walkAst(node, type.ofType, path, coordinate);
    if (node.kind === Kind.VARIABLE) {
      const name = node.name.value;
      if (Object.hasOwn(variables, name)) return walkRaw(variables[name], type, path, coordinate);
      const fallback = defaults.get(name);
      return fallback ? walkAst(fallback, type, path, coordinate) : undefined;
    }
    spend();
    const rule = ruleOf(coordinate);
    if (isListType(type)) {
      if (node.kind !== Kind.LIST) return walkAst(node, type.ofType, path, coordinate);
      checkList(node.values.length, path, rule);
      node.values.forEach((item, i) => walkAst(item, type.ofType, [...path, i], coordinate));
    } else if (isInputObjectType(type)) {
      if (node.kind !== Kind.OBJECT) return;
      const fields = type.getFields();
      for (const f of node.fields) {
        const key = f.name.value;
        if (Object.hasOwn(fields, key))
          walkAst(f.value, fields[key].type, [...path, key], `${type.name}.${key}`);
      }
    } else if (isJson(type)) walkJsonAst(node, path, rule, 0);
    else if (node.kind === Kind.STRING) checkString(node.value, path, rule);
  };

  const walkedFragments = new Set<string>();
  const walkSelections = (set: SelectionSetNode, parent: GraphQLCompositeType): void => {
    for (const s of set.selections) {
      if (s.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(s.name.value);
        if (!fragment || walkedFragments.has(s.name.value)) continue;
        walkedFragments.add(s.name.value);
        const type = schema.getType(fragment.typeCondition.name.value);
        if (type && isCompositeType(type)) walkSelections(fragment.selectionSet, type);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        const type = s.typeCondition ? schema.getType(s.typeCondition.name.value) : parent;
        if (type && isCompositeType(type)) walkSelections(s.selectionSet, type);
      } else {
        const fields = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields() : undefined;
        const field = fields && Object.hasOwn(fields, s.name.value) ? fields[s.name.value] : undefined;
        if (!field) continue; // __typename, or introspection
        for (const a of s.arguments ?? []) {
          const def = field.args.find((x) => x.name === a.name.value);
          if (def) walkAst(a.value, def.type, [a.name.value], `${parent.name}.${field.name}(${def.name})`);
        }
        const type = getNamedType(field.type);
        if (s.selectionSet && isCompositeType(type)) walkSelections(s.selectionSet, type);
      }
    }
  };

  try {
    walkSelections(operation.selectionSet, root);
    return undefined;
  } catch (err) {
    if (err instanceof Refused) return err.error;
    throw err;
  }
}

/**
 * Runs {@link inputRefusal} once the operation is known and before it executes (so before
 * GraphQL coerces the variables, computes anything from them, or calls a resolver).
 */
export function inputLimitsPlugin(opts: { schema: () => GraphQLSchema }): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const refused = inputRefusal({
            schema: opts.schema(),
            document,
            operationName: request.operationName,
            variables: request.variables ?? {},
          });
          if (refused) throw refused;
        },
      };
    },
  };
}
