import { APP_GUARD } from '@nestjs/core';
import pino from 'pino';
import { loadConfig } from '@maxhub/config';
import { moduleGraph, providerClass } from '@maxhub/testing';
import { AppModule } from './app.module';
import { AuthGuard } from './modules/auth/auth.guard';
import { RESOLVERS } from './resolvers';

const config = loadConfig({
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/maxhub_unit_test',
  HUB_MASTER_SECRET: 'a'.repeat(64),
  HUB_CREDENTIALS_KEY: 'b'.repeat(64),
});

// The counterpart of worker.module.spec.ts: the same walk finds what the API boots and the worker must not.
describe('the API module graph', () => {
  const graph = moduleGraph(AppModule.register(config, pino({ level: 'silent' })));

  it('registers every resolver of the schema', () => {
    const classes = graph.providers.map(providerClass);
    for (const r of RESOLVERS) expect(classes).toContain(r);
  });

  it('guards every operation with the AuthGuard', () => {
    expect(graph.providers).toContainEqual({ provide: APP_GUARD, useClass: AuthGuard });
  });
});
