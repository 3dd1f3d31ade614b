import { Field, Float, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Company } from '../alliance/alliance.models';

export enum DatasetFormatEnum {
  CSV = 'CSV',
  JSONL = 'JSONL',
  PARQUET = 'PARQUET',
}
registerEnumType(DatasetFormatEnum, {
  name: 'DatasetFormat',
  description: 'Object formats the hub accepts.',
  valuesMap: {
    CSV: { description: 'Delimited text with a header line (delimiter detected: , ; TAB |).' },
    JSONL: { description: 'JSON lines: one flat JSON object per line.' },
    PARQUET: { description: 'Apache Parquet with flat columns.' },
  },
});

export enum TextEncodingEnum {
  AUTO = 'auto',
  UTF_8 = 'utf-8',
  CP949 = 'cp949',
  EUC_KR = 'euc-kr',
}
registerEnumType(TextEncodingEnum, {
  name: 'TextEncoding',
  description: 'Text encoding of a CSV or JSON lines object.',
  valuesMap: {
    AUTO: { description: 'UTF-8 when the bytes are valid UTF-8, else CP949 (the default).' },
    UTF_8: { description: 'UTF-8, with or without a byte order mark.' },
    CP949: { description: 'CP949 (Windows Korean), as Korean plant systems export.' },
    EUC_KR: { description: 'EUC-KR (decoded as its superset CP949).' },
  },
});

export enum ColumnClassEnum {
  DIRECT_IDENTIFIER = 'DIRECT_IDENTIFIER',
  QUASI_IDENTIFIER = 'QUASI_IDENTIFIER',
  SENSITIVE = 'SENSITIVE',
  TRADE_SECRET = 'TRADE_SECRET',
  OTHER = 'OTHER',
}
registerEnumType(ColumnClassEnum, {
  name: 'ColumnClass',
  description: 'How sensitive a column is; decides what a grant may do with it.',
  valuesMap: {
    DIRECT_IDENTIFIER: {
      description: 'Identifies a person or entity on its own (operator ID, serial). Never kept raw.',
    },
    QUASI_IDENTIFIER: {
      description: 'Identifies in combination (plant, line, shift). Subject to k-anonymity.',
    },
    SENSITIVE: { description: 'A sensitive measurement or attribute (defect flag, health reading).' },
    TRADE_SECRET: {
      description:
        'Commercially confidential. The default for unclassified columns whose values do not look like personal data.',
    },
    OTHER: { description: 'Anything else.' },
  },
});

export enum ColumnTypeEnum {
  STRING = 'string',
  INTEGER = 'integer',
  DECIMAL = 'decimal',
  BOOLEAN = 'boolean',
  TIMESTAMP = 'timestamp',
  DATE = 'date',
}
registerEnumType(ColumnTypeEnum, {
  name: 'ColumnType',
  description: 'Logical column types the hub infers and validates.',
  valuesMap: {
    STRING: { description: 'Text.' },
    INTEGER: { description: 'Whole number in the safe-integer range.' },
    DECIMAL: { description: 'Number with optional fraction and exponent.' },
    BOOLEAN: { description: 'true/false (declared columns also take yes/no, y/n, t/f, 1/0).' },
    TIMESTAMP: { description: 'Date and time, ISO 8601 style.' },
    DATE: { description: 'Calendar day YYYY-MM-DD.' },
  },
});

export enum ColumnClassSourceEnum {
  DECLARED = 'DECLARED',
  DEFAULT = 'DEFAULT',
  DETECTED = 'DETECTED',
}
registerEnumType(ColumnClassSourceEnum, {
  name: 'ColumnClassSource',
  description: 'Where a column’s class came from.',
  valuesMap: {
    DECLARED: { description: 'The publisher classified the column.' },
    DEFAULT: {
      description: 'The publisher did not classify it and nothing was detected: the default TRADE_SECRET.',
    },
    DETECTED: {
      description:
        'The publisher did not classify it and its values look like personal data: DIRECT_IDENTIFIER, as detection proposed.',
    },
  },
});

