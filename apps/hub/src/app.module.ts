import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { GraphQLModule, GraphQLSchemaHost } from '@nestjs/graphql';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import type { Logger } from 'pino';
import type { HubConfig } from '@maxhub/config';
import { CoreModule } from '@maxhub/core';
import { formatError } from './graphql/format-error';
import { inputLimitsPlugin } from './graphql/input-limits';
import { limitsPlugin } from './graphql/limits.plugin';
import { AllianceModule } from './modules/alliance/alliance.module';
import { AuditModule } from './modules/audit/audit.module';
import { AuthModule } from './modules/auth/auth.module';
import { DatasetsModule } from './modules/datasets/datasets.module';
import { GrantsModule } from './modules/grants/grants.module';
import { HealthModule } from './modules/health/health.module';
import { PkiModule } from './modules/pki/pki.module';
import { QueriesModule } from './modules/queries/queries.module';

/**
 * Feature modules served by the API (each registers its resolvers). AuthModule also registers
 * the global guard; the kernel they share (CoreModule) is @maxhub/core's.
 */
export const FEATURE_MODULES = [
  AuthModule,
  AuditModule,
  AllianceModule,
  DatasetsModule,
  HealthModule,
  PkiModule,
  GrantsModule,
  QueriesModule,
];

@Module({})
export class AppModule {
  static register(config: HubConfig, logger: Logger): DynamicModule {
    let schemaHost: GraphQLSchemaHost | undefined;
    return {
      module: AppModule,
      imports: [
        CoreModule.register(config),
        // Lets tests (and future tooling) walk every resolver to check its permission.
        DiscoveryModule,
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          inject: [GraphQLSchemaHost],
          useFactory: (host: GraphQLSchemaHost) => {
            schemaHost = host;
            return {
              autoSchemaFile: true,
              sortSchema: true,
              path: '/graphql',
              playground: false,
              introspection: config.graphql.introspection,
              // Documents reach Apollo already measured (tokens, depth, aliases, fragments) by the
              // /graphql guard in configure-app; the token limit here only backs it up.
              parseOptions: { maxTokens: config.graphql.maxTokens },
              // Without suggestions (production) no "Did you mean …?" maps the schema for a guesser.
              hideSchemaDetailsFromClientErrors: !config.graphql.suggestions,
              context: ({ req }: { req: unknown }) => ({ req }),
              formatError,
              // @apollo/server ships CJS and ESM typings; Nest's driver sees the CJS ones, so the
              // plugin objects (identical at run time) need this one widening.
              plugins: [
                // No HTTP caching of answers (each is per caller and audited), so no cache-control
                // hints: without this plugin Apollo does not wrap every field resolver in a hook.
                ApolloServerPluginCacheControlDisabled(),
                config.graphql.sandbox
                  ? ApolloServerPluginLandingPageLocalDefault({ embed: true })
                  : ApolloServerPluginLandingPageDisabled(),
                // Argument values are bounded and their text checked before anything reads them.
                inputLimitsPlugin({ schema: () => schemaHost!.schema }),
                limitsPlugin({
                  maxComplexity: config.graphql.maxComplexity,
                  logger,
                  schema: () => schemaHost!.schema,
                }),
              ] as unknown as ApolloDriverConfig['plugins'],
            };
          },
        }),
        ...FEATURE_MODULES,
      ],
    };
  }
}
