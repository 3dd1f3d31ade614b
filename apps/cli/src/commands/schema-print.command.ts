import { writeFileSync } from 'node:fs';
import { Command } from 'commander';

/** `maxhub schema print [--out schema.gql]`: the GraphQL schema as SDL, from the resolvers. */
export function schemaPrintCommand(): Command {
  return new Command('print')
    .description('print the GraphQL schema (SDL) generated from the resolvers')
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (opts: { out?: string }) => {
      const { buildSchemaSdl } = await import('../../../hub/src/graphql/schema-sdl.js');
      const sdl = await buildSchemaSdl();
      if (opts.out) writeFileSync(opts.out, sdl);
      else process.stdout.write(sdl);
    });
}
