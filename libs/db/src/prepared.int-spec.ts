import { randomBytes } from 'node:crypto';
import { createDataSource, dropTestDatabase, ensureDatabase } from './data-source';
import { preparedQuery } from './prepared';

const base = process.env.TEST_DATABASE_BASE_URL ?? 'postgres://postgres@127.0.0.1:5432';
const url = `${base}/maxhub_test_prepared_${randomBytes(4).toString('hex')}`;

describe('preparedQuery', () => {
  beforeAll(async () => {
    await ensureDatabase(url);
  });
  afterAll(async () => {
    await dropTestDatabase(url);
  });

  it('keeps answering when a table under a prepared statement changes its result type (a migration while the hub runs)', async () => {
    const ds = createDataSource(url, 2);
    await ds.initialize();
    try {
      await ds.query(`CREATE TABLE prep_probe (id int PRIMARY KEY, name text)`);
      await ds.query(`INSERT INTO prep_probe VALUES (1, 'a'), (2, 'b')`);
      const sql = 'SELECT * FROM prep_probe WHERE id = $1';
      // Prepare it on both connections of the pool.
      const first = await Promise.all([preparedQuery(ds, sql, [1]), preparedQuery(ds, sql, [2])]);
      expect(first).toEqual([[{ id: 1, name: 'a' }], [{ id: 2, name: 'b' }]]);
      await ds.query(`ALTER TABLE prep_probe ADD COLUMN plant text NOT NULL DEFAULT 'Ulsan-1'`);
      // Each connection's old plan is refused by PostgreSQL; the call prepares it again.
      for (let i = 0; i < 4; i++) {
        const rows = await Promise.all([preparedQuery(ds, sql, [1]), preparedQuery(ds, sql, [2])]);
        expect(rows).toEqual([
          [{ id: 1, name: 'a', plant: 'Ulsan-1' }],
          [{ id: 2, name: 'b', plant: 'Ulsan-1' }],
        ]);
      }
      // Any other error is the driver's own, untouched.
      await expect(preparedQuery(ds, 'SELECT * FROM no_such_table', [])).rejects.toMatchObject({
        code: '42P01',
      });
    } finally {
      await ds.destroy();
    }
  });
});
