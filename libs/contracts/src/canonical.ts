/**
 * The canonical form of grant and termination documents: RFC 8785 (JCS) JSON in UTF-8, via the
 * `canonicalize` package. canonicalize 2.x does NOT reject lone surrogates (JSON.stringify
 * escapes them as \udXXX), so this module refuses them itself, in both directions.
 *
 * Checks on incoming bytes run in this order: size, nesting depth and UTF-8 validity BEFORE
 * JSON.parse (so a hostile document cannot make the parser work hard), then lone surrogates,
 * then byte equality with the re-canonicalized value (which also refuses duplicate keys, since
 * JSON.parse keeps only the last one, and any whitespace, ordering, escaping or number spelling
 * other than the canonical one).
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { ContractError, ContractErrorCode } from './contract.errors';
import {
  parseGrantDocument,
  parseTerminationDocument,
  type GrantDocument,
  type TerminationDocument,
} from './grant';

/** Largest accepted serialized document. */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;
/** Deepest accepted nesting of arrays/objects. */
export const MAX_DOCUMENT_DEPTH = 32;

/**
 * RFC 8785 canonical UTF-8 bytes of a JSON value. Throws CONTRACT_NOT_CANONICAL for values JCS
 * cannot represent (lone surrogates, NaN, Infinity, undefined at the top).
 */
export function canonicalBytes(value: unknown): Buffer {
  if (containsLoneSurrogate(value)) {
    throw new ContractError(ContractErrorCode.CONTRACT_NOT_CANONICAL, 'a string contains a lone surrogate');
  }
  let text: string | undefined;
  try {
    text = canonicalize(value);
  } catch (e) {
    throw new ContractError(
      ContractErrorCode.CONTRACT_NOT_CANONICAL,
      'the value has no canonical JSON form',
      { cause: e },
    );
  }
  if (text === undefined)
    throw new ContractError(ContractErrorCode.CONTRACT_NOT_CANONICAL, 'the value has no canonical JSON form');
  return Buffer.from(text, 'utf8');
}

/** Lowercase hex SHA-256 of bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Checks that `bytes` are exactly the RFC 8785 canonical form of the JSON they hold and returns
 * the parsed value. Throws CONTRACT_TOO_LARGE, CONTRACT_TOO_DEEP or CONTRACT_NOT_CANONICAL.
 */
export function assertCanonical(bytes: Uint8Array): unknown {
  if (bytes.byteLength > MAX_DOCUMENT_BYTES) {
    throw new ContractError(
      ContractErrorCode.CONTRACT_TOO_LARGE,
      `the document exceeds ${MAX_DOCUMENT_BYTES} bytes`,
    );
  }
  if (nestingDepth(bytes) > MAX_DOCUMENT_DEPTH) {
    throw new ContractError(
      ContractErrorCode.CONTRACT_TOO_DEEP,
      `the document nests deeper than ${MAX_DOCUMENT_DEPTH}`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (e) {
    throw new ContractError(ContractErrorCode.CONTRACT_NOT_CANONICAL, 'the document is not valid UTF-8', {
      cause: e,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ContractError(ContractErrorCode.CONTRACT_NOT_CANONICAL, 'the document is not JSON', {
      cause: e,
    });
  }
  const again = canonicalBytes(value); // throws on lone surrogates
  if (!again.equals(Buffer.from(bytes))) {
    throw new ContractError(
      ContractErrorCode.CONTRACT_NOT_CANONICAL,
      'the document is not in RFC 8785 canonical form',
    );
  }
  return value;
}

/** True when `bytes` pass `assertCanonical`. */
export function isCanonical(bytes: Uint8Array): boolean {
  try {
    assertCanonical(bytes);
    return true;
  } catch (e) {
    if (e instanceof ContractError) return false;
    throw e;
  }
}

/**
 * Reads stored/signed grant bytes: canonical (see `assertCanonical`), a valid grant, and with no
 * implicit defaults (the canonical bytes of the parsed grant equal the input), so what was signed
 * is exactly what is enforced.
 */
export function parseCanonicalGrant(bytes: Uint8Array): GrantDocument {
  const doc = parseGrantDocument(assertCanonical(bytes));
  if (!canonicalBytes(doc).equals(Buffer.from(bytes))) {
    throw new ContractError(
      ContractErrorCode.CONTRACT_NOT_CANONICAL,
      'the grant relies on implicit defaults; write them out',
    );
  }
  return doc;
}

/** Reads stored/signed termination bytes under the same rules as `parseCanonicalGrant`. */
export function parseCanonicalTermination(bytes: Uint8Array): TerminationDocument {
  const doc = parseTerminationDocument(assertCanonical(bytes));
  if (!canonicalBytes(doc).equals(Buffer.from(bytes))) {
    throw new ContractError(
      ContractErrorCode.CONTRACT_NOT_CANONICAL,
      'the termination document is not canonical',
    );
  }
  return doc;
}

/** Maximum nesting depth of JSON text, scanning bytes and skipping string contents. */
function nestingDepth(bytes: Uint8Array): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x5b || b === 0x7b) max = Math.max(max, ++depth);
    else if (b === 0x5d || b === 0x7d) depth--;
  }
  return max;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function containsLoneSurrogate(value: unknown, depth = 0): boolean {
  if (depth > MAX_DOCUMENT_DEPTH + 1) {
    throw new ContractError(
      ContractErrorCode.CONTRACT_TOO_DEEP,
      `the document nests deeper than ${MAX_DOCUMENT_DEPTH}`,
    );
  }
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some((v) => containsLoneSurrogate(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(
      ([k, v]) => LONE_SURROGATE.test(k) || containsLoneSurrogate(v, depth + 1),
    );
  }
  return false;
}
