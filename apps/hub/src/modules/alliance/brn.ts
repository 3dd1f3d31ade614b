/**
 * Validates a Korean business registration number (사업자등록번호): 10 digits, dashes optional
 * (123-45-67890), with the National Tax Service check digit: weights 1,3,7,1,3,7,1,3,5 over the
 * first nine digits, plus floor(9th digit × 5 / 10); the tenth digit is (10 − sum mod 10) mod 10.
 * Returns the 10 digits without dashes, or null when invalid.
 */
export function normalizeBusinessRegistrationNumber(raw: string): string | null {
  const trimmed = raw.trim();
  if (!/^(\d{3}-?\d{2}-?\d{5})$/.test(trimmed)) return null;
  const digits = trimmed.replace(/-/g, '');
  const d = [...digits].map(Number);
  const w = [1, 3, 7, 1, 3, 7, 1, 3, 5];
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += d[i] * w[i];
  sum += Math.floor((d[8] * 5) / 10);
  return (10 - (sum % 10)) % 10 === d[9] ? digits : null;
}