export enum PersonalDataKindEnum {
  RESIDENT_REGISTRATION_NUMBER = 'RESIDENT_REGISTRATION_NUMBER',
  FOREIGN_REGISTRATION_NUMBER = 'FOREIGN_REGISTRATION_NUMBER',
  PHONE_NUMBER = 'PHONE_NUMBER',
  EMAIL_ADDRESS = 'EMAIL_ADDRESS',
  KOREAN_NAME = 'KOREAN_NAME',
  LATIN_NAME = 'LATIN_NAME',
  CARD_NUMBER = 'CARD_NUMBER',
  BANK_ACCOUNT_NUMBER = 'BANK_ACCOUNT_NUMBER',
}
registerEnumType(PersonalDataKindEnum, {
  name: 'PersonalDataKind',
  description: 'Kinds of personal data the hub recognizes in a column’s values.',
  valuesMap: {
    RESIDENT_REGISTRATION_NUMBER: {
      description:
        '주민등록번호: a birth date, a sex/century digit and a check digit (random last digits since October 2020).',
    },
    FOREIGN_REGISTRATION_NUMBER: {
      description: '외국인등록번호: like a resident-registration number, sex digit 5–8.',
    },
    PHONE_NUMBER: {
      description: 'Korean mobile or landline number, or an international number (+country code).',
    },
    EMAIL_ADDRESS: { description: 'An e-mail address.' },
    KOREAN_NAME: { description: 'A personal name in Hangul: a common surname and one to three syllables.' },
    LATIN_NAME: {
      description: 'A personal name in Latin letters, e.g. "Jane Doe", "Doe, Jane", "Kim Min-su".',
    },
    CARD_NUMBER: {
      description: 'A payment card number: a known issuer prefix and length, a valid Luhn digit.',
    },
    BANK_ACCOUNT_NUMBER: { description: 'A Korean bank account number in one of the banks’ dashed layouts.' },
  },
});

export enum DatasetVersionStatusEnum {
  VALIDATING = 'VALIDATING',
  PUBLISHED = 'PUBLISHED',
  REJECTED = 'REJECTED',
  WITHDRAWN = 'WITHDRAWN',
}
registerEnumType(DatasetVersionStatusEnum, {
  name: 'DatasetVersionStatus',
  description: 'Lifecycle of a dataset version.',
  valuesMap: {
    VALIDATING: { description: 'Registered; the worker is checking the whole object.' },
    PUBLISHED: { description: 'Checked in full and offered in the catalog.' },
    REJECTED: { description: 'The check failed; see the rejection. The object stays in the bucket.' },
    WITHDRAWN: { description: 'Withdrawn by its publisher; grants pinned to it no longer open it.' },
  },
});

export enum UploadTicketStatusEnum {
  ISSUED = 'ISSUED',
  UPLOADED = 'UPLOADED',
  ABORTED = 'ABORTED',
  PUBLISHED = 'PUBLISHED',
}
registerEnumType(UploadTicketStatusEnum, {
  name: 'UploadTicketStatus',
  description: 'Lifecycle of an upload ticket.',
  valuesMap: {
    ISSUED: { description: 'URLs handed out; the upload may be in progress.' },
    UPLOADED: { description: 'A multipart upload was completed (single PUTs stay ISSUED until published).' },
    ABORTED: { description: 'The multipart upload was aborted; its parts are gone.' },
    PUBLISHED: { description: 'A dataset version was registered from the object.' },
  },
});

@ObjectType({ description: 'A presigned URL for one part of a multipart upload.' })
export class UploadPartUrl {
  @Field(() => Int, { description: 'Part number, 1-based.' })
  partNumber!: number;

  @Field({ description: 'Presigned PUT URL for this part only.' })
  url!: string;

  @Field(() => Float, { description: 'Bytes this part must hold (the last part may be smaller).' })
  sizeBytes!: number;
}

@ObjectType({ description: 'A part already stored by the company’s storage.' })
export class UploadedPart {
  @Field(() => Int, { description: 'Part number, 1-based.' })
  partNumber!: number;

  @Field(() => Float, { description: 'Bytes stored.' })
  sizeBytes!: number;

  @Field({ description: 'Entity tag the storage returned for the part.' })
  etag!: string;
}

@ObjectType({
  description:
    'Permission to upload one object into the company’s bucket: a presigned PUT URL, or presigned part URLs of a multipart upload. Valid for one object key only.',
})
export class UploadTicket {
  @Field(() => ID, { description: 'Ticket id; pass it to publishDataset.' })
  id!: string;

  @Field({ description: 'The one object key the URLs allow (datasets/…).' })
  objectKey!: string;

  @Field({ description: 'File name as declared.' })
  fileName!: string;

  @Field(() => Float, { description: 'Declared size; the object must have exactly this many bytes.' })
  sizeBytes!: number;

  @Field(() => DatasetFormatEnum, { description: 'Declared format.' })
  format!: DatasetFormatEnum;

  @Field(() => UploadTicketStatusEnum, { description: 'Where the upload stands.' })
  status!: UploadTicketStatusEnum;

  @Field({ description: 'True for a multipart upload (parts, then completeUpload).' })
  multipart!: boolean;

  @Field(() => String, { nullable: true, description: 'Presigned PUT URL of a single-PUT ticket.' })
  uploadUrl!: string | null;

  @Field(() => Float, { nullable: true, description: 'Part size of a multipart upload.' })
  partSize!: number | null;

  @Field(() => Int, { nullable: true, description: 'Number of parts of a multipart upload.' })
  partCount!: number | null;

