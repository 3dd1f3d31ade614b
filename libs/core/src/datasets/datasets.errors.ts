/** Reason codes of publishing and the dataset catalog (format rejections use DATASET_* from @maxhub/formats). */
export enum DatasetsErrorCode {
  /** No company with that slug among the companies where the caller publishes. */
  DATASET_COMPANY_NOT_FOUND = 'DATASET_COMPANY_NOT_FOUND',
  /** No dataset with that id visible to the caller. */
  DATASET_NOT_FOUND = 'DATASET_NOT_FOUND',
  /** No dataset version with that id visible to the caller. */
  DATASET_VERSION_NOT_FOUND = 'DATASET_VERSION_NOT_FOUND',
  /** No upload ticket with that id among the caller's companies. */
  DATASET_TICKET_NOT_FOUND = 'DATASET_TICKET_NOT_FOUND',
  /** The ticket was already used to register a version, or was aborted. */
  DATASET_TICKET_USED = 'DATASET_TICKET_USED',
  /** The operation does not apply to this ticket (single PUT vs multipart, or its state). */
  DATASET_TICKET_STATE = 'DATASET_TICKET_STATE',
  /** The declared size is above the hub's upload limit (UPLOAD_MAX_BYTES). */
  DATASET_UPLOAD_TOO_LARGE = 'DATASET_UPLOAD_TOO_LARGE',
  /** The declared size or part size is not acceptable (negative, fractional, outside S3's part sizes). */
  DATASET_UPLOAD_SIZE_INVALID = 'DATASET_UPLOAD_SIZE_INVALID',
  /** The object is not (completely) uploaded yet: missing object or missing parts. */
  DATASET_UPLOAD_INCOMPLETE = 'DATASET_UPLOAD_INCOMPLETE',
  /** The uploaded object's size differs from the size declared in the ticket. */
  DATASET_UPLOAD_SIZE_MISMATCH = 'DATASET_UPLOAD_SIZE_MISMATCH',
  /** The file name is empty, too long or only dots. */
  DATASET_FILE_NAME_INVALID = 'DATASET_FILE_NAME_INVALID',
  /** The dataset name is empty or longer than 200 characters. */
  DATASET_NAME_INVALID = 'DATASET_NAME_INVALID',
  /** A word of the dataset name mixes Latin letters with Cyrillic (or Latin-looking Greek) ones. */
  DATASET_NAME_MIXED_SCRIPT = 'DATASET_NAME_MIXED_SCRIPT',
  /** The name holds letters of a script names are not written in (Armenian, Cherokee, Cyrillic, …), which pass for Latin ones. */
  DATASET_NAME_SCRIPT_UNSUPPORTED = 'DATASET_NAME_SCRIPT_UNSUPPORTED',
  /** The dataset name looks like (TR39 skeleton) another dataset of the company, or is or looks like another member company's name. */
  DATASET_NAME_CONFUSABLE = 'DATASET_NAME_CONFUSABLE',
  /** The description is longer than 4000 characters, or a tag is empty/too long, or too many tags. */
  DATASET_METADATA_INVALID = 'DATASET_METADATA_INVALID',
  /** The format given at publication differs from the ticket's. */
  DATASET_FORMAT_MISMATCH = 'DATASET_FORMAT_MISMATCH',
  /** A classification or confirmed type names a column the file does not have. */
  DATASET_UNKNOWN_COLUMN = 'DATASET_UNKNOWN_COLUMN',
  /** The same column is classified or typed twice. */
  DATASET_COLUMN_REPEATED = 'DATASET_COLUMN_REPEATED',
  /** Only a PUBLISHED version can be withdrawn. */
  DATASET_VERSION_NOT_PUBLISHED = 'DATASET_VERSION_NOT_PUBLISHED',
  /** Only a REJECTED version's upload can be downloaded or deleted through the hub; the message names the state. */
  DATASET_VERSION_NOT_REJECTED = 'DATASET_VERSION_NOT_REJECTED',
  /** The rejected upload was already deleted through the hub. */
  DATASET_REJECTED_UPLOAD_DELETED = 'DATASET_REJECTED_UPLOAD_DELETED',
  /** The rejected upload is no longer in the company's bucket (removed outside the hub). */
  DATASET_REJECTED_UPLOAD_MISSING = 'DATASET_REJECTED_UPLOAD_MISSING',
  /** The company's storage could not be reached or refused the request. */
  DATASET_STORAGE_UNAVAILABLE = 'DATASET_STORAGE_UNAVAILABLE',
  /** A column name in the file holds a NUL, control, bidirectional-control or invisible character (stored as a rejection reason). */
  DATASET_COLUMN_NAME_UNSAFE = 'DATASET_COLUMN_NAME_UNSAFE',
  /** Validation could not read the object after every retry (stored as a rejection reason). */
  DATASET_VALIDATION_FAILED = 'DATASET_VALIDATION_FAILED',
}
