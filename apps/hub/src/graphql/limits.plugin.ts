import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { type DocumentNode, GraphQLError, type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { HubError } from '@maxhub/core';
import { introspectionAllowance, operationComplexity } from './document-limits';

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

/** Whether the document asks for `__schema` or `__type` anywhere (a flat scan of its source). */
function introspects(document: DocumentNode): boolean {
  const body = document.loc?.source.body;
  return body !== undefined && /__schema|__type\b/.test(body);
}

/** Cached complexities per parsed document (Apollo reuses the DocumentNode of a repeated query). */
const MAX_KEYS_PER_DOCUMENT = 64;

interface Ctx extends BaseContext {
  req?: { id?: string };
}

/**
 * Refuses operations above the configured complexity before anything resolves (an operation that
 * introspects, where introspection is enabled, may also cost twice the standard introspection
 * query on this schema), and logs
 * unexpected errors with the request id (the caller only sees a generic message).
 */
export function limitsPlugin(opts: {
  maxComplexity: number;
  logger: Logger;
  schema: () => GraphQLSchema;
}): ApolloServerPlugin<Ctx> {
  const cache = new WeakMap<DocumentNode, Map<string, number>>();
  let allowanceOf: { schema: GraphQLSchema; value: number } | undefined;
  const allowance = () => {
    const schema = opts.schema();
    if (allowanceOf?.schema !== schema) allowanceOf = { schema, value: 2 * introspectionAllowance(schema) };
    return allowanceOf.value;
  };
  const complexityOf = (
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown>,
  ) => {
    const key = complexityKey(operationName, variables);
    let known = cache.get(document);
    const hit = known?.get(key);
    if (hit !== undefined) return hit;
    const complexity = operationComplexity({ schema: opts.schema(), document, operationName, variables });
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
          const allowed = opts.maxComplexity + (introspects(document) ? allowance() : 0);
          if (complexity > allowed) {
            throw new GraphQLError(
              `The query is too complex (cost ${complexity > 1e12 ? 'over 10^12' : complexity}, at most ${allowed}): ask for fewer fields or smaller pages (first).`,
              // Refused before anything ran: the caller's request is at fault, so 400 (Apollo
              // answers 500 for an error thrown here unless told; `http` is not sent).
              {
                extensions: { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_TOO_COMPLEX', http: { status: 400 } },
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
