import { Injectable } from '@nestjs/common';
import type { CompanyRole, WorkingGroupRole } from '@maxhub/db';
import type { Actor } from './actor';
import { CoreErrorCode } from '../errors/core.errors';
import { HubError, type HubErrorCode } from '../errors/hub-error';

/**
 * The one place resource-level access is decided. Set-based and deny by default: a caller who
 * holds none of the named roles on a resource gets NOT_FOUND (it may not even learn the
 * resource exists), one who sees it but lacks the role gets FORBIDDEN.
 */
@Injectable()
export class AccessService {
  /** Ids of the companies where the actor holds any of `roles` (any role when omitted). */
  companiesOf(actor: Actor, roles?: CompanyRole[]): Set<string> {
    const out = new Set<string>();
    for (const [id, held] of actor.companies) if (!roles || roles.some((r) => held.has(r))) out.add(id);
    return out;
  }

  /** Ids of the working groups where the actor holds any of `roles` (any role when omitted). */
  workingGroupsOf(actor: Actor, roles?: WorkingGroupRole[]): Set<string> {
    const out = new Set<string>();
    for (const [id, held] of actor.workingGroups) if (!roles || roles.some((r) => held.has(r))) out.add(id);
    return out;
  }

  /** Requires one of `roles` in the company (operators pass when `adminPasses`). */
  requireCompany(
    actor: Actor,
    companyId: string,
    roles: CompanyRole[] | 'ANY',
    opts: { adminPasses?: boolean; notFoundCode?: HubErrorCode } = {},
  ): void {
    if (opts.adminPasses && actor.isAdmin) return;
    const held = actor.companies.get(companyId);
    if (!held) {
      throw new HubError(
        'NOT_FOUND',
        opts.notFoundCode ?? CoreErrorCode.ALLIANCE_COMPANY_NOT_FOUND,
        'no such company among yours',
      );
    }
    if (roles !== 'ANY' && !roles.some((r) => held.has(r))) {
      throw new HubError(
        'FORBIDDEN',
        CoreErrorCode.AUTH_ROLE_REQUIRED,
        `this needs the ${roles.join(' or ')} role in the company`,
      );
    }
  }

  /** Requires one of `roles` in the working group (operators pass when `adminPasses`). */
  requireWorkingGroup(
    actor: Actor,
    workingGroupId: string,
    roles: WorkingGroupRole[] | 'ANY',
    opts: { adminPasses?: boolean; notFoundCode?: HubErrorCode } = {},
  ): void {
    if (opts.adminPasses && actor.isAdmin) return;
    const held = actor.workingGroups.get(workingGroupId);
    if (!held) {
      throw new HubError(
        'NOT_FOUND',
        opts.notFoundCode ?? CoreErrorCode.ALLIANCE_WORKING_GROUP_NOT_FOUND,
        'no such working group among yours',
      );
    }
    if (roles !== 'ANY' && !roles.some((r) => held.has(r))) {
      throw new HubError(
        'FORBIDDEN',
        CoreErrorCode.AUTH_ROLE_REQUIRED,
        `this needs the ${roles.join(' or ')} role in the working group`,
      );
    }
  }
}