  @Field(() => [UploadPartUrl], {
    description: 'Presigned URLs of the parts still to upload (multipart only).',
  })
  partUrls!: UploadPartUrl[];

  @Field(() => [UploadedPart], { description: 'Parts the storage already holds (multipart only).' })
  uploadedParts!: UploadedPart[];

  @Field({ description: 'When the URLs in this answer expire (at most 15 minutes after issue).' })
  urlsExpireAt!: Date;
}

@ObjectType({
  description:
    'What a column’s values look like when they look like personal data, judged on a sample of them: a kind and a share, never a value.',
})
export class PersonalDataDetection {
  @Field(() => PersonalDataKindEnum, { description: 'What most of the matching values look like.' })
  kind!: PersonalDataKindEnum;

  @Field(() => Float, {
    description: 'Share of the sampled non-null values that look like personal data, 0–1.',
  })
  share!: number;

  @Field(() => Float, { description: 'The share at or above which a column is flagged for this kind.' })
  threshold!: number;

  @Field(() => Int, {
    description:
      'Non-null values looked at: a uniform sample over the whole object for a validated version, the first rows for a preview or a publishDataset answer.',
  })
  sampledValues!: number;
}

@ObjectType({ description: 'One column of a dataset version: metadata only, never values.' })
export class DatasetColumn {
  @Field({ description: 'Column name as in the file.' })
  name!: string;

  @Field(() => ColumnTypeEnum, { description: 'Type (validated over the whole object).' })
  type!: ColumnTypeEnum;

  @Field(() => ColumnClassEnum, {
    description:
      'Sensitivity class: the publisher’s, or for an unclassified column DIRECT_IDENTIFIER when its values look like personal data, else TRADE_SECRET (see classSource).',
  })
  class!: ColumnClassEnum;

  @Field({ description: 'True when some cells are empty/null.' })
  nullable!: boolean;

  @Field({
    description: 'True when the publisher did not classify the column and the default class applies.',
  })
  defaulted!: boolean;

  @Field(() => ColumnClassSourceEnum, {
    description:
      'Where the class came from: the publisher, the default, or personal-data detection (DIRECT_IDENTIFIER).',
  })
  classSource!: ColumnClassSourceEnum;

  @Field(() => PersonalDataDetection, {
    nullable: true,
    description:
      'Set when the column’s values look like personal data (kind and share); null otherwise. Set on versions validated since detection was added.',
  })
  personalData!: PersonalDataDetection | null;

  @Field({
    description:
      'True when the column’s values look like personal data and the publisher classified it as something other than DIRECT_IDENTIFIER: the publisher’s class stands, and this override is shown with the column.',
  })
  classOverridden!: boolean;
}

@ObjectType({
  description: 'Why a version was rejected: a code, a position and a sentence; never a cell value.',
})
export class DatasetRejection {
  @Field({ description: 'Reason code, e.g. DATASET_RAGGED_ROW, DATASET_TYPE_MISMATCH.' })
  code!: string;

  @Field({ description: 'What is wrong, naming a line/row and column, never a value.' })
  message!: string;

  @Field(() => Int, { nullable: true, description: '1-based physical line (CSV, JSON lines).' })
  line!: number | null;

  @Field(() => Float, { nullable: true, description: '1-based data row (header excluded).' })
  row!: number | null;

  @Field(() => String, { nullable: true, description: 'Column at fault, when one is.' })
  column!: string | null;
}

@ObjectType({ description: 'An immutable version of a dataset: one object in the owner’s bucket.' })
export class DatasetVersion {
  @Field(() => ID, { description: 'Version id.' })
  id!: string;

  @Field(() => ID, { description: 'The dataset’s id.' })
  datasetId!: string;

  @Field(() => Int, { description: 'Version number: 1, 2, …' })
  version!: number;

  @Field(() => DatasetVersionStatusEnum, { description: 'Lifecycle state.' })
  status!: DatasetVersionStatusEnum;

  @Field(() => DatasetFormatEnum, { description: 'Object format.' })
  format!: DatasetFormatEnum;

  @Field(() => String, {
    nullable: true,
    description: 'Encoding the text was decoded as (utf-8 or cp949); null for Parquet.',
  })
  encoding!: string | null;

  @Field(() => Float, { nullable: true, description: 'Data rows (set once validated).' })
  rowCount!: number | null;

  @Field(() => Float, { nullable: true, description: 'Object size in bytes.' })
  sizeBytes!: number | null;

  @Field(() => [DatasetColumn], { description: 'Columns with type and class (set once validated).' })
  columns!: DatasetColumn[];

  @Field(() => DatasetRejection, { nullable: true, description: 'Why the version was rejected.' })
  rejection!: DatasetRejection | null;

