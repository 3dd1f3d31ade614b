import { randomBytes } from 'node:crypto';
import { createDataSource, dropTestDatabase, ensureDatabase } from './data-source';
import { WORKING_GROUPS } from './working-groups';

const base = process.env.TEST_DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432';
const url = `${base}/maxhub_test_migrations_${randomBytes(4).toString('hex')}`;

describe('migrations', () => {
  beforeAll(async () => {
    await ensureDatabase(url);
  });
  afterAll(async () => {
    await dropTestDatabase(url);
  });

  it('agree with the entities and survive up, down and up again on an empty database', async () => {
    const ds = createDataSource(url, 2);
    await ds.initialize();
    try {
      const applied = await ds.runMigrations();
      expect(applied.length).toBeGreaterThan(0);
      const drift = await ds.driver.createSchemaBuilder().log();
      expect(drift.upQueries.map((q) => q.query)).toEqual([]);
      for (let i = 0; i < applied.length; i++) await ds.undoLastMigration();
      const tables: Array<{ n: string }> = await ds.query(
        `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'`,
      );
      expect(Number(tables[0].n)).toBe(0);
      const again = await ds.runMigrations();
      expect(again.length).toBe(applied.length);
    } finally {
      await ds.destroy();
    }
  });

  it('makes the audit log refuse UPDATE, DELETE and TRUNCATE', async () => {
    const ds = createDataSource(url, 2);
    await ds.initialize();
    try {
      await ds.query(
        `INSERT INTO audit_entries (seq, occurred_at, action, subject_type, payload, prev_hash, hash)
         VALUES (1, now(), 'x', 'y', '{}', '0', '1')`,
      );
      await expect(ds.query(`UPDATE audit_entries SET action = 'z'`)).rejects.toThrow(/append-only/);
      await expect(ds.query(`DELETE FROM audit_entries`)).rejects.toThrow(/append-only/);
      await expect(ds.query(`TRUNCATE audit_entries`)).rejects.toThrow(/append-only/);
    } finally {
      await ds.destroy();
    }
  });

  it('seeds the ten launch working groups with Korean and English names', async () => {
    const ds = createDataSource(url, 2);
    await ds.initialize();
    try {
      const rows: Array<{ slug: string; name_ko: string }> = await ds.query(
        `SELECT slug, name_ko FROM working_groups ORDER BY slug`,
      );
      expect(rows).toHaveLength(10);
      expect(rows.find((r) => r.slug === 'humanoids')?.name_ko).toBe('휴머노이드');
      // The migration inserts its own frozen copy; the live list must still say the same.
      const named: Array<{ slug: string; name_en: string; name_ko: string }> = await ds.query(
        `SELECT slug, name_en, name_ko FROM working_groups ORDER BY slug`,
      );
      expect(named.map((r) => ({ slug: r.slug, nameEn: r.name_en, nameKo: r.name_ko }))).toEqual(
        [...WORKING_GROUPS].sort((a, b) => (a.slug < b.slug ? -1 : 1)),
      );
    } finally {
      await ds.destroy();
    }
  });
});
