import { Field, InputType } from '@nestjs/graphql';

@InputType({ description: 'A company’s own S3/MinIO endpoint and bucket.' })
export class CompanyEndpointInput {
  @Field({ description: 'Endpoint URL: scheme, host and port only, e.g. "https://s3.hanbit.example:9000".' })
  url!: string;

  @Field({ description: 'Existing bucket on that endpoint that will hold the company’s data.' })
  bucket!: string;

  @Field({ nullable: true, description: 'Region; "us-east-1" when omitted.' })
  region?: string;

  @Field({ description: 'Access key. Stored sealed (AES-256-GCM); never returned or logged.' })
  accessKey!: string;

  @Field({ description: 'Secret key. Stored sealed (AES-256-GCM); never returned or logged.' })
  secretKey!: string;
}

@InputType({ description: 'Register a member company.' })
export class RegisterCompanyInput {
  @Field({ description: 'Unique short name: 3–40 lower-case letters, digits or dashes.' })
  slug!: string;

  @Field({ description: 'Registered name.' })
  name!: string;

  @Field({ nullable: true, description: 'Korean name.' })
  nameKo?: string;

  @Field({ description: 'Business registration number (사업자등록번호), with or without dashes.' })
  businessRegistrationNumber!: string;

  @Field(() => CompanyEndpointInput, {
    nullable: true,
    description: 'The company’s own storage. Omit to get a bucket company-<slug> on the alliance MinIO.',
  })
  endpoint?: CompanyEndpointInput;
}
