import { writeFileSync } from 'node:fs';
import { buildSchemaSdl } from '../graphql/schema-sdl';

/** `maxhub schema print [--out schema.gql]`: the GraphQL schema as SDL, from the resolvers. */
export async function schemaPrintTask(opts: { out?: string }): Promise<void> {
  const sdl = await buildSchemaSdl();
  if (opts.out) writeFileSync(opts.out, sdl);
  else process.stdout.write(sdl);
}
