import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { HubConfig } from '@maxhub/config';
import { CoreModule } from '@maxhub/core';
import { AuthModule } from '../modules/auth/auth.module';
import { TokensService } from '../modules/auth/tokens.service';

/** Options of `maxhub admin bootstrap`. */
export interface AdminBootstrapOptions {
  email: string;
  name: string;
  json?: boolean;
}

/** `maxhub admin bootstrap`: creates the first operator and prints a token once. */
export async function adminBootstrapTask(config: HubConfig, opts: AdminBootstrapOptions): Promise<void> {
  @Module({ imports: [CoreModule.register(config), AuthModule] })
  class BootstrapModule {}
  const app = await NestFactory.createApplicationContext(BootstrapModule, { logger: false });
  try {
    const issued = await app.get(TokensService).bootstrapAdmin(opts.email, opts.name);
    if (opts.json) process.stdout.write(JSON.stringify({ email: opts.email, token: issued.token }) + '\n');
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
}
