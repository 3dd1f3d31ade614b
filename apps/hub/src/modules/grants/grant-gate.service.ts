import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { parseCanonicalGrant, type GrantDataset, type GrantDocument } from '@maxhub/contracts';
import { type GrantEntity, type GrantVersionEntity, type GrantViewEntity, preparedQuery } from '@maxhub/db';
import { PkiError, PkiErrorCode } from '@maxhub/pki';
import { DataSource } from 'typeorm';
import { notFound } from '@maxhub/core';
import { isUuid } from '../../common/ids';
import { PkiService, SignerCertificate, VerifiedSigner } from '../pki/pki.service';
import {
  type AccessSnapshot,
  distinctSigners,
  documentFailure,
  DocumentMismatch,
  documentIsVersion,
  gateRefusal,
  grantedDataset,
  intactDocumentSha256,
  liveVersionDecision,
  missingSignature,
  PARTIES,
  sha256Hex,
  signatureFailure,
  signerMismatch,
} from './grant-rules';
import { GrantErrorCode as E } from './grants.errors';

/** A grant's two parties: what a caller's own check of who asks looks at. */
export type GrantParties = Pick<GrantEntity, 'id' | 'grantorCompanyId' | 'granteeWorkingGroupId'>;

/**
 * The newest view of the live version for the requested dataset, with the grant's queries
 * counted on the UTC day of the check (null when none was counted).
 */
export type ServedGrantView = Pick<
  GrantViewEntity,
  | 'id'
  | 'grantId'
  | 'grantVersionId'
  | 'datasetVersionId'
  | 'companyId'
  | 'status'
  | 'prefix'
  | 'manifestSha256'
  | 'rowsFiltered'
  | 'rowsSuppressed'
  | 'errorCode'
> & { queriesToday: number | null };

/** Options of {@link GrantGateService.read}. */
export interface GrantGateOptions {
  /**
   * Also read, in the same query, the view that serves the dataset under the live version and
   * the grant's usage on the check's UTC day ({@link ServedGrantView}): the query engine's hot
   * path needs both, and a second round trip would double its latency.
   */
  servedView?: boolean;
}

/** What {@link GrantGateService.read} read: the grant's parties, and the snapshot the gate judges. */
export interface GrantAccessRead {
  grantId: string;
  datasetId: string;
  at: Date;
  parties: GrantParties;
  snapshot: AccessSnapshot;
  /** Present when asked for ({@link GrantGateOptions.servedView}); null when there is none. */
  servedView?: ServedGrantView | null;
}

/** An open grant: the verified terms that govern this access. */
export interface OpenGrant {
  grant: GrantParties;
  version: Pick<GrantVersionEntity, 'id' | 'version' | 'sha256' | 'state' | 'termFrom' | 'termUntil'>;
  /** The verified grant document (parsed from the signed canonical bytes). */
  document: GrantDocument;
  /** The terms for the requested dataset. */
  dataset: GrantDataset;
  /** Present when asked for ({@link GrantGateOptions.servedView}); null when there is none. */
  servedView?: ServedGrantView | null;
}

/** The view serving the dataset ($3) under the live version (`lv.id`), with the grant's usage on the day ($4), as JSON. */
const SERVED_VIEW_SQL = `SELECT json_build_object(
    'id', v.id, 'grantId', v.grant_id, 'grantVersionId', v.grant_version_id,
    'datasetVersionId', v.dataset_version_id, 'companyId', v.company_id, 'status', v.status,
    'prefix', v.prefix, 'manifestSha256', v.manifest_sha256, 'rowsFiltered', v.rows_filtered::text,
    'rowsSuppressed', v.rows_suppressed::text, 'errorCode', v.error_code,
    'queriesToday', (SELECT u.queries FROM grant_query_usage u WHERE u.grant_id = v.grant_id AND u.day = $4::date))
  FROM grant_views v
 WHERE v.grant_version_id = lv.id AND v.dataset_id = $3::uuid
 ORDER BY v.created_at DESC LIMIT 1`;

/**
 * The snapshot's query: the grant, its live (ACTIVE or SUSPENDED) version or else the state of
 * its latest, SHA-256 of the stored document and signatures computed by the database now, the
 * certificate records the signatures name, and the newest CRL number of the issuing CA ($2).
 * With `servedView`, also the newest view of the live version for the dataset ($3) and the
 * grant's usage on the day ($4), as JSON.
 */
