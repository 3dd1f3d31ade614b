/** Storage failure codes (they reach users through the hub's error formatter). */
export enum StorageErrorCode {
  /** The S3/MinIO endpoint did not answer or refused the connection. */
  STORAGE_UNREACHABLE = 'STORAGE_UNREACHABLE',
  /**
   * The endpoint was not connected, or sent no answer to a request, within the connect / first
   * byte deadline (`StorageDeadlines.firstByteMs`).
   */
  STORAGE_TIMEOUT = 'STORAGE_TIMEOUT',
  /**
   * The endpoint started an answer (or accepted an upload) and then stopped: no bytes moved for
   * the stall timeout (`StorageDeadlines.stallMs`) while the hub was waiting for them.
   */
  STORAGE_STALLED = 'STORAGE_STALLED',
  /** The endpoint answered but refused the credentials. */
  STORAGE_ACCESS_DENIED = 'STORAGE_ACCESS_DENIED',
  /** The bucket does not exist on the endpoint. */
  STORAGE_BUCKET_MISSING = 'STORAGE_BUCKET_MISSING',
  /** The endpoint URL is not an http(s) URL without path, query or credentials. */
  STORAGE_ENDPOINT_INVALID = 'STORAGE_ENDPOINT_INVALID',
  /** Sealed credentials could not be opened (wrong key or tampered ciphertext). */
  STORAGE_CREDENTIALS_UNREADABLE = 'STORAGE_CREDENTIALS_UNREADABLE',
}

/** A storage failure with a code and a message safe to show (no keys, no secrets). */
export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}
