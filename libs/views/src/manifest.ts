/**
 * The manifest of a materialized view (`index.json`, uploaded LAST): the chunked-view index of
 * @maxhub/formats plus what the materializer learned. A view whose manifest is missing does not
 * exist, whatever chunks lie beside it.
 */
import { CHUNKED_VIEW_FORMAT, type ChunkedViewIndex } from '@maxhub/formats';
import type { RiskReport } from '@maxhub/deidentification';
import { ViewError, ViewErrorCode } from './errors';

/** Object name of the manifest under a view's prefix. */
export const MANIFEST_NAME = 'index.json';

/** What materialization did: counts and the risk report, never values. */
export interface ViewSummary {
  /** Rows read from the raw object. */
  rowsIn: number;
  /** Rows the grant's row filter rejected. */
  rowsFiltered: number;
  /** Rows withheld because their equivalence class was smaller than k. */
  rowsSuppressed: number;
  /** Rows in the view. */
  rowsOut: number;
  /** Released quasi-identifiers (empty without k-anonymity). */
  quasiIdentifiers: string[];
  /** k, or null without k-anonymity. */
  k: number | null;
  /** The prosecutor-model risk report (k-anonymity only). */
  risk: RiskReport | null;
  /** Total bytes of the chunks. */
  bytes: number;
  /** Milliseconds the materialization took. */
  millis: number;
}

/** The manifest: the chunk index plus the summary. */
export interface ViewManifest extends ChunkedViewIndex {
  view: { grantId: string; summary: ViewSummary; createdAt: string };
}

/** The manifest's object key under a prefix (which ends with "/"). */
export function manifestKey(prefix: string): string {
  return `${prefix}${MANIFEST_NAME}`;
}

/** Parses manifest bytes; VIEW_CORRUPT when they are not a manifest of this library. */
export function parseManifest(bytes: Buffer): ViewManifest {
  let m: ViewManifest;
  try {
    m = JSON.parse(bytes.toString('utf8')) as ViewManifest;
  } catch (cause) {
    throw new ViewError(ViewErrorCode.VIEW_CORRUPT, 'the view manifest is not JSON', { cause });
  }
  const ok =
    m !== null &&
    typeof m === 'object' &&
    m.format === CHUNKED_VIEW_FORMAT &&
    Array.isArray(m.columns) &&
    Array.isArray(m.chunks) &&
    Number.isInteger(m.rowCount) &&
    typeof m.view === 'object' &&
    m.view !== null;
  if (!ok) throw new ViewError(ViewErrorCode.VIEW_CORRUPT, 'the view manifest is not a view manifest');
  let next = 0;
  for (const c of m.chunks) {
    if (c.firstRow !== next || !(c.rowCount > 0) || typeof c.sha256 !== 'string')
      throw new ViewError(ViewErrorCode.VIEW_CORRUPT, 'the view manifest lists chunks out of order');
    next += c.rowCount;
  }
  if (next !== m.rowCount)
    throw new ViewError(ViewErrorCode.VIEW_CORRUPT, 'the view manifest row count does not match its chunks');
  return m;
}
