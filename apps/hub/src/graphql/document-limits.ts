import {
  getOperationAST,
  getIntrospectionQuery,
  isEnumType,
  isInputObjectType,
  isUnionType,
  parse,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  GraphQLError,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type Token,
  TokenKind,
  type ValueNode,
  valueFromAST,
} from 'graphql';

/**
 * Limits on the shape of a GraphQL document, checked before anything is resolved or any token
 * read. Every walk here visits each fragment definition once (memoized by name, with cycles cut),
 * so its cost is linear in the document's size whatever its fragments spread: a document whose
 * fragments each spread the next twice describes 2^n fields but costs n steps to measure.
 * (graphql-depth-limit and graphql-query-complexity expand spreads without memo: 2^n.)
 */
export interface DocumentLimits {
  /**
   * Deepest field nesting, fragments expanded (a root field is depth 1). Introspection's
   * `__schema` and `__type` count 1: what lies below them is charged by operationComplexity.
   */
  maxDepth: number;
  /** Aliased fields in one operation, fragments expanded with their multiplicity. */
  maxAliases: number;
  /** Directives written in the document. */
  maxDirectives: number;
  /** Fragment definitions in the document. */
  maxFragments: number;
  /** Pairs of field selections sharing a response name, in the whole document. */
  maxRepeatedFieldPairs: number;
}

/** The `extensions.reason` of each refusal, so clients and tests can tell them apart. */
export type DocumentLimitReason =
  | 'GRAPHQL_TOO_MANY_TOKENS'
  | 'GRAPHQL_TOO_DEEP'
  | 'GRAPHQL_TOO_MANY_ALIASES'
  | 'GRAPHQL_TOO_MANY_DIRECTIVES'
  | 'GRAPHQL_TOO_MANY_FRAGMENTS'
  | 'GRAPHQL_TOO_MANY_REPEATED_FIELDS';

function refusal(reason: DocumentLimitReason, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { reason } });
}

/**
 * Per-fragment memo of a bottom-up measure. A fragment met again while its own measure is still
 * being computed is a cycle: it counts 0 here, and GraphQL's NoFragmentCyclesRule refuses the
 * document with a 400.
 */
function fragmentMemo<T>(
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  measure: (fragment: FragmentDefinitionNode) => T,
  zero: T,
): (name: string) => T {
  const done = new Map<string, T>();
  const inProgress = new Set<string>();
  return (name) => {
    const known = done.get(name);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    if (!fragment || inProgress.has(name)) return zero;
    inProgress.add(name);
    const value = measure(fragment);
    inProgress.delete(name);
    done.set(name, value);
    return value;
  };
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  return fragments;
}

/** The deepest field nesting and the aliases of each operation, fragments expanded, in linear time. */
export function measureDocument(document: DocumentNode): {
  fragments: number;
  directives: number;
  /** Pairs of field selections in the document that share a response name. */
  repeatedFieldPairs: number;
  operations: { name: string | undefined; depth: number; aliases: number }[];
} {
  const fragments = fragmentsOf(document);
  const depthOfFragment = fragmentMemo(fragments, (f) => depthOf(f.selectionSet), 0);
  const aliasesOfFragment = fragmentMemo(fragments, (f) => aliasesOf(f.selectionSet), 0);
  function depthOf(set: SelectionSetNode): number {
    let deepest = 0;
    for (const s of set.selections) {
      const d =
        s.kind === Kind.FIELD
          ? 1 + (s.selectionSet && !metaFields.has(s.name.value) ? depthOf(s.selectionSet) : 0)
          : s.kind === Kind.INLINE_FRAGMENT
            ? depthOf(s.selectionSet)
            : depthOfFragment(s.name.value);
      if (d > deepest) deepest = d;
    }
    return deepest;
  }
  function aliasesOf(set: SelectionSetNode): number {
    let n = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) n += (s.alias ? 1 : 0) + (s.selectionSet ? aliasesOf(s.selectionSet) : 0);
      else if (s.kind === Kind.INLINE_FRAGMENT) n += aliasesOf(s.selectionSet);
      else n += aliasesOfFragment(s.name.value);
    }
    return n;
  }
  // GraphQL's OverlappingFieldsCanBeMerged rule compares every two selections of one response
  // name, again below each pair: its work grows with these pairs (measured: ~0.5 µs a pair).
  const byName = new Map<string, number>();
  const countNames = (set: SelectionSetNode): void => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        const name = s.alias?.value ?? s.name.value;
        byName.set(name, (byName.get(name) ?? 0) + 1);
      }
      if (s.kind !== Kind.FRAGMENT_SPREAD && s.selectionSet) countNames(s.selectionSet);
    }
  };
  for (const d of document.definitions)
    if (d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION)
      countNames(d.selectionSet);
  let repeatedFieldPairs = 0;
  for (const n of byName.values()) repeatedFieldPairs += (n * (n - 1)) / 2;
  // Every directive starts with an `@` token (an executable document defines none); the parser
  // keeps its tokens linked, so counting them is one pass over the tokens.
  let directives = 0;
  for (let t: Token | null | undefined = document.loc?.startToken; t; t = t.next)
    if (t.kind === TokenKind.AT) directives++;
  const operations = document.definitions
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((op) => ({
      name: op.name?.value,
      depth: depthOf(op.selectionSet),
      aliases: aliasesOf(op.selectionSet),
    }));
  return { fragments: fragments.size, directives, repeatedFieldPairs, operations };
}

