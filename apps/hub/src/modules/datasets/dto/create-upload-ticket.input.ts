import { Field, Float, ID, InputType } from '@nestjs/graphql';
import { DatasetFormatEnum } from '../dataset.model';

@InputType({ description: 'Ask for permission to upload one file into a company’s bucket.' })
export class CreateUploadTicketInput {
  @Field({ description: 'Slug of the company you publish for.' })
  companySlug!: string;

  @Field({ description: 'File name (its last path segment is kept, unsafe characters replaced).' })
  fileName!: string;

  @Field(() => Float, { description: 'Exact size in bytes; at most the hub’s UPLOAD_MAX_BYTES.' })
  sizeBytes!: number;

  @Field(() => DatasetFormatEnum, { description: 'Format of the file.' })
  format!: DatasetFormatEnum;

  @Field(() => ID, {
    nullable: true,
    description: 'Existing dataset this upload is a new version of (keys it under that dataset).',
  })
  datasetId?: string;

  @Field({
    nullable: true,
    description:
      'Force (true) or forbid (false) a multipart upload; by default files larger than one part use multipart.',
  })
  multipart?: boolean;

  @Field(() => Float, {
    nullable: true,
    description: 'Part size for multipart (5 MiB to 5 GiB); the hub’s default otherwise.',
  })
  partSize?: number;
}
