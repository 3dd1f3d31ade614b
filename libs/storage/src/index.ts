export { StorageError, StorageErrorCode } from './storage.errors';
export { sealCredentials, openCredentials } from './credentials';
export type { EndpointCredentials } from './credentials';
export { DEFAULT_STORAGE_DEADLINES, deadlineTransport } from './deadlines';
export type { HttpTransport, StorageDeadlines } from './deadlines';
export {
  companyBucketName,
  parseEndpointUrl,
  createClient,
  toStorageError,
  withStorage,
  ensureBucket,
  checkBucket,
  removeBucket,
} from './endpoint';
export type { ClientOptions, StorageEndpoint } from './endpoint';
export { CompanyBucket } from './company-bucket';
export type { ObjectRangeSource, ObjectStat } from './company-bucket';
export { CompanyStorage } from './company-storage';
export type { CompanyStorageOptions, CompanyStorageRow, SqlRunner } from './company-storage';
