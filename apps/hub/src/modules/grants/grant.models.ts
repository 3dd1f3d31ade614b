import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { GrantRiskReview } from './grant-review.models';

export enum GrantStateEnum {
  DRAFT = 'DRAFT',
  AWAITING_SIGNATURES = 'AWAITING_SIGNATURES',
  ACTIVE = 'ACTIVE',
  SUSPENDED = 'SUSPENDED',
  TERMINATED = 'TERMINATED',
  EXPIRED = 'EXPIRED',
  SUPERSEDED = 'SUPERSEDED',
}
registerEnumType(GrantStateEnum, {
  name: 'GrantState',
  description: 'Where a grant version is in its life.',
  valuesMap: {
    DRAFT: { description: 'Drafted; no signature yet.' },
    AWAITING_SIGNATURES: { description: 'One party has signed; waiting for the other.' },
    ACTIVE: { description: 'Both parties’ legal signers signed and their signatures verify: opens data.' },
    SUSPENDED: {
      description: 'A signer’s certificate is revoked or expired: closed until that party signs again.',
    },
    TERMINATED: { description: 'Ended by a signed termination document.' },
    EXPIRED: { description: 'Its term is over.' },
    SUPERSEDED: { description: 'Replaced by a fully signed amendment.' },
  },
});

export enum GrantPartyEnum {
  GRANTOR = 'GRANTOR',
  GRANTEE = 'GRANTEE',
}
registerEnumType(GrantPartyEnum, {
  name: 'GrantParty',
  description: 'A side of a grant.',
  valuesMap: {
    GRANTOR: { description: 'The company that grants access to its data.' },
    GRANTEE: { description: 'The working group that receives access.' },
  },
});

@ObjectType({ description: 'A verified signature on a grant version.' })
export class GrantSignature {
  @Field(() => ID, { description: 'Signature id.' })
  id!: string;

  @Field(() => GrantPartyEnum, { description: 'The party the signer signed for (from the certificate).' })
  party!: GrantPartyEnum;

  @Field({ description: 'The signer’s name as written in the certificate.' })
  signerName!: string;

  @Field({ description: 'Serial number of the signer’s certificate, hex.' })
  certificateSerial!: string;

  @Field({ description: 'The signed signing-time attribute.' })
  signingTime!: Date;

  @Field({ description: 'When it was attached.' })
  attachedAt!: Date;

  @Field({ description: 'False when the party signed again and this signature was replaced.' })
  current!: boolean;
}

@ObjectType({
  description: 'One immutable version of a grant: canonical bytes, hash, rendering, signatures.',
})
export class GrantVersion {
  @Field(() => ID, { description: 'Version id.' })
  id!: string;

  @Field(() => ID, { description: 'The grant this version belongs to.' })
  grantId!: string;

  @Field(() => Int, { description: 'Version number (1 for the original, higher for amendments).' })
  version!: number;

  @Field(() => GrantStateEnum, { description: 'State of this version (term expiry evaluated now).' })
  state!: GrantStateEnum;

  @Field(() => String, {
    nullable: true,
    description: 'Why it is suspended or ended: a reason code (e.g. PKI_CERT_REVOKED, TERM_ENDED).',
  })
  stateReason!: string | null;

  @Field({ description: 'SHA-256 of the canonical document, lowercase hex: what signers sign.' })
  sha256!: string;

  @Field(() => String, {
    nullable: true,
    description: 'SHA-256 of the version this amendment supersedes (null for version 1).',
  })
  supersedesSha256!: string | null;

  @Field({
    description:
      'The canonical document (RFC 8785 JSON, UTF-8) exactly as signed. Save it byte for byte (e.g. `maxhub contract fetch`).',
  })
  canonicalDocument!: string;

  @Field({ description: 'The terms rendered as text for people to read and print (English).' })
  text!: string;

  @Field({
    description:
      'The same terms rendered in Korean, from the same canonical bytes, line for line with `text` (also `maxhub contract show --lang ko`).',
  })
  textKo!: string;

  @Field({ description: 'Start of the term.' })
  termFrom!: Date;

  @Field({ description: 'End of the term.' })
  termUntil!: Date;

  @Field({ description: 'When it was drafted.' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it became ACTIVE.' })
  activatedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was terminated, expired or superseded.' })
  endedAt!: Date | null;

  @Field(() => [GrantSignature], { description: 'Signatures attached, oldest first.' })
  signatures!: GrantSignature[];

  @Field(() => GrantRiskReview, {
    nullable: true,
    description:
      'The risk review of the k-anonymity hierarchies (null when the grant gives none). While PENDING the version cannot be signed.',
  })
  riskReview!: GrantRiskReview | null;
}

@ObjectType({
  description: 'An NDA grant from a member company to a working group: the signed access agreement.',
})
export class Grant {
  @Field(() => ID, { description: 'Grant id.' })
  id!: string;

  @Field({ description: 'Slug of the grantor company.' })
  grantorCompanySlug!: string;

  @Field({ description: 'Slug of the grantee working group.' })
  granteeWorkingGroupSlug!: string;

  @Field(() => GrantStateEnum, { description: 'State of the current version.' })
  state!: GrantStateEnum;

  @Field(() => GrantVersion, {
    description: 'The live version (ACTIVE or SUSPENDED) if there is one, else the newest version.',
  })
  currentVersion!: GrantVersion;

  @Field(() => [GrantVersion], { description: 'Every version, oldest first.' })
  versions!: GrantVersion[];
}