const snapshotSql = (servedView: boolean) => `
SELECT ${servedView ? `(${SERVED_VIEW_SQL}) AS "servedView", ` : ''}g.grantor_company_id AS "grantorCompanyId", g.grantee_working_group_id AS "granteeWorkingGroupId",
       lv.id AS "versionId", lv.version, lv.state, lv.state_reason AS "stateReason",
       lv.term_from AS "termFrom", lv.term_until AS "termUntil", lv.sha256,
       encode(sha256(lv.document), 'hex') AS "documentSha256",
       latest.state AS "latestState",
       crl.crl_number::text AS "crlNumber",
       (SELECT coalesce(json_agg(json_build_object(
                 'party', s.party, 'certificateId', s.certificate_id,
                 'cmsSha256', encode(sha256(s.cms_der), 'hex'),
                 'serialNumber', c.serial_number, 'issuerFingerprint', c.issuer_fingerprint,
                 'fingerprintSha256', c.fingerprint_sha256, 'userId', c.user_id,
                 'notAfter', c.not_after, 'revokedAt', c.revoked_at)), '[]'::json)
          FROM grant_signatures s JOIN certificates c ON c.id = s.certificate_id
         WHERE s.grant_version_id = lv.id AND s.replaced_at IS NULL) AS signatures
  FROM grants g
  LEFT JOIN LATERAL (SELECT v.* FROM grant_versions v
                      WHERE v.grant_id = g.id AND v.state IN ('ACTIVE', 'SUSPENDED')
                      ORDER BY v.version DESC LIMIT 1) lv ON true
  LEFT JOIN LATERAL (SELECT v.state FROM grant_versions v
                      WHERE v.grant_id = g.id ORDER BY v.version DESC LIMIT 1) latest ON true
  LEFT JOIN LATERAL (SELECT r.crl_number FROM crls r
                      WHERE r.issuer_fingerprint = $2 ORDER BY r.crl_number DESC LIMIT 1) crl ON true
 WHERE g.id = $1`;

const SNAPSHOT_SQL = snapshotSql(false);
const SNAPSHOT_WITH_VIEW_SQL = snapshotSql(true);

/** Parsed grant documents by the SHA-256 of their bytes (parsing is deterministic). */
const MAX_PARSED_DOCUMENTS = 1_000;

const utcDay = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The grant gate: the check every data access makes, fail closed. It reads everything it judges
 * in one query ({@link read}), then decides ({@link judge}; the rules are grant-rules.ts): the
 * grant opens `datasetId` at `at` when its live version is ACTIVE and within its term, its stored
 * bytes intact, and both parties' current signatures verify NOW against the alliance anchors and
 * the CRL in force (cached per signature and CRL number, so this is cheap).
 *
 * It does not check who calls. A caller with a rule about who may ask (the query engine: an
 * ANALYST of the grantee working group) reads first, judges the parties with AccessService, and
 * only then asks for the verdict, so that someone outside the grant learns nothing of its state.
 */
