import { Command } from 'commander';
import { runHubTask } from './hub-task';

/** `maxhub schema print [--out schema.gql]`: the GraphQL schema as SDL, from the hub's resolvers. */
export function schemaPrintCommand(): Command {
  return new Command('print')
    .description('print the GraphQL schema (SDL) generated from the resolvers')
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (opts: { out?: string }) => {
      await runHubTask('schema-print', opts);
    });
}
