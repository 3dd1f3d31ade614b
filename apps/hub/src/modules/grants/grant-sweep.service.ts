import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type CertificateEntity, GrantVersionEntity } from '@maxhub/db';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService, returnedRows } from '@maxhub/core';
import { PkiService } from '../pki/pki.service';
import { grantEvent } from './grant-rules';

const SWEEP_INTERVAL_MS = 60_000;

/** A version whose state the sweep or a revocation changed, with the grant's parties. */
interface ChangedVersion {
  id: string;
  grant_id: string;
  version: number;
  sha256: string;
  grantor: string;
  grantee: string;
}

/**
 * What changes a grant's state without a party acting: the end of its term and of its signers'
 * certificates (a sweep every minute; the gate judges both on every access anyway, the sweep
 * records them), and the revocation of a signer's certificate (in the revoking transaction, as a
 * listener PkiService calls: the PKI module cannot import grants). Each change is audited.
 */
@Injectable()
export class GrantSweepService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(GrantSweepService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pki: PkiService,
    private readonly audit: AuditService,
  ) {
    this.pki.onRevocation((m, cert, actor) => this.suspendSignedBy(m, cert, actor.userId));
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) =>
        this.logger.error({ err: { message: (err as Error).message } }, 'grant sweep failed'),
      );
    }, SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * The periodic sweep (also callable directly): versions past their term become EXPIRED;
   * ACTIVE versions with a current signer certificate past its notAfter become SUSPENDED; the
   * CRL is reissued when it nears its nextUpdate.
   * Returns how many versions changed.
   */
  async sweep(now = new Date()): Promise<number> {
    // Keeps the published CRL fresh even when nobody asks for it.
    await this.pki.currentCrl(now);
    return this.dataSource.transaction(async (m) => {
      const expired: ChangedVersion[] = await m
        .query(
          `UPDATE grant_versions v SET state = 'EXPIRED', ended_at = $1, state_reason = 'TERM_ENDED'
             FROM grants g
            WHERE g.id = v.grant_id AND v.state IN ('DRAFT', 'AWAITING_SIGNATURES', 'ACTIVE', 'SUSPENDED') AND v.term_until <= $1
          RETURNING v.id, v.grant_id, v.version, v.sha256, g.grantor_company_id AS grantor, g.grantee_working_group_id AS grantee`,
          [now],
        )
        .then(returnedRows<never>);
      for (const r of expired) {
        await this.audit.append(
          m,
          grantEvent(null, 'grant.expired', r.grantor, r.grantee, r.grant_id, {
            version: r.version,
            sha256: r.sha256,
          }),
        );
      }
      const lapsed: ChangedVersion[] = await m
        .query(
          `UPDATE grant_versions v SET state = 'SUSPENDED', state_reason = 'PKI_CERT_EXPIRED'
             FROM grants g
            WHERE g.id = v.grant_id AND v.state = 'ACTIVE'
              AND EXISTS (SELECT 1 FROM grant_signatures s JOIN certificates c ON c.id = s.certificate_id
                           WHERE s.grant_version_id = v.id AND s.replaced_at IS NULL AND c.not_after <= $1)
          RETURNING v.id, v.grant_id, v.version, v.sha256, g.grantor_company_id AS grantor, g.grantee_working_group_id AS grantee`,
          [now],
        )
        .then(returnedRows<never>);
      for (const r of lapsed) {
        await this.audit.append(
          m,
          grantEvent(null, 'grant.suspended', r.grantor, r.grantee, r.grant_id, {
            version: r.version,
            sha256: r.sha256,
            reason: 'PKI_CERT_EXPIRED',
          }),
        );
      }
      return expired.length + lapsed.length;
    });
  }

  /** Revocation listener: suspends, in the revoking transaction, every ACTIVE version the certificate signed. */
  private async suspendSignedBy(
    m: EntityManager,
    cert: CertificateEntity,
    actorUserId: string,
  ): Promise<void> {
    const rows: ChangedVersion[] = await m.query(
      `SELECT v.id, v.grant_id, v.version, v.sha256, g.grantor_company_id AS grantor, g.grantee_working_group_id AS grantee
           FROM grant_versions v
           JOIN grants g ON g.id = v.grant_id
          WHERE v.state = 'ACTIVE'
            AND EXISTS (SELECT 1 FROM grant_signatures s
                         WHERE s.grant_version_id = v.id AND s.replaced_at IS NULL AND s.certificate_id = $1)
          FOR UPDATE OF v`,
      [cert.id],
    );
    for (const r of rows) {
      await m.update(
        GrantVersionEntity,
        { id: r.id },
        { state: 'SUSPENDED', stateReason: 'PKI_CERT_REVOKED' },
      );
      await this.audit.append(
        m,
        grantEvent(actorUserId, 'grant.suspended', r.grantor, r.grantee, r.grant_id, {
          version: r.version,
          sha256: r.sha256,
          reason: 'PKI_CERT_REVOKED',
        }),
      );
    }
  }
}