  @Field(() => String, { nullable: true, description: 'Object key in the bucket. Owner’s view only.' })
  objectKey!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'SHA-256 (hex) of the object’s bytes. Owner’s view only.',
  })
  sha256!: string | null;

  @Field({ description: 'When the version was registered.' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When validation published it.' })
  publishedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When its publisher withdrew it.' })
  withdrawnAt!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description:
      'When its publisher deleted the object of this REJECTED version (deleteRejectedUpload): the object is gone from the bucket, the record stays.',
  })
  objectDeletedAt!: Date | null;
}

@ObjectType({
  description: 'A grant that opens (or would open) this dataset: the owner’s view of who granted what.',
})
export class DatasetGrant {
  @Field(() => ID, { description: 'Grant id.' })
  grantId!: string;

  @Field(() => Int, { description: 'Grant version (amendments add versions).' })
  grantVersion!: number;

  @Field({
    description:
      'State of that grant version: DRAFT, AWAITING_SIGNATURES, ACTIVE, SUSPENDED, TERMINATED, EXPIRED or SUPERSEDED.',
  })
  state!: string;

  @Field({ description: 'The grantee working group’s slug.' })
  workingGroupSlug!: string;

  @Field(() => Int, { description: 'The dataset version the grant pins.' })
  datasetVersion!: number;

  @Field({ description: 'End of the grant’s term.' })
  termUntil!: Date;
}

@ObjectType({ description: 'A dataset a member company publishes, with its versions. Metadata only.' })
export class Dataset {
  @Field(() => ID, { description: 'Dataset id.' })
  id!: string;

  @Field(() => Company, { description: 'The owner company.' })
  company!: Company;

  @Field({ description: 'Name, unique within the company.' })
  name!: string;

  @Field({ description: 'What the data is.' })
  description!: string;

  @Field(() => [String], { description: 'Tags for finding it.' })
  tags!: string[];

  @Field({ description: 'True when the caller is a member of the owner company (owner’s view).' })
  owned!: boolean;

  @Field(() => DatasetVersion, { nullable: true, description: 'The newest PUBLISHED version.' })
  latestPublished!: DatasetVersion | null;

  @Field(() => [DatasetVersion], {
    description: 'Versions, newest first: PUBLISHED ones for everyone; all states in the owner’s view.',
  })
  versions!: DatasetVersion[];

  @Field(() => [DatasetGrant], {
    description:
      'Owner’s view: every grant version naming this dataset, newest first. Empty for other members.',
  })
  grants!: DatasetGrant[];

  @Field({ description: 'When the dataset was first published.' })
  createdAt!: Date;
}

@ObjectType({ description: 'The answer to publishDataset.' })
export class PublishDatasetResult {
  @Field(() => Dataset, { description: 'The dataset (new, or existing with a new version).' })
  dataset!: Dataset;

  @Field(() => DatasetVersion, {
    description: 'The new version, VALIDATING until the worker has checked it.',
  })
  version!: DatasetVersion;

  @Field(() => [DatasetColumn], {
    description:
      'Columns as seen in the first rows: names, inferred types (confirm them in confirmedTypes) and classes. Empty when the start of the object could not be read; the worker will say why.',
  })
  sampledColumns!: DatasetColumn[];

  @Field(() => [String], {
    description: 'Columns you did not classify: they got the default class TRADE_SECRET.',
  })
  defaultedColumns!: string[];

  @Field(() => [String], {
    description:
      'Columns you did not classify whose first rows look like personal data: proposed DIRECT_IDENTIFIER (see sampledColumns.personalData). The worker’s check of the whole object decides the recorded class; classify a column yourself to override.',
  })
  proposedColumns!: string[];

  @Field(() => [String], {
    description:
      'Columns whose first rows look like personal data that you classified as something other than DIRECT_IDENTIFIER: your class stands, recorded as an override and shown with the column.',
  })
  overriddenColumns!: string[];
}

@ObjectType({
  description:
    'What publishDataset would make of an uploaded object: columns of its first rows with inferred types, personal-data detections and the proposed classes. Metadata only.',
})
export class UploadPreview {
  @Field(() => ID, { description: 'The upload ticket.' })
  ticketId!: string;

  @Field(() => DatasetFormatEnum, { description: 'The ticket’s format.' })
  format!: DatasetFormatEnum;

  @Field(() => Int, {
    nullable: true,
    description:
      'Rows looked at; null when only a Parquet footer was read (its first row group is too large), so no detection is shown.',
  })
  sampledRows!: number | null;

  @Field(() => [DatasetColumn], {
    description:
      'Columns with inferred types and the class each would get if you did not classify it: DIRECT_IDENTIFIER when its values look like personal data, else TRADE_SECRET. Empty when the start of the object could not be read.',
  })
  columns!: DatasetColumn[];

  @Field(() => [String], {
    description: 'Columns whose values look like personal data: DIRECT_IDENTIFIER is proposed for them.',
  })
  proposedColumns!: string[];
}
