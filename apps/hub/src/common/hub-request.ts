import type { Actor } from '@maxhub/core';

/** The request shape our middleware and guard add to Express's request. */
export interface HubRequest {
  id: string;
  actor?: Actor;
  /**
   * The authentication of this request's bearer token, started by the first guarded operation
   * and awaited by every other one (GraphQL resolves aliased root fields concurrently): a token
   * is looked up once per request, and again on the next request.
   */
  authentication?: { token: string; actor: Promise<Actor> };
  headers: Record<string, string | string[] | undefined>;
}
