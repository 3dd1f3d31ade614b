import { randomBytes } from 'node:crypto';
import { openCredentials, sealCredentials } from './credentials';
import { parseEndpointUrl } from './endpoint';
import { StorageErrorCode } from './storage.errors';

const key = randomBytes(32);
const creds = { accessKey: 'AKIAEXAMPLE', secretKey: 's3cr3t-value' };

describe('sealed endpoint credentials', () => {
  it('round-trips under the same key and owner', () => {
    expect(openCredentials(key, 'company-1', sealCredentials(key, 'company-1', creds))).toEqual(creds);
  });

  it('does not contain the secret in clear', () => {
    expect(sealCredentials(key, 'c', creds).toString('latin1')).not.toContain('s3cr3t-value');
  });

  it('refuses to open under another owner, another key, or after tampering', () => {
    const sealed = sealCredentials(key, 'company-1', creds);
    const code = (f: () => unknown) => {
      try {
        f();
        return 'opened';
      } catch (e) {
        return (e as { code: string }).code;
      }
    };
    expect(code(() => openCredentials(key, 'company-2', sealed))).toBe(
      StorageErrorCode.STORAGE_CREDENTIALS_UNREADABLE,
    );
    expect(code(() => openCredentials(randomBytes(32), 'company-1', sealed))).toBe(
      StorageErrorCode.STORAGE_CREDENTIALS_UNREADABLE,
    );
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] ^= 1;
    expect(code(() => openCredentials(key, 'company-1', tampered))).toBe(
      StorageErrorCode.STORAGE_CREDENTIALS_UNREADABLE,
    );
  });
});

describe('parseEndpointUrl', () => {
  it('accepts scheme, host and port', () => {
    expect(parseEndpointUrl('http://127.0.0.1:9100')).toEqual({
      useSSL: false,
      host: '127.0.0.1',
      port: 9100,
    });
    expect(parseEndpointUrl('https://s3.example.kr')).toEqual({
      useSSL: true,
      host: 's3.example.kr',
      port: 443,
    });
  });

  it.each(['ftp://x', 'not a url', 'http://user:pw@host:9000', 'http://host:9000/bucket', 'http://host?x=1'])(
    'refuses %s',
    (raw) => {
      expect(() => parseEndpointUrl(raw)).toThrow(
        expect.objectContaining({ code: StorageErrorCode.STORAGE_ENDPOINT_INVALID }),
      );
    },
  );
});
