import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Actor } from '@maxhub/core';
import { CurrentActor } from '../../common/current-actor.decorator';
import { Permission, RequirePermission } from '../../common/permissions';
import {
  Company,
  CompanyMember,
  CompanyRoleEnum,
  Me,
  WorkingGroup,
  WorkingGroupMember,
  WorkingGroupRoleEnum,
} from './alliance.models';
import { AllianceService } from './alliance.service';
import {
  AddCompanyMemberInput,
  AddWorkingGroupMemberInput,
  CreateWorkingGroupInput,
} from './dto/members.input';
import { RegisterCompanyInput } from './dto/register-company.input';

@Resolver()
export class AllianceResolver {
  constructor(private readonly alliance: AllianceService) {}

  @Query(() => Me, { description: 'Who you are, and your roles in companies and working groups.' })
  @RequirePermission(Permission.AUTHENTICATED)
  me(@CurrentActor() actor: Actor): Promise<Me> {
    return this.alliance.me(actor);
  }

  @Query(() => [Company], { description: 'The alliance’s member companies.' })
  @RequirePermission(Permission.MEMBER)
  companies(@CurrentActor() actor: Actor): Promise<Company[]> {
    return this.alliance.companies(actor);
  }

  @Query(() => Company, { description: 'One member company by slug.' })
  @RequirePermission(Permission.MEMBER)
  async company(
    @CurrentActor() actor: Actor,
    @Args('slug', { description: 'Company slug.' }) slug: string,
  ): Promise<Company> {
    return this.alliance.toCompany(await this.alliance.companyBySlug(slug), actor);
  }

  @Query(() => [WorkingGroup], { description: 'The alliance’s working groups.' })
  @RequirePermission(Permission.MEMBER)
  workingGroups(): Promise<WorkingGroup[]> {
    return this.alliance.workingGroups();
  }

  @Query(() => [CompanyMember], {
    description: 'People and roles of a company (its members and the operator only).',
  })
  @RequirePermission(Permission.MEMBER)
  companyMembers(
    @CurrentActor() actor: Actor,
    @Args('companySlug', { description: 'Company slug.' }) slug: string,
  ) {
    return this.alliance.companyMembers(actor, slug);
  }

  @Query(() => [WorkingGroupMember], {
    description: 'People and roles of a working group (its members and the operator only).',
  })
  @RequirePermission(Permission.MEMBER)
  workingGroupMembers(
    @CurrentActor() actor: Actor,
    @Args('workingGroupSlug', { description: 'Working group slug.' }) slug: string,
  ) {
    return this.alliance.workingGroupMembers(actor, slug);
  }

  @Mutation(() => Company, {
    description:
      'Register a member company. Creates its bucket company-<slug> on the alliance MinIO, or checks its own endpoint.',
  })
  @RequirePermission(Permission.ADMIN)
  registerCompany(
    @CurrentActor() actor: Actor,
    @Args('input') input: RegisterCompanyInput,
  ): Promise<Company> {
    return this.alliance.registerCompany(actor, input);
  }

  @Mutation(() => WorkingGroup, { description: 'Create a working group.' })
  @RequirePermission(Permission.ADMIN)
  createWorkingGroup(
    @CurrentActor() actor: Actor,
    @Args('input') input: CreateWorkingGroupInput,
  ): Promise<WorkingGroup> {
    return this.alliance.createWorkingGroup(actor, input);
  }

  @Mutation(() => CompanyMember, { description: 'Give a person (new or existing) a role in a company.' })
  @RequirePermission(Permission.ADMIN)
  addCompanyMember(
    @CurrentActor() actor: Actor,
    @Args('input') input: AddCompanyMemberInput,
  ): Promise<CompanyMember> {
    return this.alliance.addCompanyMember(actor, input);
  }

  @Mutation(() => Boolean, { description: 'Take a role in a company away from a person.' })
  @RequirePermission(Permission.ADMIN)
  removeCompanyMember(
    @CurrentActor() actor: Actor,
    @Args('companySlug', { description: 'Company slug.' }) companySlug: string,
    @Args('email', { description: 'The person’s e-mail address.' }) email: string,
    @Args('role', { type: () => CompanyRoleEnum, description: 'The role to remove.' }) role: CompanyRoleEnum,
  ): Promise<boolean> {
    return this.alliance.removeCompanyMember(actor, companySlug, email, role);
  }

  @Mutation(() => WorkingGroupMember, {
    description: 'Give a person (new or existing) a role in a working group.',
  })
  @RequirePermission(Permission.ADMIN)
  addWorkingGroupMember(
    @CurrentActor() actor: Actor,
    @Args('input') input: AddWorkingGroupMemberInput,
  ): Promise<WorkingGroupMember> {
    return this.alliance.addWorkingGroupMember(actor, input);
  }

  @Mutation(() => Boolean, { description: 'Take a role in a working group away from a person.' })
  @RequirePermission(Permission.ADMIN)
  removeWorkingGroupMember(
    @CurrentActor() actor: Actor,
    @Args('workingGroupSlug', { description: 'Working group slug.' }) slug: string,
    @Args('email', { description: 'The person’s e-mail address.' }) email: string,
    @Args('role', { type: () => WorkingGroupRoleEnum, description: 'The role to remove.' })
    role: WorkingGroupRoleEnum,
  ): Promise<boolean> {
    return this.alliance.removeWorkingGroupMember(actor, slug, email, role);
  }
}
