import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Person } from '../alliance/alliance.models';

export enum OrgKindEnum {
  COMPANY = 'COMPANY',
  WORKING_GROUP = 'WORKING_GROUP',
}
registerEnumType(OrgKindEnum, {
  name: 'OrgKind',
  description: 'The kind of organisation a member certificate speaks for.',
  valuesMap: {
    COMPANY: { description: 'A member company (the grantor side of grants).' },
    WORKING_GROUP: { description: 'An alliance working group (the grantee side of grants).' },
  },
});

export enum SignerRoleEnum {
  LEGAL = 'LEGAL',
}
registerEnumType(SignerRoleEnum, {
  name: 'SignerRole',
  description: 'Roles a member certificate may carry.',
  valuesMap: { LEGAL: { description: 'Legal staff: signs NDA grants for the organisation.' } },
});

export enum RevocationReasonEnum {
  UNSPECIFIED = 'unspecified',
  KEY_COMPROMISE = 'keyCompromise',
  AFFILIATION_CHANGED = 'affiliationChanged',
  SUPERSEDED = 'superseded',
  CESSATION_OF_OPERATION = 'cessationOfOperation',
  PRIVILEGE_WITHDRAWN = 'privilegeWithdrawn',
}
registerEnumType(RevocationReasonEnum, {
  name: 'RevocationReason',
  description: 'Why a certificate is revoked (RFC 5280 CRLReason, written into the CRL).',
  valuesMap: {
    UNSPECIFIED: { description: 'No reason given.' },
    KEY_COMPROMISE: { description: 'The private key is (or may be) known to someone else.' },
    AFFILIATION_CHANGED: { description: 'The person left the organisation or changed role.' },
    SUPERSEDED: { description: 'Replaced by a new certificate.' },
    CESSATION_OF_OPERATION: { description: 'The organisation or function no longer exists.' },
    PRIVILEGE_WITHDRAWN: { description: 'The person may no longer sign for the organisation.' },
  },
});

@ObjectType({ description: 'A member signing certificate issued by the alliance CA.' })
export class Certificate {
  @Field(() => ID, { description: 'Certificate id in the hub.' })
  id!: string;

  @Field({ description: 'Serial number, lowercase hex.' })
  serialNumber!: string;

  @Field(() => Person, { description: 'The person the certificate is bound to.' })
  person!: Person;

  @Field(() => OrgKindEnum, { description: 'Company or working group.' })
  orgKind!: OrgKindEnum;

  @Field({ description: 'Slug of the company or working group.' })
  orgSlug!: string;

  @Field(() => SignerRoleEnum, { description: 'The role the certificate carries.' })
  role!: SignerRoleEnum;

  @Field({ description: 'The certificate, PEM. Public: hand it to the holder and verifiers.' })
  certificatePem!: string;

  @Field({ description: 'SHA-256 of the certificate DER, lowercase hex.' })
  fingerprintSha256!: string;

  @Field({ description: 'Start of validity.' })
  notBefore!: Date;

  @Field({ description: 'End of validity.' })
  notAfter!: Date;

  @Field({ description: 'When the hub issued it.' })
  issuedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it was revoked, if it was.' })
  revokedAt!: Date | null;

  @Field(() => RevocationReasonEnum, { nullable: true, description: 'Why it was revoked, if it was.' })
  revocationReason!: RevocationReasonEnum | null;
}
