import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { GrantDocument } from '@maxhub/contracts';
import { type Actor, HubError, notFound } from '@maxhub/core';
import { QueriesErrorCode as E } from './queries.errors';
import { ExportFormat } from './queries.models';

/** What a grant document allows for whole-view exports. */
export interface ExportTerms {
  allowed: boolean;
  /** Most rows one export may hold (a larger view is refused, not cut). */
  maxRows: number;
  /** Most exports per UTC day, or null when the document sets no such limit (v1). */
  perDay: number | null;
}

/**
 * The export terms as the document writes them: a v2 grant states them (`limits.exports`); a v1
 * grant says only "rows per query", and an export is a query, so it holds at most that many rows.
 */
export function exportTermsOf(doc: GrantDocument): ExportTerms {
  const e = doc.limits.exports;
  if (e === undefined) return { allowed: true, maxRows: doc.limits.rowsPerQuery, perDay: null };
  return { allowed: e.allowed, maxRows: e.maxRowsPerExport, perDay: e.perDay };
}

/** Refuses an export the document does not allow: none at all, or a view larger than one export may be. */
export function assertExportAllowed(terms: ExportTerms, grantId: string, viewRows: number): void {
  if (!terms.allowed) {
    throw new HubError(
      'FORBIDDEN',
      E.EXPORT_NOT_ALLOWED,
      `grant ${grantId} does not allow whole-view exports; read the data with slice (paged queries)`,
      { details: { grantId } },
    );
  }
  if (viewRows > terms.maxRows) {
    throw new HubError(
      'FORBIDDEN',
      E.EXPORT_TOO_MANY_ROWS,
      `grant ${grantId} allows at most ${terms.maxRows} rows per export and the view holds ${viewRows}; read it with slice (paged queries)`,
      { details: { grantId, maxRows: terms.maxRows, viewRows } },
    );
  }
}

/** The refusal once the day's exports are used up. */
export function exportsUsedUp(grantId: string, perDay: number): HubError {
  return new HubError(
    'FORBIDDEN',
    E.EXPORT_DAILY_LIMIT_REACHED,
    `grant ${grantId} allows ${perDay} exports per day (UTC); they are used up`,
    { details: { grantId } },
  );
}

/** What an export path carries: grant, dataset, format, the user it was issued to, expiry (epoch s). */
export interface ExportTicket {
  g: string;
  d: string;
  f: ExportFormat;
  u: string;
  e: number;
}

/**
 * Export paths: `/exports/<payload>.<HMAC>`, issued by exportSlice to one user for a short time
 * and checked again (with the grant) when fetched. The key is derived from the hub's master secret.
 */
export class ExportTickets {
  private readonly key: Buffer;

  constructor(masterSecret: string | Buffer) {
    this.key = createHash('sha256').update(masterSecret).update('maxhub/export-ticket/v1').digest();
  }

  /** The path of a new ticket. */
  issue(t: ExportTicket): string {
    const payload = Buffer.from(JSON.stringify(t)).toString('base64url');
    return `/exports/${payload}.${this.mac(payload)}`;
  }

  /** The ticket behind a path segment, when this hub issued it to `actor` and it has not expired. */
  read(ticket: string, actor: Actor): ExportTicket {
    const bad = () =>
      notFound(E.EXPORT_NOT_FOUND, 'no such export (it may have expired): call exportSlice again');
    const m = /^([A-Za-z0-9_-]{1,600})\.([A-Za-z0-9_-]{43})$/.exec(ticket);
    if (!m) throw bad();
    const want = Buffer.from(this.mac(m[1]));
    const got = Buffer.from(m[2]);
    if (want.length !== got.length || !timingSafeEqual(want, got)) throw bad();
    const t = JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8')) as ExportTicket;
    if (t.u !== actor.userId || t.e * 1000 < Date.now() || !Object.values(ExportFormat).includes(t.f))
      throw bad();
    return t;
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
