declare module 'canonicalize' {
  /** RFC 8785 JSON Canonicalization Scheme serializer (erdtman/canonicalize 2.x). */
  function canonicalize(value: unknown): string | undefined;
  export = canonicalize;
}