/** A document's first refusal under the limits, or undefined when it is within them all. */
export function documentRefusal(document: DocumentNode, limits: DocumentLimits): GraphQLError | undefined {
  const m = measureDocument(document);
  if (m.fragments > limits.maxFragments)
    return refusal(
      'GRAPHQL_TOO_MANY_FRAGMENTS',
      `The document defines ${m.fragments} fragments; at most ${limits.maxFragments} are allowed.`,
    );
  if (m.directives > limits.maxDirectives)
    return refusal(
      'GRAPHQL_TOO_MANY_DIRECTIVES',
      `The document uses ${m.directives} directives; at most ${limits.maxDirectives} are allowed.`,
    );
  if (m.repeatedFieldPairs > limits.maxRepeatedFieldPairs)
    return refusal(
      'GRAPHQL_TOO_MANY_REPEATED_FIELDS',
      `The document repeats field names too often (${m.repeatedFieldPairs} pairs of selections share a name; at most ${limits.maxRepeatedFieldPairs}): ask for each field once, or give repeats aliases.`,
    );
  for (const op of m.operations) {
    const which = op.name ? `Operation "${op.name}"` : 'The operation';
    if (op.depth > limits.maxDepth)
      return refusal(
        'GRAPHQL_TOO_DEEP',
        `${which} has depth ${op.depth} (fields nested in fields); the depth limit is ${limits.maxDepth}.`,
      );
    if (op.aliases > limits.maxAliases)
      return refusal(
        'GRAPHQL_TOO_MANY_ALIASES',
        `${which} uses ${op.aliases} aliases (fragments counted where they are spread); at most ${limits.maxAliases} are allowed.`,
      );
  }
  return undefined;
}

/**
 * Parses a GraphQL document under the token limit and checks its shape, before GraphQL's own
 * validation (whose rules are not all linear in fragments) ever sees it. Answers the refusal, or
 * undefined when the document may go on: a syntax error is left for Apollo to report as usual.
 */
export function inspectDocument(
  source: string,
  limits: DocumentLimits & { maxTokens: number },
): GraphQLError | undefined {
  let document: DocumentNode;
  try {
    document = parse(source, { maxTokens: limits.maxTokens });
  } catch (err) {
    if (err instanceof GraphQLError && /Document contains more tha[nt] \d+ tokens/.test(err.message))
      return refusal(
        'GRAPHQL_TOO_MANY_TOKENS',
        `The GraphQL document has more than ${limits.maxTokens} tokens; send a shorter one (pass values as variables).`,
      );
    return undefined;
  }
  return documentRefusal(document, limits);
}

const metaFields = new Map<string, GraphQLField<unknown, unknown>>([
  ['__schema', SchemaMetaFieldDef],
  ['__type', TypeMetaFieldDef],
]);

function fieldOf(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
}

const listSizes = new WeakMap<GraphQLSchema, Map<string, number>>();

/**
 * The real length of each introspection list on this schema (its longest, for per-type lists),
 * so that introspection is charged what it costs: `__schema { types { fields { type { fields` is
 * types × fields × fields, not 10 × 10 × 10.
 */
function introspectionListSizes(schema: GraphQLSchema): Map<string, number> {
  const known = listSizes.get(schema);
  if (known) return known;
  const types = Object.values(schema.getTypeMap());
  let fields = 1,
    args = 1,
    enumValues = 1,
    inputFields = 1,
    interfaces = 1,
    possibleTypes = 1;
  for (const t of types) {
    if (isObjectType(t) || isInterfaceType(t)) {
      const fs = Object.values(t.getFields());
      fields = Math.max(fields, fs.length);
      for (const f of fs) args = Math.max(args, f.args.length);
      interfaces = Math.max(interfaces, t.getInterfaces().length);
    }
    if (isInterfaceType(t) || isUnionType(t))
      possibleTypes = Math.max(possibleTypes, schema.getPossibleTypes(t).length);
    if (isEnumType(t)) enumValues = Math.max(enumValues, t.getValues().length);
    if (isInputObjectType(t)) inputFields = Math.max(inputFields, Object.keys(t.getFields()).length);
  }
  const directives = schema.getDirectives();
  for (const d of directives) args = Math.max(args, d.args.length);
  const sizes = new Map<string, number>([
    ['types', types.length],
    ['directives', directives.length],
    ['fields', fields],
    ['args', args],
    ['enumValues', enumValues],
    ['inputFields', inputFields],
    ['interfaces', interfaces],
    ['possibleTypes', possibleTypes],
    ['locations', 20],
  ]);
  listSizes.set(schema, sizes);
  return sizes;
}

