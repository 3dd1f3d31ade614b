import { ConfigError, loadConfig } from './config';

const valid = {
  HUB_MASTER_SECRET: 'a'.repeat(64),
  HUB_CREDENTIALS_KEY: 'b'.repeat(64),
};

describe('loadConfig', () => {
  it('fills defaults for a minimal valid environment', () => {
    const c = loadConfig(valid);
    expect(c.http.port).toBe(3000);
    expect(c.secrets.master).toHaveLength(32);
    expect(c.graphql.sandbox).toBe(true);
  });

  it('names a missing required variable', () => {
    expect(() => loadConfig({ HUB_CREDENTIALS_KEY: valid.HUB_CREDENTIALS_KEY })).toThrow(
      new ConfigError('HUB_MASTER_SECRET', 'HUB_MASTER_SECRET is required but not set'),
    );
  });

  it('names a malformed variable without echoing its value', () => {
    let err: unknown;
    try {
      loadConfig({ ...valid, DATABASE_URL: 'mysql://secret-host/db' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe('DATABASE_URL');
    expect((err as Error).message).not.toContain('secret-host');
  });

  it('refuses a master secret shorter than 32 bytes', () => {
    expect(() => loadConfig({ ...valid, HUB_MASTER_SECRET: 'abcd' })).toThrow(/HUB_MASTER_SECRET/);
  });

  it('refuses a port out of range', () => {
    expect(() => loadConfig({ ...valid, PORT: '70000' })).toThrow(/PORT/);
  });

  it('caps API tokens at 90 days by default, and refuses a default lifetime above the maximum', () => {
    expect(loadConfig(valid).tokens).toEqual({ defaultTtlDays: 90, maxTtlDays: 90, maxLivePerPerson: 20 });
    expect(loadConfig({ ...valid, TOKEN_MAX_TTL_DAYS: '30' }).tokens).toEqual({
      defaultTtlDays: 30,
      maxTtlDays: 30,
      maxLivePerPerson: 20,
    });
    expect(() => loadConfig({ ...valid, TOKEN_MAX_TTL_DAYS: '30', TOKEN_DEFAULT_TTL_DAYS: '31' })).toThrow(
      new ConfigError(
        'TOKEN_DEFAULT_TTL_DAYS',
        'TOKEN_DEFAULT_TTL_DAYS is invalid: it may not exceed TOKEN_MAX_TTL_DAYS',
      ),
    );
  });

  it('bounds storage requests by 30 s to a first byte and 60 s of stall unless told otherwise', () => {
    expect(loadConfig(valid).storage).toEqual({ firstByteMs: 30_000, stallMs: 60_000 });
    expect(
      loadConfig({ ...valid, STORAGE_FIRST_BYTE_TIMEOUT_MS: '500', STORAGE_STALL_TIMEOUT_MS: '750' }).storage,
    ).toEqual({ firstByteMs: 500, stallMs: 750 });
    // No deadline at all (0) is not a setting: a quiet endpoint would hang a job again.
    expect(() => loadConfig({ ...valid, STORAGE_STALL_TIMEOUT_MS: '0' })).toThrow(/STORAGE_STALL_TIMEOUT_MS/);
  });
});
