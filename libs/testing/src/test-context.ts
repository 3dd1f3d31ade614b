import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { HubConfig, loadConfig } from '@maxhub/config';
import { UserEntity } from '@maxhub/db';
import pino from 'pino';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../../../apps/hub/src/app.module';
import { configureApp } from '../../../apps/hub/src/configure-app';
import { TokensService } from '../../../apps/hub/src/modules/auth/tokens.service';

/** A GraphQL answer as the tests see it. */
export interface GqlResult<T = Record<string, any>> {
  status: number;
  data: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string; reason?: string; [k: string]: unknown } }>;
}

/** Lines the app logged during a test file (for canary scans). */
export const capturedLogs: string[] = [];

/** The configuration a test app runs with: the run's database, the real MinIO, fresh secrets. */
export function testConfig(overrides: Record<string, string> = {}): HubConfig {
  const url = process.env.MAXHUB_TEST_DATABASE_URL;
  if (!url || !/test/.test(new URL(url).pathname)) {
    throw new Error(
      'MAXHUB_TEST_DATABASE_URL is not set to a *test* database: run tests through jest (global setup)',
    );
  }
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: url,
    DATABASE_POOL_SIZE: '5',
    MINIO_ENDPOINT: process.env.MINIO_ENDPOINT ?? 'http://127.0.0.1:9000',
    MINIO_ACCESS_KEY: process.env.MINIO_ACCESS_KEY ?? 'maxhub-dev',
    MINIO_SECRET_KEY: process.env.MINIO_SECRET_KEY ?? 'maxhub-dev-secret',
    HUB_MASTER_SECRET: randomBytes(32).toString('hex'),
    HUB_CREDENTIALS_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'info',
    ...overrides,
  });
}

/** Unique suffix so each test file gets its own companies, buckets and people. */
export function uniq(prefix = 't'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A valid Korean business registration number, different on every call. */
export function newBusinessRegistrationNumber(): string {
  for (;;) {
    const d = [...randomBytes(9)].map((b) => b % 10);
    const w = [1, 3, 7, 1, 3, 7, 1, 3, 5];
    let sum = d.reduce((s, v, i) => s + v * w[i], 0);
    sum += Math.floor((d[8] * 5) / 10);
    const check = (10 - (sum % 10)) % 10;
    if (d[0] !== 0) return [...d, check].join('');
  }
}

/** The whole hub in-process on the real PostgreSQL and MinIO, plus factories. */
export class TestContext {
  private constructor(
    readonly app: INestApplication,
    readonly config: HubConfig,
  ) {}

  /** Boots the hub exactly as main.ts does, with logs captured in memory. */
  static async create(overrides: Record<string, string> = {}): Promise<TestContext> {
    const config = testConfig(overrides);
    const logger = pino(
      { level: config.logLevel, redact: ['req.headers.authorization'] },
      { write: (line: string) => void capturedLogs.push(line) },
    );
    const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, logger), {
      logger: false,
      bodyParser: false,
      abortOnError: false,
    });
    app.useBodyParser('json', { limit: '12mb' });
    configureApp(app, logger);
    await app.init();
    return new TestContext(app, config);
  }

  get dataSource(): DataSource {
    return this.app.get(DataSource);
  }

  get http() {
    return request(this.app.getHttpServer());
  }

  /** Sends a GraphQL operation, with a bearer token when given. */
  async gql<T = Record<string, any>>(
    query: string,
    variables: Record<string, unknown> = {},
    token?: string,
  ): Promise<GqlResult<T>> {
    const req = this.http.post('/graphql').set('content-type', 'application/json');
    if (token) req.set('authorization', `Bearer ${token}`);
    const res = await req.send({ query, variables });
    const body = res.body as { data?: T | null; errors?: GqlResult['errors'] };
    return { status: res.status, data: body.data ?? null, errors: body.errors };
  }

  /** Like gql, but fails the test on any GraphQL error. */
  async gqlOk<T = Record<string, any>>(
    query: string,
    variables: Record<string, unknown> = {},
    token?: string,
  ): Promise<T> {
    const r = await this.gql<T>(query, variables, token);
    if (r.errors?.length) throw new Error(`unexpected GraphQL error: ${JSON.stringify(r.errors)}`);
    return r.data as T;
  }

  /** Creates a user (operator when `admin`) and returns a token for them. */
  async newUser(
    opts: { admin?: boolean; email?: string; name?: string } = {},
  ): Promise<{ userId: string; email: string; token: string }> {
    const email = opts.email ?? `${uniq('user')}@example.kr`;
    return this.dataSource.transaction(async (m) => {
      const user = await m.save(
        UserEntity,
        m.create(UserEntity, { email, displayName: opts.name ?? 'Test Person', isAdmin: !!opts.admin }),
      );
      const issued = await this.app
        .get(TokensService)
        .issue(m, { userId: user.id, name: 'test', actorUserId: null });
      return { userId: user.id, email, token: issued.token };
    });
  }

  /** Registers a company on the alliance MinIO through GraphQL as `adminToken`. */
  async newCompany(
    adminToken: string,
    opts: { slug?: string } = {},
  ): Promise<{ id: string; slug: string; bucket: string }> {
    const slug = opts.slug ?? uniq('co');
    const data = await this.gqlOk<{ registerCompany: { id: string; slug: string; bucket: string } }>(
      `mutation($input: RegisterCompanyInput!) { registerCompany(input: $input) { id slug bucket } }`,
      {
        input: {
          slug,
          name: `Company ${slug}`,
          nameKo: '테스트',
          businessRegistrationNumber: newBusinessRegistrationNumber(),
        },
      },
      adminToken,
    );
    return data.registerCompany;
  }

  /** Gives a new person a role in a company and returns their token. */
  async newCompanyMember(adminToken: string, companySlug: string, role: 'PUBLISHER' | 'LEGAL') {
    const email = `${uniq('m')}@example.kr`;
    await this.gqlOk(
      `mutation($input: AddCompanyMemberInput!) { addCompanyMember(input: $input) { role } }`,
      { input: { companySlug, email, displayName: 'Member', role } },
      adminToken,
    );
    return { email, token: await this.tokenFor(adminToken, email) };
  }

  /** Gives a new person a role in a working group and returns their token. */
  async newWorkingGroupMember(adminToken: string, workingGroupSlug: string, role: 'ANALYST' | 'LEGAL') {
    const email = `${uniq('m')}@example.kr`;
    await this.gqlOk(
      `mutation($input: AddWorkingGroupMemberInput!) { addWorkingGroupMember(input: $input) { role } }`,
      { input: { workingGroupSlug, email, displayName: 'Member', role } },
      adminToken,
    );
    return { email, token: await this.tokenFor(adminToken, email) };
  }

  /** The operator issues a token for a user. */
  async tokenFor(adminToken: string, email: string): Promise<string> {
    const d = await this.gqlOk<{ createApiToken: { token: string } }>(
      `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`,
      { input: { name: 'test', userEmail: email } },
      adminToken,
    );
    return d.createApiToken.token;
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}
