import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Actor } from '@maxhub/core';
import { CurrentActor } from '../../common/current-actor.decorator';
import { Permission, RequirePermission } from '../../common/permissions';
import { ApiToken, IssuedApiToken } from './api-token.model';
import { CreateApiTokenInput } from './dto/create-api-token.input';
import { TokensService } from './tokens.service';

@Resolver(() => ApiToken)
export class TokensResolver {
  constructor(private readonly tokens: TokensService) {}

  @Query(() => [ApiToken], { description: 'Your API tokens (the operator may name another user).' })
  @RequirePermission(Permission.AUTHENTICATED)
  apiTokens(
    @CurrentActor() actor: Actor,
    @Args('userEmail', { nullable: true, description: 'Operator only: list this user’s tokens.' })
    userEmail?: string,
  ): Promise<ApiToken[]> {
    return this.tokens.list(actor, userEmail);
  }

  @Mutation(() => IssuedApiToken, { description: 'Issue an API token; the secret is returned once.' })
  @RequirePermission(Permission.AUTHENTICATED)
  async createApiToken(
    @CurrentActor() actor: Actor,
    @Args('input') input: CreateApiTokenInput,
  ): Promise<IssuedApiToken> {
    const issued = await this.tokens.issueFor(actor, input);
    return { token: issued.token, apiToken: issued.record };
  }

  @Mutation(() => ApiToken, { description: 'Revoke a token; it is refused from the next request on.' })
  @RequirePermission(Permission.AUTHENTICATED)
  revokeApiToken(
    @CurrentActor() actor: Actor,
    @Args('id', { type: () => ID, description: 'Token id.' }) id: string,
  ) {
    return this.tokens.revoke(actor, id);
  }
}
