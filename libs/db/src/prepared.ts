import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/** Statement names by SQL text (a name is a hash of the text, so one text never gets two names). */
const names = new Map<string, string>();

/**
 * Bumped when PostgreSQL refuses a prepared statement whose tables changed shape under it: every
 * name changes, so every connection prepares the statement afresh on its next use.
 */
let generation = 0;

function nameOf(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `mx_${createHash('sha256').update(text).digest('hex').slice(0, 24)}_${generation}`;
    names.set(text, name);
  }
  return name;
}

/**
 * PostgreSQL re-plans a prepared statement by itself when a table it reads changes, except when
 * the change alters the statement's result columns (e.g. `SELECT *` after ADD COLUMN): then it
 * answers 0A000 "cached plan must not change result type" on that connection until the
 * statement is prepared again.
 */
function isStalePlan(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '0A000' && /cached plan must not change result type/.test(e.message ?? '');
}

/**
 * Runs `text` as a named prepared statement on the data source's own pool: PostgreSQL parses
 * and plans it once per connection instead of on every call, and TypeORM's query runner is
 * skipped. For the few statements every request runs (authentication, the grant check, the
 * access decision); everything else goes through TypeORM. Rows come back as from
 * `dataSource.query` (same pool, same type parsers); errors are the driver's own. A migration
 * applied while the hub runs does not break it: a statement whose result type changed is
 * prepared again under a new name and run once more.
 */
export async function preparedQuery<T>(
  dataSource: DataSource,
  text: string,
  values: unknown[],
): Promise<T[]> {
  const pool = (dataSource.driver as unknown as { master?: Pool }).master;
  if (pool === undefined) throw new Error('the data source is not connected to PostgreSQL');
  const name = nameOf(text);
  try {
    return (await pool.query({ name, text, values })).rows as T[];
  } catch (err) {
    if (!isStalePlan(err)) throw err;
    // The first call to meet the stale plan renames every statement; concurrent ones just retry.
    if (names.get(text) === name) {
      generation += 1;
      names.clear();
    }
    return (await pool.query({ name: nameOf(text), text, values })).rows as T[];
  }
}
