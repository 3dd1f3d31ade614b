import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';

export enum CompanyRoleEnum {
  PUBLISHER = 'PUBLISHER',
  LEGAL = 'LEGAL',
}
registerEnumType(CompanyRoleEnum, {
  name: 'CompanyRole',
  description: 'Roles in a member company.',
  valuesMap: {
    PUBLISHER: { description: 'Uploads and publishes the company’s datasets.' },
    LEGAL: { description: 'Drafts and signs NDA grants for the company.' },
  },
});

export enum WorkingGroupRoleEnum {
  ANALYST = 'ANALYST',
  LEGAL = 'LEGAL',
}
registerEnumType(WorkingGroupRoleEnum, {
  name: 'WorkingGroupRole',
  description: 'Roles in a working group.',
  valuesMap: {
    ANALYST: { description: 'Queries the de-identified slices granted to the group.' },
    LEGAL: { description: 'Signs NDA grants on behalf of the group.' },
  },
});

export enum StorageKind {
  ALLIANCE = 'ALLIANCE',
  OWN_ENDPOINT = 'OWN_ENDPOINT',
}
registerEnumType(StorageKind, {
  name: 'StorageKind',
  description: 'Where a company keeps its objects.',
  valuesMap: {
    ALLIANCE: { description: 'A bucket company-<slug> on the alliance MinIO.' },
    OWN_ENDPOINT: { description: 'The company’s own S3/MinIO endpoint and bucket.' },
  },
});

@ObjectType({ description: 'A member company of the alliance.' })
export class Company {
  @Field(() => ID, { description: 'Company id.' })
  id!: string;

  @Field({ description: 'Short unique name used in URLs and bucket names, e.g. "hanbit-motors".' })
  slug!: string;

  @Field({ description: 'Registered name.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Korean name, e.g. "한빛모터스".' })
  nameKo!: string | null;

  @Field({ description: 'Business registration number (사업자등록번호), 10 digits.' })
  businessRegistrationNumber!: string;

  @Field(() => StorageKind, { description: 'Alliance MinIO or the company’s own endpoint.' })
  storage!: StorageKind;

  @Field(() => String, {
    nullable: true,
    description: 'Bucket holding the company’s data. Shown to the company’s members and the operator only.',
  })
  bucket!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The company’s own endpoint URL, if any. Shown to the company’s members and the operator only.',
  })
  endpointUrl!: string | null;

  @Field({ description: 'When the company was registered.' })
  createdAt!: Date;
}

@ObjectType({ description: 'An alliance working group, the grantee side of NDA grants.' })
export class WorkingGroup {
  @Field(() => ID, { description: 'Working group id.' })
  id!: string;

  @Field({ description: 'Short unique name, e.g. "humanoids".' })
  slug!: string;

  @Field({ description: 'English name.' })
  nameEn!: string;

  @Field({ description: 'Korean name, e.g. "휴머노이드".' })
  nameKo!: string;
}

@ObjectType({ description: 'A person in the hub.' })
export class Person {
  @Field(() => ID, { description: 'User id.' })
  id!: string;

  @Field({ description: 'E-mail address (the login name).' })
  email!: string;

  @Field({ description: 'Name to display.' })
  displayName!: string;

  @Field({ description: 'True for alliance operators.' })
  isAdmin!: boolean;
}

@ObjectType({ description: 'A person’s role in a company.' })
export class CompanyMember {
  @Field(() => Person, { description: 'The person.' })
  person!: Person;

  @Field(() => Company, { description: 'The company.' })
  company!: Company;

  @Field(() => CompanyRoleEnum, { description: 'The role held.' })
  role!: CompanyRoleEnum;
}

@ObjectType({ description: 'A person’s role in a working group.' })
export class WorkingGroupMember {
  @Field(() => Person, { description: 'The person.' })
  person!: Person;

  @Field(() => WorkingGroup, { description: 'The working group.' })
  workingGroup!: WorkingGroup;

  @Field(() => WorkingGroupRoleEnum, { description: 'The role held.' })
  role!: WorkingGroupRoleEnum;
}

@ObjectType({ description: 'Who you are and where you belong.' })
export class Me {
  @Field(() => Person, { description: 'You.' })
  person!: Person;

  @Field(() => [CompanyMember], { description: 'Your roles in companies.' })
  companies!: CompanyMember[];

  @Field(() => [WorkingGroupMember], { description: 'Your roles in working groups.' })
  workingGroups!: WorkingGroupMember[];
}
