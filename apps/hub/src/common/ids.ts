import { badInput, type HubErrorCode } from '@maxhub/core';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` is a UUID: the form of every id the hub issues. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * Refuses an id argument that is not a UUID with BAD_USER_INPUT, reason `code`, naming the
 * field and never echoing the value. Call it before anything is looked up or logged, so caller
 * text never reaches a query or an audit entry.
 */
export function requireUuid(value: unknown, field: string, code: HubErrorCode): string {
  if (!isUuid(value)) throw badInput(code, `${field} must be a UUID`, { field });
  return value;
}
