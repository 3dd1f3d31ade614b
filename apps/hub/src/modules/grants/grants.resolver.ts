import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Actor } from '@maxhub/core';
import { CurrentActor } from '../../common/current-actor.decorator';
import { Permission, RequirePermission } from '../../common/permissions';
import { DraftGrantInput } from './dto/draft-grant.input';
import { Grant, GrantPartyEnum, GrantStateEnum, GrantVersion } from './grant.models';
import { GrantSigningService } from './grant-signing.service';
import { GrantsService } from './grants.service';

@Resolver()
export class GrantsResolver {
  constructor(
    private readonly service: GrantsService,
    private readonly signing: GrantSigningService,
  ) {}

  @Mutation(() => GrantVersion, {
    description:
      'Draft a grant (or amend a live one): validated against the datasets’ schemas and classes; returns the canonical bytes to sign, their SHA-256 and the terms as text. Legal staff of either party, or the operator.',
  })
  @RequirePermission(Permission.MEMBER)
  draftGrant(@CurrentActor() actor: Actor, @Args('input') input: DraftGrantInput): Promise<GrantVersion> {
    return this.service.draft(actor, input);
  }

  @Query(() => Grant, { description: 'One grant (members of either party and the operator).' })
  @RequirePermission(Permission.MEMBER)
  grant(
    @CurrentActor() actor: Actor,
    @Args('id', { type: () => ID, description: 'Grant id.' }) id: string,
  ): Promise<Grant> {
    return this.service.get(actor, id);
  }

  @Query(() => [Grant], {
    description: 'Grants you can see (members of either party; the operator sees all), newest first.',
  })
  @RequirePermission(Permission.MEMBER)
  grants(
    @CurrentActor() actor: Actor,
    @Args('companySlug', { nullable: true, description: 'Only grants from this company.' })
    companySlug?: string,
    @Args('workingGroupSlug', { nullable: true, description: 'Only grants to this working group.' })
    workingGroupSlug?: string,
    @Args('state', { type: () => GrantStateEnum, nullable: true, description: 'Only grants in this state.' })
    state?: GrantStateEnum,
  ): Promise<Grant[]> {
    return this.service.list(actor, { companySlug, workingGroupSlug, state });
  }

  @Mutation(() => GrantVersion, {
    description:
      'Attach a detached CMS signature (made with `maxhub contract sign`) to a grant version. Verified against the alliance CA and the current CRL; the party comes from the signer’s certificate. Both parties signed → ACTIVE.',
  })
  @RequirePermission(Permission.MEMBER)
  attachGrantSignature(
    @CurrentActor() actor: Actor,
    @Args('grantId', { type: () => ID, description: 'Grant id.' }) grantId: string,
    @Args('version', { type: () => Int, description: 'The version the signature is for.' }) version: number,
    @Args('signature', { description: 'The signature: PEM ("PKCS7"/"CMS") or base64 of the DER (.p7s).' })
    signature: string,
    @Args('party', {
      type: () => GrantPartyEnum,
      nullable: true,
      description: 'The party you sign for, if you want it checked against the certificate.',
    })
    party?: GrantPartyEnum,
  ): Promise<GrantVersion> {
    return this.signing.attachSignature(actor, grantId, version, signature, party ?? undefined);
  }

  @Mutation(() => Grant, {
    description:
      'End a grant at once with a signed termination document (maxhub.grant-termination/v1, canonical JSON) from either party’s legal signer.',
  })
  @RequirePermission(Permission.MEMBER)
  terminateGrant(
    @CurrentActor() actor: Actor,
    @Args('grantId', { type: () => ID, description: 'Grant id.' }) grantId: string,
    @Args('terminationDocument', {
      description: 'The termination document, exactly the canonical bytes that were signed (UTF-8 text).',
    })
    terminationDocument: string,
    @Args('signature', { description: 'Detached CMS over the termination document: PEM or base64 DER.' })
    signature: string,
  ): Promise<Grant> {
    return this.signing.terminate(actor, grantId, terminationDocument, signature);
  }
}