/**
 * What the standard introspection query (graphql-js's getIntrospectionQuery, as GraphiQL and
 * Apollo Sandbox send it) costs on this schema: the extra budget an operation that introspects
 * is given when introspection is enabled. A nested introspection (`types { fields { type {
 * fields …`) multiplies by whole type and field counts and stays far above it.
 */
export function introspectionAllowance(schema: GraphQLSchema): number {
  return operationComplexity({
    schema,
    document: parse(
      getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
      }),
    ),
  });
}

/** The page size a list field without `first` is assumed to return. */
export const DEFAULT_LIST_SIZE = 10;

/**
 * The cost of one operation: each field costs 1 plus its children's cost times the rows it
 * returns. A list taking `first` returns `first` rows (its value, its variable's value or its
 * declared default). A page object taking `first` (`auditEntries`, `slice`) costs its own fields
 * once, and each list directly in it (its `entries`) returns `first` rows; any other list counts
 * DEFAULT_LIST_SIZE, an introspection list its real length on this schema. A list of scalars
 * costs 1 (it resolves once), or 1 plus the page size when it is a page's rows (a slice's
 * `rows`, one JSON value a row). Directives are ignored (a
 * skipped field still counts): the estimate only ever errs high. Linear in the document:
 * fragments are memoized per (name, page size).
 */
export function operationComplexity(p: {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variables?: Record<string, unknown>;
}): number {
  const { schema, document } = p;
  const variables = p.variables ?? {};
  const operation = getOperationAST(document, p.operationName);
  if (!operation) return 0;
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const variableDefaults = new Map<string, ValueNode>();
  for (const v of operation.variableDefinitions ?? [])
    if (v.defaultValue) variableDefaults.set(v.variable.name.value, v.defaultValue);

  const sizes = introspectionListSizes(schema);
  const fragments = fragmentsOf(document);
  const memo = new Map<string, number>();
  const inProgress = new Set<string>();
  const costOfFragment = (name: string, pageRows: number | undefined): number => {
    const key = `${pageRows ?? ''}:${name}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    if (!fragment || inProgress.has(key)) return 0;
    const type = schema.getType(fragment.typeCondition.name.value);
    if (!type || !isCompositeType(type)) return 0;
    inProgress.add(key);
    const cost = costOf(fragment.selectionSet, type, pageRows);
    inProgress.delete(key);
    memo.set(key, cost);
    return cost;
  };

  /** The `first` a field is asked for (or declares by default); undefined when it takes none. */
  const pageSize = (field: GraphQLField<unknown, unknown>, node: FieldNode): number | undefined => {
    const def = field.args.find((a) => a.name === 'first');
    if (!def) return undefined;
    const given = node.arguments?.find((a) => a.name.value === 'first')?.value;
    let value: unknown = def.defaultValue;
    if (given?.kind === Kind.VARIABLE) {
      const name = given.name.value;
      const fallback = variableDefaults.get(name);
      if (Object.hasOwn(variables, name)) value = variables[name];
      else if (fallback) value = valueFromAST(fallback, def.type);
    } else if (given) value = valueFromAST(given, def.type);
    // A value that is not a number fails coercion before execution; count the default meanwhile.
    return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, value) : undefined;
  };

  /** `pageRows`: the `first` of the page object these selections are the fields of. */
  function costOf(set: SelectionSetNode, parent: GraphQLCompositeType, pageRows: number | undefined): number {
    let total = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FRAGMENT_SPREAD) total += costOfFragment(s.name.value, pageRows);
      else if (s.kind === Kind.INLINE_FRAGMENT) {
        const type = s.typeCondition ? schema.getType(s.typeCondition.name.value) : parent;
        if (type && isCompositeType(type)) total += costOf(s.selectionSet, type, pageRows);
      } else {
        const field = metaFields.get(s.name.value) ?? fieldOf(parent, s.name.value);
        if (!field) {
          total += 1; // __typename, or a field validation has refused already
          continue;
        }
        const first = pageSize(field, s);
        const isList = isListType(getNullableType(field.type));
        const rows = !isList
          ? 1
          : (first ??
            (parent.name.startsWith('__') ? sizes.get(s.name.value) : pageRows) ??
            DEFAULT_LIST_SIZE);
        const type = getNamedType(field.type);
        if (isList && !s.selectionSet) {
          // A list of scalars resolves once, but a page's rows (a slice's JSON `rows`) are what
          // the page returns: they cost its size, so thirty aliased pages cost thirty pages.
          total += 1 + (first ?? pageRows ?? 0);
          continue;
        }
        const children =
          s.selectionSet && isCompositeType(type)
            ? costOf(s.selectionSet, type, isList ? undefined : first)
            : 0;
        total += 1 + children * rows;
      }
    }
    return total;
  }
  return costOf(operation.selectionSet, root, undefined);
}
