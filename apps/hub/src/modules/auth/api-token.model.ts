import { Field, ID, ObjectType } from '@nestjs/graphql';

@ObjectType({ description: 'A personal API token. The secret itself is shown only once, when issued.' })
export class ApiToken {
  @Field(() => ID, { description: 'Token id (not the secret).' })
  id!: string;

  @Field({ description: 'A name its owner gave it, e.g. "laptop" or "nightly export".' })
  name!: string;

  @Field({ description: 'The first characters of the token, to recognise it.' })
  prefix!: string;

  @Field({ description: 'When it was issued.' })
  createdAt!: Date;

  @Field({ description: 'After this instant the token is refused.' })
  expiresAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it was revoked, if it was.' })
  revokedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Last time it authenticated a request (to the minute).' })
  lastUsedAt!: Date | null;
}

@ObjectType({ description: 'A newly issued token. Store `token` now: the hub keeps only its hash.' })
export class IssuedApiToken {
  @Field({ description: 'The bearer token. Shown once; send it as "Authorization: Bearer <token>".' })
  token!: string;

  @Field(() => ApiToken, { description: 'The token record.' })
  apiToken!: ApiToken;
}
