import { Field, InputType, Int } from '@nestjs/graphql';

@InputType({ description: 'Issue a personal API token.' })
export class CreateApiTokenInput {
  @Field({ description: 'A name to recognise the token by (1–100 characters).' })
  name!: string;

  @Field(() => Int, {
    nullable: true,
    description:
      'Lifetime in days, from 1 to the hub’s maximum (TOKEN_MAX_TTL_DAYS, 90 unless the operator set another); the configured default when omitted.',
  })
  ttlDays?: number;

  @Field({
    nullable: true,
    description: 'Alliance operator only: issue the token for this user instead of yourself.',
  })
  userEmail?: string;
}
