import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { CoreErrorCode, HubError, isDatabaseUnavailable } from '@maxhub/core';

/**
 * The one GraphQL error formatter. A HubError becomes its category in `extensions.code` and its
 * feature code in `extensions.reason`, with its safe message. GraphQL's own validation errors
 * pass as they are. Anything else is an internal error: generic message, no stack, no cause.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof HubError) {
    return {
      message: original.safeMessage,
      path: formatted.path,
      locations: formatted.locations,
      extensions: {
        code: original.category,
        reason: original.code,
        ...(original.details ? { details: original.details } : {}),
      },
    };
  }
  // A variable that does not coerce to its declared type (an unknown enum value, a string for an
  // Int) is the caller's input; Apollo labels it INTERNAL_SERVER_ERROR. The message echoes only
  // what the caller sent.
  if (original instanceof GraphQLError && !original.path && /^Variable "\$[^"]+" /.test(original.message)) {
    return {
      message: original.message,
      locations: formatted.locations,
      extensions: { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_VARIABLE_INVALID' },
    };
  }
  if (isDatabaseUnavailable(original)) {
    return {
      message: 'The hub’s database is unreachable right now; nothing was changed. Try again shortly.',
      path: formatted.path,
      extensions: { code: 'SERVICE_UNAVAILABLE', reason: CoreErrorCode.DATABASE_UNAVAILABLE },
    };
  }
  const code = formatted.extensions?.code;
  // Apollo's own wording names the server it runs on; say what the caller can do instead.
  if (code === 'GRAPHQL_VALIDATION_FAILED' && /introspection is not allowed/i.test(formatted.message)) {
    return {
      message: 'Introspection is off on this hub; its schema is published with the hub as schema.gql.',
      locations: formatted.locations,
      extensions: { code, reason: 'GRAPHQL_INTROSPECTION_DISABLED' },
    };
  }
  if (
    code === 'GRAPHQL_VALIDATION_FAILED' ||
    code === 'GRAPHQL_PARSE_FAILED' ||
    code === 'BAD_USER_INPUT' ||
    code === 'PERSISTED_QUERY_NOT_FOUND' ||
    code === 'OPERATION_RESOLUTION_FAILURE' ||
    code === 'BAD_REQUEST'
  ) {
    return {
      message: formatted.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code, ...(formatted.extensions?.reason ? { reason: formatted.extensions.reason } : {}) },
    };
  }
  return {
    message: 'Internal error. Quote the x-request-id response header to the alliance operator.',
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}
