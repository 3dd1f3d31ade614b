import { Injectable, Logger } from '@nestjs/common';
import type { GrantEntity } from '@maxhub/db';
import { AccessService, Actor, AuditService, HubError } from '@maxhub/core';
import { CHANGES_GRANT, partiesOf } from './grant-rules';

/** The audit action of each grant operation whose refusals are recorded. */
export type GrantRefusalAction =
  'grant.signature.refused' | 'grant.termination.refused' | 'grant.amendment.refused';

/** What a refusal entry names besides its reason: hub-side values, numbers and hashes only. */
export type GrantRefusalDetails = Record<string, string | number | null>;

/**
 * Refused grant operations in the audit log. An operation on a grant the caller can see that is
 * refused is recorded with its reason code (the HubError's code, `INTERNAL` for anything
 * unexpected) before the refusal reaches the caller. Where:
 * - the operator, or a LEGAL member of either party (who may change the grant, which both parties
 *   share): the logs of both parties, as the grant's own events;
 * - any other member of a party: only the log of the party (or parties) they belong to.
 * A refusal answered NOT_FOUND writes nothing anywhere: the caller may not see the grant (its id
 * was checked before this runs), so no party's log may learn of the attempt from it. Callers
 * check ids before this runs; details never carry caller text.
 */
@Injectable()
export class GrantRefusalsService {
  private readonly logger = new Logger(GrantRefusalsService.name);

  constructor(
    private readonly access: AccessService,
    private readonly audit: AuditService,
  ) {}

  /** Runs `operation`; when it throws, records the refusal (best effort) and rethrows the same error. */
  async audited<T>(
    actor: Actor,
    grant: GrantEntity,
    action: GrantRefusalAction,
    details: GrantRefusalDetails,
    operation: () => Promise<T>,
  ): Promise<T> {
    try {
      return await operation();
    } catch (err) {
      await this.record(actor, grant, action, details, err);
      throw err;
    }
  }

  private async record(
    actor: Actor,
    grant: GrantEntity,
    action: GrantRefusalAction,
    details: GrantRefusalDetails,
    err: unknown,
  ): Promise<void> {
    if (err instanceof HubError && err.category === 'NOT_FOUND') return;
    const reason = err instanceof HubError ? err.code : 'INTERNAL';
    const legal = this.access.standing(actor, partiesOf(grant), CHANGES_GRANT) === 'ALLOWED';
    const inCompany = this.access.standing(actor, { companyId: grant.grantorCompanyId }, { company: 'ANY' });
    const inGroup = this.access.standing(
      actor,
      { workingGroupId: grant.granteeWorkingGroupId },
      { workingGroup: 'ANY' },
    );
    await this.audit
      .appendStandalone({
        actorUserId: actor.userId,
        action,
        companyId: legal || inCompany === 'ALLOWED' ? grant.grantorCompanyId : null,
        workingGroupId: legal || inGroup === 'ALLOWED' ? grant.granteeWorkingGroupId : null,
        subjectType: 'grant',
        subjectId: grant.id,
        details: { reason, ...details },
      })
      .catch(() => this.logger.error({ msg: 'grant refusal could not be audited', action, reason }));
  }
}
