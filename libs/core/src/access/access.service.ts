import { Injectable } from '@nestjs/common';
import type { CompanyRole, WorkingGroupRole } from '@maxhub/db';
import type { Actor } from './actor';
import { CoreErrorCode } from '../errors/core.errors';
import { HubError, type HubErrorCode } from '../errors/hub-error';

/**
 * A rule over a resource a company and a working group share (a grant: its grantor company and
 * its grantee working group): the roles that count on each side ('ANY': any role; a side left
 * out does not count), and whether operators pass.
 */
export interface PartyRule {
  company?: CompanyRole[] | 'ANY';
  workingGroup?: WorkingGroupRole[] | 'ANY';
  adminPasses?: boolean;
}

/**
 * Where the actor stands under a {@link PartyRule}: `OUTSIDER` (a member of neither side; the
 * caller answers NOT_FOUND), `MEMBER` (a member of a side, without a role that counts; FORBIDDEN)
 * or `ALLOWED`.
 */
export type PartyStanding = 'OUTSIDER' | 'MEMBER' | 'ALLOWED';

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

  /**
   * Where the actor stands on a resource the company and the working group share, under `rule`
   * (set-based, deny by default: holding a counted role on either side is enough; no membership
   * on either side is OUTSIDER). The caller words the refusal with its own codes.
   */
  standing(
    actor: Actor,
    parties: { companyId?: string; workingGroupId?: string },
    rule: PartyRule,
  ): PartyStanding {
    if (rule.adminPasses && actor.isAdmin) return 'ALLOWED';
    const { company: companyRoles, workingGroup: groupRoles } = rule;
    const company = parties.companyId === undefined ? undefined : actor.companies.get(parties.companyId);
    const group =
      parties.workingGroupId === undefined ? undefined : actor.workingGroups.get(parties.workingGroupId);
    let member = false;
    if (companyRoles && company) {
      if (companyRoles === 'ANY' || companyRoles.some((r) => company.has(r))) return 'ALLOWED';
      member = true;
    }
    if (groupRoles && group) {
      if (groupRoles === 'ANY' || groupRoles.some((r) => group.has(r))) return 'ALLOWED';
      member = true;
    }
    return member ? 'MEMBER' : 'OUTSIDER';
  }
}
