import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { TestContext } from './support/test-context';
import { buildSchemaSdl } from '../apps/hub/src/graphql/schema-sdl';
import { PERMISSION_KEY, PUBLIC_KEY } from '../apps/hub/src/common/permissions';

// @nestjs/graphql's RESOLVER_TYPE_METADATA (not exported from the package root).
const RESOLVER_TYPE_METADATA = 'graphql:resolver_type';

describe('GraphQL schema and authorization coverage', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await TestContext.create();
  });
  afterAll(async () => ctx?.close());

  it('matches the committed schema.gql (run `npm run schema:update` after a deliberate change)', async () => {
    const committed = readFileSync(path.join(__dirname, '..', 'schema.gql'), 'utf8');
    expect(await buildSchemaSdl()).toBe(committed);
    const served = printSchema(lexicographicSortSchema(ctx.app.get(GraphQLSchemaHost).schema)) + '\n';
    expect(served).toBe(committed);
  });

  it('gives every root Query and Mutation a permission or @Public()', () => {
    const discovery = ctx.app.get(DiscoveryService);
    const scanner = ctx.app.get(MetadataScanner);
    const reflector = ctx.app.get(Reflector);
    const checked: string[] = [];
    const missing: string[] = [];
    for (const wrapper of discovery.getProviders()) {
      const instance = wrapper.instance as object | undefined;
      if (!instance || !wrapper.metatype) continue;
      const proto = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const name of scanner.getAllMethodNames(proto)) {
        const handler = proto[name] as (...a: unknown[]) => unknown;
        const type = reflector.get<string>(RESOLVER_TYPE_METADATA, handler);
        if (type !== 'Query' && type !== 'Mutation') continue;
        const ok =
          reflector.getAllAndOverride(PUBLIC_KEY, [handler, wrapper.metatype]) ||
          reflector.getAllAndOverride(PERMISSION_KEY, [handler, wrapper.metatype]);
        (ok ? checked : missing).push(`${wrapper.name}.${name}`);
      }
    }
    expect(missing).toEqual([]);
    expect(checked.length).toBeGreaterThanOrEqual(15);
  });

  it('refuses a query nested deeper than the limit', async () => {
    const ctxDeep = await TestContext.create({ GRAPHQL_MAX_DEPTH: '2' });
    try {
      const user = await ctxDeep.newUser();
      const res = await ctxDeep.gql(`{ me { companies { company { id } } } }`, {}, user.token);
      expect(res.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(res.errors?.[0].message).toMatch(/depth/);
    } finally {
      await ctxDeep.close();
    }
  });

  it('refuses a query above the complexity limit before resolving anything', async () => {
    const small = await TestContext.create({ GRAPHQL_MAX_COMPLEXITY: '10' });
    try {
      const user = await small.newUser();
      const r = await small.gql(
        `{ a: workingGroups { id slug nameEn nameKo } b: workingGroups { id slug nameEn nameKo } }`,
        {},
        user.token,
      );
      expect(r.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'GRAPHQL_TOO_COMPLEX',
      });
      expect(r.data ?? null).toBeNull();
    } finally {
      await small.close();
    }
  });
});
