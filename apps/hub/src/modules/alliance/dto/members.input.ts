import { Field, InputType } from '@nestjs/graphql';
import { CompanyRoleEnum, WorkingGroupRoleEnum } from '../alliance.models';

@InputType({ description: 'Give a person a role in a company (creating the person if new).' })
export class AddCompanyMemberInput {
  @Field({ description: 'Company slug.' })
  companySlug!: string;

  @Field({ description: 'The person’s e-mail address.' })
  email!: string;

  @Field({ nullable: true, description: 'Name to display (required when the person is new).' })
  displayName?: string;

  @Field(() => CompanyRoleEnum, { description: 'Role to give.' })
  role!: CompanyRoleEnum;
}

@InputType({ description: 'Give a person a role in a working group (creating the person if new).' })
export class AddWorkingGroupMemberInput {
  @Field({ description: 'Working group slug.' })
  workingGroupSlug!: string;

  @Field({ description: 'The person’s e-mail address.' })
  email!: string;

  @Field({ nullable: true, description: 'Name to display (required when the person is new).' })
  displayName?: string;

  @Field(() => WorkingGroupRoleEnum, { description: 'Role to give.' })
  role!: WorkingGroupRoleEnum;
}

@InputType({ description: 'Create a working group beyond the ten the alliance launched with.' })
export class CreateWorkingGroupInput {
  @Field({ description: 'Unique short name: 3–40 lower-case letters, digits or dashes.' })
  slug!: string;

  @Field({ description: 'English name.' })
  nameEn!: string;

  @Field({ description: 'Korean name.' })
  nameKo!: string;
}
