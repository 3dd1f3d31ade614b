export { StorageError, StorageErrorCode } from './storage.errors';
export { sealCredentials, openCredentials } from './credentials';
export type { EndpointCredentials } from './credentials';
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
export type { StorageEndpoint } from './endpoint';
export { CompanyStorage } from './company-storage';
export type { CompanyStorageRow, CompanyBucket } from './company-storage';
export { objectRangeSource, objectStream, objectSize } from './objects';
export type { ObjectRangeSource } from './objects';
