import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import type { GrantDocument } from '@maxhub/contracts';
import type { GrantVersionEntity } from '@maxhub/db';

export enum GrantRiskReviewStatusEnum {
  PENDING = 'PENDING',
  READY = 'READY',
  FAILED = 'FAILED',
}
registerEnumType(GrantRiskReviewStatusEnum, {
  name: 'GrantRiskReviewStatus',
  description: 'Where the risk review of a grant version is.',
  valuesMap: {
    PENDING: {
      description:
        'The worker is reviewing the pinned versions’ values; the document is not final and cannot be signed yet.',
    },
    READY: { description: 'Done: the document carries the chosen levels and the review’s figures.' },
    FAILED: {
      description: 'Refused (see errorCode and errorMessage): this version can never be signed.',
    },
  },
});

@ObjectType({ description: 'The risk review of one granted dataset, as its document states it.' })
export class GrantDatasetRiskReview {
  @Field(() => ID, { description: 'The granted dataset.' })
  datasetId!: string;

  @Field({ description: 'Information-loss metric the search minimized: DM_STAR (ARX’s DM*) or DM.' })
  metric!: string;

  @Field(() => GraphQLJSONObject, {
    description: 'The chosen level of each quasi-identifier (0 raw; the top level is `*`).',
  })
  levels!: Record<string, number>;

  @Field(() => Int, { description: 'Rows of the pinned version the review counted (after the row filter).' })
  rows!: number;

  @Field(() => Int, { description: 'Rows in classes that violate k, withheld from the view.' })
  rowsSuppressed!: number;

  @Field(() => Int, { description: 'Released equivalence classes.' })
  classes!: number;

  @Field(() => Int, { description: 'Rows of the smallest released class.' })
  smallestClass!: number;

  @Field(() => Int, { description: 'Rows alone in their class in the raw data.' })
  uniqueRowsBefore!: number;

  @Field(() => Int, { description: 'Rows alone in their class in the release.' })
  uniqueRowsAfter!: number;

  @Field({ description: 'Highest prosecutor re-identification risk of the release (decimal).' })
  highestRisk!: string;

  @Field({ description: 'Average prosecutor re-identification risk of the release (decimal).' })
  averageRisk!: string;

  @Field({ description: 'Information loss normalized to 0..1 (decimal).' })
  informationLoss!: string;

  @Field({ description: 'SHA-256 of the full report’s canonical JSON, as the signed document prints it.' })
  reportSha256!: string;

  @Field({
    description:
      'The full report (maxhub.risk-review/v1), canonical JSON: its SHA-256 is reportSha256. Names columns and counts, never values.',
  })
  report!: string;
}

@ObjectType({ description: 'The risk review of a grant version’s k-anonymity hierarchies.' })
export class GrantRiskReview {
  @Field(() => GrantRiskReviewStatusEnum, { description: 'PENDING, READY or FAILED.' })
  status!: GrantRiskReviewStatusEnum;

  @Field(() => String, {
    nullable: true,
    description:
      'When FAILED: why, as a code (e.g. DEID_HIERARCHY_INCOMPLETE, DEID_PRIVACY_MODELS_UNSATISFIABLE).',
  })
  errorCode!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'When FAILED: the sentence (it names columns and levels, never data values).',
  })
  errorMessage!: string | null;

  @Field(() => [GrantDatasetRiskReview], { description: 'When READY: each reviewed dataset’s review.' })
  datasets!: GrantDatasetRiskReview[];
}

/** The GraphQL shape of a version's review: its status, and each dataset's figures from the document. */
export function riskReviewModel(
  v: Pick<GrantVersionEntity, 'reviewStatus' | 'reviewErrorCode' | 'reviewErrorMessage' | 'reviewReports'>,
  doc: GrantDocument,
): GrantRiskReview | null {
  if (v.reviewStatus === null) return null;
  const datasets: GrantDatasetRiskReview[] = [];
  if (v.reviewStatus === 'READY') {
    for (const ds of doc.datasets) {
      const r = ds.riskReview;
      const report = v.reviewReports?.[ds.datasetId];
      if (r === undefined || report === undefined) continue;
      const { schema: _schema, ...figures } = r;
      datasets.push({ datasetId: ds.datasetId, levels: ds.kAnonymity?.levels ?? {}, ...figures, report });
    }
  }
  return {
    status: v.reviewStatus as GrantRiskReviewStatusEnum,
    errorCode: v.reviewErrorCode,
    errorMessage: v.reviewErrorMessage,
    datasets,
  };
}
