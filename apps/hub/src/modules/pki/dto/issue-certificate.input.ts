import { Field, InputType, Int } from '@nestjs/graphql';
import { OrgKindEnum, SignerRoleEnum } from '../pki.models';

@InputType({ description: 'Issue a member signing certificate from a CSR made on the member’s machine.' })
export class IssueCertificateInput {
  @Field({
    description:
      'The PKCS#10 CSR, PEM (RSA 3072–8192 bits with public exponent 65537, SHA-256). Only its public key is used; the CA writes the subject itself.',
  })
  csrPem!: string;

  @Field({ description: 'E-mail address of the person the certificate binds.' })
  userEmail!: string;

  @Field(() => OrgKindEnum, { description: 'Whether the person signs for a company or a working group.' })
  orgKind!: OrgKindEnum;

  @Field({ nullable: true, description: 'Company slug (when orgKind is COMPANY).' })
  companySlug?: string;

  @Field({ nullable: true, description: 'Working group slug (when orgKind is WORKING_GROUP).' })
  workingGroupSlug?: string;

  @Field(() => SignerRoleEnum, {
    defaultValue: SignerRoleEnum.LEGAL,
    description: 'The role bound into the certificate; the person must hold it in the organisation.',
  })
  role!: SignerRoleEnum;

  @Field(() => Int, { defaultValue: 365, description: 'Days of validity, 1–825.' })
  validityDays!: number;
}
