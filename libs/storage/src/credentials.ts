import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { StorageError, StorageErrorCode } from './storage.errors';

/** Access key pair of an S3/MinIO endpoint. */
export interface EndpointCredentials {
  accessKey: string;
  secretKey: string;
}

const VERSION = 1;

/**
 * Seals endpoint credentials with AES-256-GCM under `key` (32 bytes). Layout:
 * version(1) ‖ iv(12) ‖ tag(16) ‖ ciphertext. `aad` binds the blob to its owner (the company
 * id), so a sealed blob copied to another company's row does not open.
 */
export function sealCredentials(key: Buffer, aad: string, creds: EndpointCredentials): Buffer {
  if (key.length < 32) throw new Error('credentials key must be 32 bytes');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.subarray(0, 32), iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(JSON.stringify(creds), 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
}

/** Opens what sealCredentials sealed; throws STORAGE_CREDENTIALS_UNREADABLE on any mismatch. */
export function openCredentials(key: Buffer, aad: string, sealed: Buffer): EndpointCredentials {
  try {
    if (sealed[0] !== VERSION) throw new Error('unknown version');
    const decipher = createDecipheriv('aes-256-gcm', key.subarray(0, 32), sealed.subarray(1, 13));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(sealed.subarray(13, 29));
    const plain = Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]).toString('utf8');
    const parsed = JSON.parse(plain) as EndpointCredentials;
    return { accessKey: parsed.accessKey, secretKey: parsed.secretKey };
  } catch (cause) {
    throw new StorageError(
      StorageErrorCode.STORAGE_CREDENTIALS_UNREADABLE,
      'stored endpoint credentials could not be opened with the configured key',
      { cause },
    );
  }
}
