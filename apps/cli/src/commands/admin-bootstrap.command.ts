import { Command } from 'commander';
import { runHubTask } from './hub-task';

/** `maxhub admin bootstrap --email E --name N`: creates the first operator and prints a token once. */
export function adminBootstrapCommand(): Command {
  return (
    new Command('bootstrap')
      .description('create the first alliance operator and print their API token (once)')
      .requiredOption('--email <email>', 'the operator’s e-mail address')
      .option('--name <name>', 'display name', 'Alliance operator')
      .option('--json', 'print {"email","token"} as JSON')
      // Through the hub's TokensService, in the hub's own process (apps/hub/src/tasks).
      .action(async (opts: { email: string; name: string; json?: boolean }) => {
        await runHubTask('admin-bootstrap', opts);
      })
  );
}
