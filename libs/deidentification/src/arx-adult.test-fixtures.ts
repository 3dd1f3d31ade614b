/**
 * ARX's UCI Adult extract and hierarchies (test-vectors/arx-adult, see its README.md and
 * NOTICE.md), read for the unit tests: the SHA-256 of every file is checked against SHA256SUMS
 * first, so an edited copy fails the tests instead of moving the figures.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Row } from '@maxhub/formats';
import { buildFrequencyTable, type FrequencyTable } from './frequency-table';
import type { ReviewQuasiIdentifier } from './review';
import type { ValueTableHierarchy } from './spec';

const DIR = join(__dirname, '..', 'test-vectors', 'arx-adult');

/** The nine columns, in the file's (and ARX's transformation's) order. */
export const ADULT_COLUMNS = [
  'sex',
  'age',
  'race',
  'marital-status',
  'education',
  'native-country',
  'workclass',
  'occupation',
  'salary-class',
] as const;

/** Files whose SHA-256 in SHA256SUMS differs from the file's own, or that are missing. */
export function adultChecksumMismatches(): string[] {
  const sums = readFileSync(join(DIR, 'SHA256SUMS'), 'utf8').trim().split('\n');
  const bad: string[] = [];
  for (const line of sums) {
    const [sum, name] = line.split(/\s+/);
    const actual = createHash('sha256')
      .update(readFileSync(join(DIR, name)))
      .digest('hex');
    if (actual !== sum) bad.push(name);
  }
  return bad;
}

function lines(file: string): string[][] {
  return readFileSync(join(DIR, file), 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.length > 0)
    .map((l) => l.split(';'));
}

let rowsCache: Row[] | undefined;

/** The 30,162 rows, age typed as an integer (the other columns are strings). */
export function adultRows(): Row[] {
  if (rowsCache !== undefined) return rowsCache;
  const [header, ...data] = lines('adult.csv');
  if (header.join(';') !== ADULT_COLUMNS.join(';')) throw new Error('adult.csv: unexpected header');
  rowsCache = data.map((cells) => {
    const row: Row = {};
    header.forEach((name, i) => (row[name] = name === 'age' ? Number(cells[i]) : cells[i]));
    return row;
  });
  return rowsCache;
}

/** ARX's hierarchy of a column as a value table, exactly as the file writes it. */
export function adultHierarchy(column: string): ValueTableHierarchy {
  return { method: 'table', rows: lines(`adult_hierarchy_${column}.csv`) };
}

/** The review's quasi-identifiers for the given columns, with ARX's hierarchies. */
export function adultQuasiIdentifiers(columns: readonly string[]): ReviewQuasiIdentifier[] {
  return columns.map((name) => ({
    name,
    type: name === 'age' ? 'integer' : 'string',
    hierarchy: adultHierarchy(name),
  }));
}

/** The frequency table of the extract over `quasiIdentifiers` (and `sensitive`). */
export function adultTable(
  quasiIdentifiers: readonly string[],
  sensitive: readonly string[] = [],
): FrequencyTable {
  return buildFrequencyTable(adultRows(), { quasiIdentifiers, sensitive });
}
