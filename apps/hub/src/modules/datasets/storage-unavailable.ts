import { DatasetsErrorCode as E, HubError } from '@maxhub/core';
import { StorageError } from '@maxhub/storage';

/** A failed call to a company's storage, as the caller sees it (the storage's code, no key or path). */
export function storageUnavailable(err: unknown): HubError {
  const code = err instanceof StorageError ? err.code : 'STORAGE_UNREACHABLE';
  return new HubError(
    'SERVICE_UNAVAILABLE',
    E.DATASET_STORAGE_UNAVAILABLE,
    `the company storage could not be used (${code})`,
    {
      cause: err,
    },
  );
}
