import { Command } from 'commander';
import { verifyStoredChain } from '@maxhub/audit';
import { loadDatabaseConfig } from '@maxhub/config';
import { createDataSource } from '@maxhub/db';

/**
 * `maxhub audit verify [--expect-head HASH]`: recomputes the audit chain from the database and
 * names the first broken entry. Exit 0 intact, 1 broken. With --expect-head, also fails when
 * the chain no longer contains an entry with that hash (newest entries deleted).
 */
export function auditVerifyCommand(): Command {
  return new Command('verify')
    .description('recompute the hash chain of the audit log and name the first broken entry')
    .option('--expect-head <sha256>', 'a head hash recorded earlier that must still be in the chain')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { expectHead?: string; json?: boolean }) => {
      const db = loadDatabaseConfig();
      const ds = createDataSource(db.url, 2);
      await ds.initialize();
      try {
        const r = await verifyStoredChain(ds);
        let headMissing = false;
        if (r.ok && opts.expectHead) {
          const rows: unknown[] = await ds.query('SELECT 1 FROM audit_entries WHERE hash = $1', [
            opts.expectHead,
          ]);
          headMissing = rows.length === 0;
        }
        if (opts.json) {
          process.stdout.write(JSON.stringify({ ...r, headMissing }) + '\n');
        } else if (!r.ok) {
          process.stdout.write(
            `audit chain BROKEN at entry ${r.firstBroken!.seq}: ${r.firstBroken!.reason} (${r.entries} entries before it verify)\n`,
          );
        } else if (headMissing) {
          process.stdout.write(
            `audit chain verifies (${r.entries} entries) but the expected head ${opts.expectHead} is missing: entries were removed\n`,
          );
        } else {
          process.stdout.write(`audit chain OK: ${r.entries} entries, head ${r.lastHash}\n`);
        }
        process.exitCode = r.ok && !headMissing ? 0 : 1;
      } finally {
        await ds.destroy();
      }
    });
}
