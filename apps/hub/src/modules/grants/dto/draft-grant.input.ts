import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { GraphQLJSONObject } from 'graphql-scalars';

/** What a draft writes for exports when the drafter says nothing. */
export const DEFAULT_EXPORTS = { allowed: true, maxRowsPerExport: 1_000_000, perDay: 10 } as const;

@InputType({ description: 'A granted column and the transform applied to it.' })
export class GrantColumnInput {
  @Field({ description: 'Column name in the dataset version’s schema.' })
  name!: string;

  @Field(() => GraphQLJSONObject, {
    description:
      'Transform spec, e.g. {"kind":"keep"}, {"kind":"drop"}, {"kind":"pseudonymize","bits":128}, {"kind":"generalize","generalization":{"method":"time","level":"month"}}, {"kind":"noise","magnitude":0.05,"relative":true}. Unknown kinds are refused.',
  })
  transform!: Record<string, unknown>;
}

@InputType({ description: 'A dataset version the grant opens, and how.' })
export class GrantDatasetInput {
  @Field(() => ID, { description: 'Dataset id (a dataset of the grantor company).' })
  datasetId!: string;

  @Field(() => Int, { description: 'The pinned version; it must be PUBLISHED.' })
  version!: number;

  @Field(() => [GrantColumnInput], {
    description: 'Released columns with a transform each; columns not listed are dropped.',
  })
  columns!: GrantColumnInput[];

  @Field(() => [GraphQLJSONObject], {
    nullable: true,
    description: 'Row filter: predicates that must all hold, e.g. {"column":"line","op":"eq","value":"L1"}.',
  })
  rowFilter?: Record<string, unknown>[];

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: 'k-anonymity settings: {"k":5,"quasiIdentifiers":[...],"suppressionLimit":0.05}.',
  })
  kAnonymity?: Record<string, unknown>;

  @Field(() => [QuasiIdentifierExclusionInput], {
    nullable: true,
    description:
      'Released QUASI_IDENTIFIER columns left out of the k-anonymity set, each with its reason (printed in the document). Every other released quasi-identifier must be counted.',
  })
  quasiIdentifierExclusions?: QuasiIdentifierExclusionInput[];
}

@InputType({ description: 'A released quasi-identifier left out of k-anonymity, and why.' })
export class QuasiIdentifierExclusionInput {
  @Field({ description: 'The QUASI_IDENTIFIER column.' })
  column!: string;

  @Field({
    description: 'Why it is released outside k-anonymity (1–500 characters, printed in the document).',
  })
  reason!: string;
}

@InputType({ description: 'Whole-view exports the grant allows (written into the document and enforced).' })
export class GrantExportsInput {
  @Field({ description: 'Whether whole-view exports are allowed at all.' })
  allowed!: boolean;

  @Field(() => Int, {
    description: 'Most rows one export may hold (1–100000000); a larger view is refused, not cut.',
  })
  maxRowsPerExport!: number;

  @Field(() => Int, { description: 'Most exports per UTC day over the whole grant (1–1000).' })
  perDay!: number;
}

@InputType({ description: 'Usage limits of a grant.' })
export class GrantLimitsInput {
  @Field(() => Int, { description: 'Most rows one query may return (1–100000).' })
  rowsPerQuery!: number;

  @Field(() => Int, { description: 'Most queries per day (1–1000000).' })
  queriesPerDay!: number;

  @Field(() => GrantExportsInput, {
    nullable: true,
    description: `Whole-view exports. When omitted the document says: allowed, at most ${DEFAULT_EXPORTS.maxRowsPerExport} rows per export, ${DEFAULT_EXPORTS.perDay} per day.`,
  })
  exports?: GrantExportsInput;
}

@InputType({ description: 'Draft a grant, or an amendment of a live grant.' })
export class DraftGrantInput {
  @Field({ description: 'Slug of the grantor company (owner of the datasets).' })
  grantorCompanySlug!: string;

  @Field({ description: 'Slug of the grantee working group.' })
  granteeWorkingGroupSlug!: string;

  @Field(() => ID, {
    nullable: true,
    description:
      'For an amendment: the grant to amend. The new version supersedes its live version once both parties sign it.',
  })
  amendsGrantId?: string;

  @Field({
    description:
      'What the data may be used for (shown to signers, 1–2000 characters; plain line breaks allowed, no control, bidirectional-control or invisible characters).',
  })
  purpose!: string;

  @Field({ description: 'Start of the term (UTC).' })
  termFrom!: Date;

  @Field({ description: 'End of the term (UTC); the grant expires then.' })
  termUntil!: Date;

  @Field(() => [GrantDatasetInput], { description: 'Datasets and pinned versions.' })
  datasets!: GrantDatasetInput[];

  @Field(() => GrantLimitsInput, { description: 'Usage limits.' })
  limits!: GrantLimitsInput;
}
