import { Command } from 'commander';
import { runHubTask } from './hub-task';

/**
 * `maxhub demo seed`: creates the demo alliance when missing (idempotent) and issues a fresh
 * 7-day token for every demo person, printed as JSON lines {email, roles, token}. The seeding
 * goes through the hub's own services, in the hub's process (apps/hub/src/tasks/demo).
 */
export function demoSeedCommand(): Command {
  return new Command('seed')
    .description('seed the fictional demo alliance (idempotent) and print fresh demo tokens as JSON lines')
    .action(async () => {
      await runHubTask('demo-seed');
    });
}
