import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Actor } from '@maxhub/core';
import { CurrentActor } from '../../common/current-actor.decorator';
import { Permission, RequirePermission } from '../../common/permissions';
import { IssueCertificateInput } from './dto/issue-certificate.input';
import { Certificate, RevocationReasonEnum } from './pki.models';
import { PkiService } from './pki.service';

@Resolver()
export class PkiResolver {
  constructor(private readonly pki: PkiService) {}

  @Mutation(() => Certificate, {
    description:
      'Issue a member signing certificate from a CSR (operator). Binds the person, their company or working group and the role LEGAL, which the person must hold there.',
  })
  @RequirePermission(Permission.ADMIN)
  issueCertificate(
    @CurrentActor() actor: Actor,
    @Args('input') input: IssueCertificateInput,
  ): Promise<Certificate> {
    return this.pki.issue(actor, input);
  }

  @Query(() => [Certificate], {
    description:
      'Member certificates: the operator sees all; anyone else sees their own. Newest first, at most 500.',
  })
  @RequirePermission(Permission.MEMBER)
  certificates(
    @CurrentActor() actor: Actor,
    @Args('userEmail', { nullable: true, description: 'Only this person’s certificates.' })
    userEmail?: string,
    @Args('orgSlug', { nullable: true, description: 'Only certificates of this company or working group.' })
    orgSlug?: string,
    @Args('includeRevoked', { defaultValue: false, description: 'Include revoked certificates.' })
    includeRevoked?: boolean,
  ): Promise<Certificate[]> {
    return this.pki.list(actor, { userEmail, orgSlug, includeRevoked });
  }

  @Mutation(() => Certificate, {
    description:
      'Revoke a certificate (operator). Publishes a new CRL at once and suspends every grant the certificate signed.',
  })
  @RequirePermission(Permission.ADMIN)
  revokeCertificate(
    @CurrentActor() actor: Actor,
    @Args('reason', { type: () => RevocationReasonEnum, description: 'Why (written into the CRL).' })
    reason: RevocationReasonEnum,
    @Args('id', { type: () => ID, nullable: true, description: 'Certificate id (or give serialNumber).' })
    id?: string,
    @Args('serialNumber', { nullable: true, description: 'Serial number, hex (or give id).' })
    serialNumber?: string,
  ): Promise<Certificate> {
    return this.pki.revoke(actor, { id: id ?? undefined, serialNumber: serialNumber ?? undefined }, reason);
  }
}
