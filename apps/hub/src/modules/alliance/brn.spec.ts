import { normalizeBusinessRegistrationNumber } from './brn';

describe('normalizeBusinessRegistrationNumber', () => {
  it('accepts a number with a valid check digit, with or without dashes', () => {
    // 124-81-00998 is a widely published valid example number.
    expect(normalizeBusinessRegistrationNumber('124-81-00998')).toBe('1248100998');
    expect(normalizeBusinessRegistrationNumber('1248100998')).toBe('1248100998');
  });

  it('refuses a wrong check digit', () => {
    expect(normalizeBusinessRegistrationNumber('124-81-00999')).toBeNull();
  });

  it.each(['12-345-67890', 'abcdefghij', '123456789', '12345678901', ''])(
    'refuses the malformed %p',
    (raw) => {
      expect(normalizeBusinessRegistrationNumber(raw)).toBeNull();
    },
  );
});
