import { Command } from 'commander';
import { loadDatabaseConfig } from '@maxhub/config';
import { createDataSource, migrateDatabase } from '@maxhub/db';

/** `maxhub db migrate|revert`: creates the database when missing and applies (or undoes) migrations. */
export function dbCommand(): Command {
  const db = new Command('db').description('database administration');
  db.command('migrate')
    .description('create the database if missing and apply pending migrations')
    .action(async () => {
      const { url } = loadDatabaseConfig();
      const { created, applied } = await migrateDatabase(url);
      if (created) process.stdout.write(`created database ${new URL(url).pathname.slice(1)}\n`);
      process.stdout.write(applied.length ? `applied ${applied.join(', ')}\n` : 'database is up to date\n');
    });
  db.command('revert')
    .description('undo the most recent migration')
    .action(async () => {
      const ds = createDataSource(loadDatabaseConfig().url, 2);
      await ds.initialize();
      try {
        await ds.undoLastMigration({ transaction: 'each' });
        process.stdout.write('reverted the most recent migration\n');
      } finally {
        await ds.destroy();
      }
    });
  return db;
}
