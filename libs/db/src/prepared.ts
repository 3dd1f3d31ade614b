import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/** Statement names by SQL text (a name is a hash of the text, so one text never gets two names). */
const names = new Map<string, string>();

function nameOf(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `mx_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * Runs `text` as a named prepared statement on the data source's own pool: PostgreSQL parses
 * and plans it once per connection instead of on every call, and TypeORM's query runner is
 * skipped. For the few statements every request runs (authentication, the grant check, the
 * access decision); everything else goes through TypeORM. Rows come back as from
 * `dataSource.query` (same pool, same type parsers); errors are the driver's own.
 */
export async function preparedQuery<T>(
  dataSource: DataSource,
  text: string,
  values: unknown[],
): Promise<T[]> {
  const pool = (dataSource.driver as unknown as { master?: Pool }).master;
  if (pool === undefined) throw new Error('the data source is not connected to PostgreSQL');
  const result = await pool.query({ name: nameOf(text), text, values });
  return result.rows as T[];
}
