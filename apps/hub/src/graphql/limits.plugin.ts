import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { DocumentNode, getNullableType, GraphQLError, GraphQLSchema, isListType } from 'graphql';
import {
  ComplexityEstimator,
  fieldExtensionsEstimator,
  getComplexity,
  simpleEstimator,
} from 'graphql-query-complexity';
import type { Logger } from 'pino';
import { HubError } from '../common/hub-error';

/**
 * A list field costs its children times the page size it asks for (`first`), or 10 when it
 * names none: nested lists multiply, as their real cost does.
 */
const listEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  if (!isListType(getNullableType(field.type))) return undefined;
  const first = typeof args.first === 'number' && args.first > 0 ? args.first : 10;
  return 1 + childComplexity * first;
};

/**
 * What a complexity depends on besides the document: the operation and the numeric variables
 * (the only estimator reading arguments reads `first`, an Int). Strings, ids and cursors are left
 * out, so an analyst paging with new cursors hits the cache.
 */
function complexityKey(operationName: string | null | undefined, variables: Record<string, unknown>): string {
  let key = operationName ?? '';
  for (const name of Object.keys(variables).sort()) {
    const v = variables[name];
    if (typeof v === 'number') key += `\u0000${name}=${v}`;
  }
  return key;
}

/** Cached complexities per parsed document (Apollo reuses the DocumentNode of a repeated query). */
const MAX_KEYS_PER_DOCUMENT = 64;

interface Ctx extends BaseContext {
  req?: { id?: string };
}

/**
 * Refuses operations above the configured complexity before anything resolves, and logs
 * unexpected errors with the request id (the caller only sees a generic message).
 */
export function limitsPlugin(opts: {
  maxComplexity: number;
  logger: Logger;
  schema: () => GraphQLSchema;
}): ApolloServerPlugin<Ctx> {
  const cache = new WeakMap<DocumentNode, Map<string, number>>();
  const complexityOf = (
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown>,
  ) => {
    const key = complexityKey(operationName, variables);
    let known = cache.get(document);
    const hit = known?.get(key);
    if (hit !== undefined) return hit;
    const complexity = getComplexity({
      schema: opts.schema(),
      operationName: operationName ?? undefined,
      query: document,
      variables,
      estimators: [fieldExtensionsEstimator(), listEstimator, simpleEstimator({ defaultComplexity: 1 })],
    });
    if (!known) cache.set(document, (known = new Map()));
    if (known.size >= MAX_KEYS_PER_DOCUMENT) known.clear();
    known.set(key, complexity);
    return complexity;
  };
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const complexity = complexityOf(document, request.operationName, request.variables ?? {});
          if (complexity > opts.maxComplexity) {
            throw new GraphQLError(
              `the query is too complex (${complexity} > ${opts.maxComplexity}); ask for fewer fields or smaller pages`,
              {
                extensions: { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_TOO_COMPLEX' },
              },
            );
          }
        },
        async didEncounterErrors({ errors, contextValue }) {
          for (const e of errors) {
            const original = e.originalError;
            if (!original || original instanceof HubError || original instanceof GraphQLError) continue;
            // Only the error's class and message: stack frames may carry values of our own making,
            // never data values, since services never put values into error messages.
            opts.logger.error(
              {
                requestId: contextValue.req?.id,
                err: { type: original.name, message: original.message, stack: original.stack },
              },
              'unexpected error',
            );
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors ?? [];
          for (const e of errors) {
            if (e.extensions?.code === 'INTERNAL_SERVER_ERROR')
              (e.extensions as Record<string, unknown>).requestId = contextValue.req?.id;
          }
          // Bad variables never reached execution: answer 400 as for any other malformed request.
          if (errors.length && errors.every((e) => e.extensions?.reason === 'GRAPHQL_VARIABLE_INVALID')) {
            response.http.status = 400;
          }
        },
      };
    },
  };
}
