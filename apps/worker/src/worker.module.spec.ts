import { APP_GUARD } from '@nestjs/core';
import { loadConfig } from '@maxhub/config';
import { type ClassRef, moduleGraph, providerClass } from '@maxhub/testing';
import { WorkerModule } from './worker.module';

const config = loadConfig({
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/maxhub_unit_test',
  HUB_MASTER_SECRET: 'a'.repeat(64),
  HUB_CREDENTIALS_KEY: 'b'.repeat(64),
});

/** True when a class carries any of @nestjs/graphql's decorators (@Resolver, @Query, …). */
const isGraphql = (cls: ClassRef) =>
  Reflect.getMetadataKeys(cls).some((k) => typeof k === 'string' && k.startsWith('graphql:'));

describe('the worker module graph', () => {
  const graph = moduleGraph(WorkerModule.register(config));
  const classes = graph.providers.map(providerClass).filter((c): c is ClassRef => c !== undefined);

  it('boots the kernel and the processors', () => {
    const names = classes.map((c) => c.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'ValidateDatasetProcessor',
        'MaterializeViewProcessor',
        'DatasetValidationService',
        'ViewsService',
        'JobsService',
        'AuditService',
        'AccessService',
      ]),
    );
  });

  it('boots no GraphQL resolver', () => {
    expect(classes.filter((c) => c.name.endsWith('Resolver') || isGraphql(c)).map((c) => c.name)).toEqual([]);
    expect(graph.modules.map((m) => m.name)).not.toContain('GraphQLModule');
  });

  it('boots no HTTP guard and no controller', () => {
    const guards = graph.providers.filter(
      (p) => (p as { provide?: unknown }).provide === APP_GUARD || providerClass(p)?.name.endsWith('Guard'),
    );
    expect(guards).toEqual([]);
    expect(graph.controllers).toEqual([]);
  });
});
