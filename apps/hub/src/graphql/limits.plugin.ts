import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, GraphQLSchema } from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import type { Logger } from 'pino';
import { HubError } from '../common/hub-error';

interface Ctx extends BaseContext {
  req?: { id?: string };
}

/**
 * Refuses operations above the configured complexity before anything resolves, and logs
 * unexpected errors with the request id (the caller only sees a generic message).
 */
export function limitsPlugin(opts: { maxComplexity: number; logger: Logger; schema: () => GraphQLSchema }): ApolloServerPlugin<Ctx> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const complexity = getComplexity({
            schema: opts.schema(),
            operationName: request.operationName ?? undefined,
            query: document,
            variables: request.variables ?? {},
            estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
          });
          if (complexity > opts.maxComplexity) {
            throw new GraphQLError(`the query is too complex (${complexity} > ${opts.maxComplexity}); ask for fewer fields or smaller pages`, {
              extensions: { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_TOO_COMPLEX' },
            });
          }
        },
        async didEncounterErrors({ errors, contextValue }) {
          for (const e of errors) {
            const original = e.originalError;
            if (!original || original instanceof HubError || original instanceof GraphQLError) continue;
            // Only the error's class and message: stack frames may carry values of our own making,
            // never data values, since services never put values into error messages.
            opts.logger.error({ requestId: contextValue.req?.id, err: { type: original.name, message: original.message, stack: original.stack } }, 'unexpected error');
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          for (const e of response.body.singleResult.errors ?? []) {
            if (e.extensions?.code === 'INTERNAL_SERVER_ERROR') (e.extensions as Record<string, unknown>).requestId = contextValue.req?.id;
          }
        },
      };
    },
  };
}
