import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { AuditEntryEntity, CompanyEntity, WorkingGroupEntity } from '@maxhub/db';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccessService, Actor, AuditService, badInput, CoreErrorCode, notFound } from '@maxhub/core';
import { AuditErrorCode } from './audit.errors';
import { CurrentActor } from '../../common/current-actor.decorator';
import { Permission, RequirePermission } from '../../common/permissions';
import { AuditChainVerification, AuditEntry, AuditEntryPage } from './audit.models';

@Resolver(() => AuditEntry)
export class AuditResolver {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly access: AccessService,
  ) {}

  @Query(() => AuditEntryPage, {
    description:
      'Audit entries touching a company (its members) or a working group (its members); the operator may read all.',
  })
  @RequirePermission(Permission.MEMBER)
  async auditEntries(
    @CurrentActor() actor: Actor,
    @Args('companySlug', { nullable: true, description: 'Entries touching this company.' })
    companySlug?: string,
    @Args('workingGroupSlug', { nullable: true, description: 'Entries touching this working group.' })
    groupSlug?: string,
    @Args('action', { nullable: true, description: 'Only this action, e.g. "query.slice".' }) action?: string,
    @Args('first', { type: () => Int, defaultValue: 100, description: 'Page size (1–1000).' }) first = 100,
    @Args('after', { nullable: true, description: 'Cursor from the previous page.' }) after?: string,
  ): Promise<AuditEntryPage> {
    if (first < 1 || first > 1000)
      throw badInput(AuditErrorCode.AUDIT_PAGE_SIZE_INVALID, '`first` must be between 1 and 1000');
    // A null cursor is a client's empty one: the first page.
    if (after !== null && after !== undefined && !/^\d{1,18}$/.test(after))
      throw badInput(
        AuditErrorCode.AUDIT_CURSOR_INVALID,
        '`after` is not a cursor this hub issued: pass a nextCursor it answered',
      );
    const qb = this.dataSource.getRepository(AuditEntryEntity).createQueryBuilder('e');
    if (companySlug) {
      const c = await this.dataSource.getRepository(CompanyEntity).findOne({ where: { slug: companySlug } });
      if (!c) throw notFound(CoreErrorCode.ALLIANCE_COMPANY_NOT_FOUND, 'no such company among yours');
      this.access.requireCompany(actor, c.id, 'ANY', { adminPasses: true });
      qb.andWhere('e.company_id = :cid', { cid: c.id });
    }
    if (groupSlug) {
      const g = await this.dataSource
        .getRepository(WorkingGroupEntity)
        .findOne({ where: { slug: groupSlug } });
      if (!g)
        throw notFound(CoreErrorCode.ALLIANCE_WORKING_GROUP_NOT_FOUND, 'no such working group among yours');
      this.access.requireWorkingGroup(actor, g.id, 'ANY', { adminPasses: true });
      qb.andWhere('e.working_group_id = :gid', { gid: g.id });
    }
    if (!companySlug && !groupSlug && !actor.isAdmin) {
      throw badInput(AuditErrorCode.AUDIT_SCOPE_REQUIRED, 'name a companySlug or workingGroupSlug of yours');
    }
    if (action) qb.andWhere('e.action = :action', { action });
    if (after) qb.andWhere('e.seq > :after', { after });
    const rows = await qb
      .orderBy('e.seq', 'ASC')
      .limit(first + 1)
      .getMany();
    const page = rows.slice(0, first);
    return {
      entries: page.map((r) => ({
        ...r,
        details: (JSON.parse(r.payload) as { details: Record<string, unknown> }).details,
      })),
      nextCursor: rows.length > first ? page[page.length - 1].seq : null,
    };
  }

  @Query(() => AuditChainVerification, { description: 'Recompute the whole audit chain (operator).' })
  @RequirePermission(Permission.ADMIN)
  async verifyAuditChain(): Promise<AuditChainVerification> {
    const r = await this.audit.verify();
    return {
      ok: r.ok,
      entries: r.entries,
      lastHash: r.lastHash,
      firstBrokenSeq: r.firstBroken ? String(r.firstBroken.seq) : null,
      firstBrokenReason: r.firstBroken?.reason ?? null,
    };
  }
}
