import { Command } from 'commander';
import { loadConfig } from '@maxhub/config';

/** `maxhub admin bootstrap --email E --name N`: creates the first operator and prints a token once. */
export function adminBootstrapCommand(): Command {
  return new Command('bootstrap')
    .description('create the first alliance operator and print their API token (once)')
    .requiredOption('--email <email>', 'the operator’s e-mail address')
    .option('--name <name>', 'display name', 'Alliance operator')
    .option('--json', 'print {"email","token"} as JSON')
    .action(async (opts: { email: string; name: string; json?: boolean }) => {
      const config = loadConfig();
      // NestJS loads in about a second: only the commands that need it pay for it.
      const { NestFactory } = await import('@nestjs/core');
      const { CoreModule } = await import('../../../hub/src/core.module.js');
      const { TokensService } = await import('../../../hub/src/modules/auth/tokens.service.js');
      const app = await NestFactory.createApplicationContext(CoreModule.register(config), { logger: false });
      try {
        const issued = await app.get(TokensService).bootstrapAdmin(opts.email, opts.name);
        if (opts.json)
          process.stdout.write(JSON.stringify({ email: opts.email, token: issued.token }) + '\n');
        else {
          process.stdout.write(`Alliance operator ${opts.email} created.\n`);
          process.stdout.write(`API token (shown once, store it now):\n\n  ${issued.token}\n\n`);
          process.stdout.write(
            `Expires ${issued.record.expiresAt.toISOString()}. Use it as "Authorization: Bearer <token>".\n`,
          );
        }
      } finally {
        await app.close();
      }
    });
}
