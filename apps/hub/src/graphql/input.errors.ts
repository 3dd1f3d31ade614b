/**
 * Reason codes of the GraphQL input guard (input-limits.ts): refusals of an argument's value
 * before GraphQL coerces it or any resolver runs. Messages name the field and the rule, never the
 * value (it may be hostile).
 */
export enum InputErrorCode {
  /** A list argument or input field holds more items than it allows (e.g. `where` above 32 predicates). */
  INPUT_TOO_MANY_ITEMS = 'INPUT_TOO_MANY_ITEMS',
  /** A string is longer than its field allows. */
  INPUT_TOO_LONG = 'INPUT_TOO_LONG',
  /** The operation's arguments hold more values in all than the hub reads for one request. */
  INPUT_TOO_LARGE = 'INPUT_TOO_LARGE',
  /** A string holds a NUL, control, bidirectional-control or invisible character that its field does not allow. */
  INPUT_TEXT_UNSAFE = 'INPUT_TEXT_UNSAFE',
  /** A JSON value (a value map, a transform, a filter) has a key named __proto__, constructor or prototype. */
  INPUT_RESERVED_KEY = 'INPUT_RESERVED_KEY',
}

declare module '@maxhub/core' {
  interface HubErrorCodes {
    input: InputErrorCode;
  }
}