@Injectable()
export class GrantGateService {
  private readonly parsedDocuments = new Map<string, GrantDocument>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pki: PkiService,
  ) {}

  /** {@link read} then {@link judge}: for callers with no check of their own in between. */
  async assertOpen(
    grantId: string,
    datasetId: string,
    at: Date = new Date(),
    options: GrantGateOptions = {},
  ): Promise<OpenGrant> {
    return this.judge(await this.read(grantId, datasetId, at, options));
  }

  /**
   * Reads, in one query, what the gate judges about `grantId` for an access to `datasetId` at
   * `at`. Judges nothing but existence: NOT_FOUND GRANT_NOT_FOUND when `grantId` is not a UUID or
   * names no grant.
   */
  async read(
    grantId: string,
    datasetId: string,
    at: Date,
    options: GrantGateOptions = {},
  ): Promise<GrantAccessRead> {
    if (!isUuid(grantId)) throw notFound(E.GRANT_NOT_FOUND, 'no such grant');
    const ca = await this.pki.ca();
    const rows = await preparedQuery<AccessSnapshot & { servedView?: ServedGrantView | null }>(
      this.dataSource,
      options.servedView ? SNAPSHOT_WITH_VIEW_SQL : SNAPSHOT_SQL,
      options.servedView
        ? [grantId, ca.issuerFingerprint, isUuid(datasetId) ? datasetId : null, utcDay(at)]
        : [grantId, ca.issuerFingerprint],
    );
    if (!rows[0]) throw notFound(E.GRANT_NOT_FOUND, 'no such grant');
    const { servedView, ...snapshot } = rows[0];
    return {
      grantId,
      datasetId,
      at,
      parties: {
        id: grantId,
        grantorCompanyId: snapshot.grantorCompanyId,
        granteeWorkingGroupId: snapshot.granteeWorkingGroupId,
      },
      snapshot,
      ...(options.servedView ? { servedView: servedView ?? null } : {}),
    };
  }

  /**
   * The verdict over what {@link read} read. Resolves with the verified terms for the dataset, or
   * throws HubError: FORBIDDEN GRANT_NOT_ACTIVE | GRANT_SUSPENDED | GRANT_EXPIRED |
   * GRANT_TERMINATED | GRANT_DOCUMENT_TAMPERED | GRANT_SIGNATURE_INVALID (details.pkiCode) |
   * GRANT_DATASET_NOT_GRANTED; SERVICE_UNAVAILABLE DATABASE_UNAVAILABLE | GRANT_CHECK_UNAVAILABLE
   * when what it checks cannot be read (an infrastructure failure is never a tampering verdict).
   */
  async judge(read: GrantAccessRead): Promise<OpenGrant> {
    const { grantId, datasetId, at, snapshot: snap } = read;
    const state = liveVersionDecision(snap, at);
    if ('refused' in state) throw gateRefusal(state.refused);
    const live = state.open;
    const sha = intactDocumentSha256(snap);
    let document: GrantDocument;
    try {
      if (sha === null) throw new DocumentMismatch('hash');
      document = await this.parsedDocument(live.id, sha);
      if (!documentIsVersion(document, grantId, live.version)) throw new DocumentMismatch('identity');
    } catch (err) {
      throw documentFailure(err);
    }
    const granted = grantedDataset(document, datasetId);
    if ('refused' in granted) throw gateRefusal(granted.refused);
    const crl = await this.pki.crlNumbered(snap.crlNumber, at);
    const signers = new Set<string>();
    for (const party of PARTIES) {
      const s = snap.signatures.find((x) => x.party === party);
      if (!s) throw gateRefusal(missingSignature(party));
      let v: VerifiedSigner<SignerCertificate>;
      try {
        v = await this.pki.verifyStored(
          {
            cmsSha256: s.cmsSha256,
            contentSha256: sha,
            certificate: {
              id: s.certificateId,
              serialNumber: s.serialNumber,
              issuerFingerprint: s.issuerFingerprint,
              fingerprintSha256: s.fingerprintSha256,
              userId: s.userId,
              notAfter: new Date(s.notAfter),
              revokedAt: s.revokedAt === null ? null : new Date(s.revokedAt),
            },
            load: () => this.storedSignatureBytes(live.id, party),
          },
          at,
          crl,
        );
      } catch (err) {
        throw signatureFailure(party, err);
      }
      const mismatch = signerMismatch(party, document, v, s.certificateId);
      if (mismatch) throw gateRefusal(mismatch);
      signers.add(v.certificate.userId);
    }
    const same = distinctSigners(signers);
    if (same) throw gateRefusal(same);
    return {
      grant: read.parties,
      version: {
        id: live.id,
        version: live.version,
        sha256: sha,
        state: live.state,
        termFrom: live.termFrom,
        termUntil: live.termUntil,
      },
      document,
      dataset: granted.open,
      ...(read.servedView === undefined ? {} : { servedView: read.servedView }),
    };
  }

  /** The parsed document of a version whose bytes hash to `sha` (read and parsed once per hash). */
  private async parsedDocument(versionId: string, sha: string): Promise<GrantDocument> {
    const known = this.parsedDocuments.get(sha);
    if (known) return known;
    const rows: Array<{ document: Buffer }> = await this.dataSource.query(
      'SELECT document FROM grant_versions WHERE id = $1',
      [versionId],
    );
    const bytes = rows[0]?.document;
    if (!bytes || sha256Hex(bytes) !== sha) throw new DocumentMismatch('hash');
    const document = parseCanonicalGrant(bytes);
    if (this.parsedDocuments.size >= MAX_PARSED_DOCUMENTS) this.parsedDocuments.clear();
    this.parsedDocuments.set(sha, document);
    return document;
  }

  /** The stored bytes a party's current signature covers (read only when its outcome is not cached). */
  private async storedSignatureBytes(
    versionId: string,
    party: 'GRANTOR' | 'GRANTEE',
  ): Promise<{ content: Buffer; cmsDer: Buffer }> {
    const rows: Array<{ document: Buffer; cms_der: Buffer }> = await this.dataSource.query(
      `SELECT v.document, s.cms_der FROM grant_versions v
         JOIN grant_signatures s ON s.grant_version_id = v.id AND s.party = $2 AND s.replaced_at IS NULL
        WHERE v.id = $1`,
      [versionId, party],
    );
    if (!rows[0]) throw new PkiError(PkiErrorCode.PKI_SIGNATURE_INVALID, 'the stored signature is gone');
    return { content: rows[0].document, cmsDer: rows[0].cms_der };
  }
}
