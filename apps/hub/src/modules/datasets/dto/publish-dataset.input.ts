import { Field, ID, InputType } from '@nestjs/graphql';
import { ColumnClassEnum, ColumnTypeEnum, DatasetFormatEnum, TextEncodingEnum } from '../dataset.model';

@InputType({ description: 'The sensitivity class of one column.' })
export class ColumnClassificationInput {
  @Field({ description: 'Column name as in the file.' })
  column!: string;

  @Field(() => ColumnClassEnum, { description: 'Its class.' })
  class!: ColumnClassEnum;
}

@InputType({
  description: 'A column type the publisher confirms (or corrects); the worker checks every value.',
})
export class ColumnTypeInput {
  @Field({ description: 'Column name as in the file.' })
  column!: string;

  @Field(() => ColumnTypeEnum, { description: 'Its type.' })
  type!: ColumnTypeEnum;
}

@InputType({ description: 'Register an uploaded object as a new dataset version.' })
export class PublishDatasetInput {
  @Field({ description: 'Slug of the company you publish for.' })
  companySlug!: string;

  @Field(() => ID, { description: 'The upload ticket the object was uploaded with.' })
  ticketId!: string;

  @Field({
    description:
      'Dataset name (stored in NFC); publishing again under the same name adds version n+1. A name that only looks like another of your datasets, or like another member company, is refused.',
  })
  name!: string;

  @Field({ nullable: true, description: 'What the data is (replaces the dataset’s description when given).' })
  description?: string;

  @Field(() => [String], { nullable: true, description: 'Tags (replace the dataset’s tags when given).' })
  tags?: string[];

  @Field(() => DatasetFormatEnum, {
    nullable: true,
    description: 'Format; the ticket’s when omitted (must match it).',
  })
  format?: DatasetFormatEnum;

  @Field(() => TextEncodingEnum, {
    nullable: true,
    description: 'Text encoding of CSV / JSON lines; AUTO when omitted.',
  })
  encoding?: TextEncodingEnum;

  @Field(() => [ColumnClassificationInput], {
    description:
      'Class of each column. Columns left out get DIRECT_IDENTIFIER when their values look like personal data, else TRADE_SECRET (the answer lists both). A class other than DIRECT_IDENTIFIER for a column that looks like personal data is kept and recorded as an override.',
  })
  classifications!: ColumnClassificationInput[];

  @Field(() => [ColumnTypeInput], {
    nullable: true,
    description: 'Types you confirm; other columns get the type inferred over the whole object.',
  })
  confirmedTypes?: ColumnTypeInput[];
}
