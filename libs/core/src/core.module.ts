import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HUB_CONFIG, HubConfig } from '@maxhub/config';
import { dataSourceOptions } from '@maxhub/db';
import { CompanyStorage } from '@maxhub/storage';
import { DataSource } from 'typeorm';
import { AccessService } from './access/access.service';
import { AuditService } from './audit/audit.service';

/**
 * What every process of the hub needs (API, worker, the hub's tasks): configuration, the
 * database, company storage, access rules and the audit log. No GraphQL, no HTTP guard: the API
 * adds those (apps/hub), so the worker boots none of them.
 */
@Global()
@Module({})
export class CoreModule {
  static register(config: HubConfig): DynamicModule {
    return {
      module: CoreModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.database.url, config.database.poolSize),
          retryAttempts: 2,
          retryDelay: 1000,
        }),
      ],
      providers: [
        { provide: HUB_CONFIG, useValue: config },
        {
          provide: CompanyStorage,
          inject: [DataSource],
          useFactory: (db: DataSource) =>
            new CompanyStorage({
              alliance: {
                url: config.minio.endpoint,
                region: config.minio.region,
                accessKey: config.minio.accessKey,
                secretKey: config.minio.secretKey,
              },
              credentialsKey: config.secrets.credentialsKey,
              deadlines: config.storage,
              db,
            }),
        },
        AccessService,
        AuditService,
      ],
      exports: [HUB_CONFIG, CompanyStorage, AccessService, AuditService],
    };
  }
}
