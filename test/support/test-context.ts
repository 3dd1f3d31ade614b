/**
 * The whole hub in-process for the e2e suite (and the slice benchmark): boots apps/hub's
 * AppModule and apps/worker's WorkerModule, which is why it lives in test/ and not in a lib
 * (libs never import apps; docs/adr/0008). Helpers that need no running hub are @maxhub/testing's.
 */
import { randomBytes } from 'node:crypto';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { HubConfig } from '@maxhub/config';
import { DatasetVersionEntity, UserEntity } from '@maxhub/db';
import type { DatasetFormat } from '@maxhub/formats';
import { generate, type SyntheticKind } from '@maxhub/synthetic';
import * as Minio from 'minio';
import pino from 'pino';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { testConfig, uniq } from '@maxhub/testing';
import { AppModule } from '../../apps/hub/src/app.module';
import { configureApp } from '../../apps/hub/src/configure-app';
import { normalizeBusinessRegistrationNumber } from '../../apps/hub/src/modules/alliance/brn';
import { TokensService } from '../../apps/hub/src/modules/auth/tokens.service';
import { WorkerModule } from '../../apps/worker/src/worker.module';

/** A GraphQL answer as the tests see it. */
export interface GqlResult<T = Record<string, any>> {
  status: number;
  data: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string; reason?: string; [k: string]: unknown } }>;
}

/** Lines the app logged during a test file (for canary scans). */
export const capturedLogs: string[] = [];

/** A valid Korean business registration number, different on every call. */
export function newBusinessRegistrationNumber(): string {
  for (;;) {
    const body = [...randomBytes(9)].map((b) => b % 10).join('');
    if (body[0] === '0') continue;
    // The check digit is whichever one the hub's own validator accepts.
    for (let d = 0; d <= 9; d++) {
      const brn = normalizeBusinessRegistrationNumber(body + d);
      if (brn) return brn;
    }
  }
}

/** An upload ticket as the tests see it. */
export interface TestTicket {
  id: string;
  objectKey: string;
  multipart: boolean;
  uploadUrl: string | null;
  partSize: number | null;
  partCount: number | null;
  partUrls: Array<{ partNumber: number; url: string; sizeBytes: number }>;
  urlsExpireAt: string;
}

/** What to publish with {@link TestContext.publishBytes}. */
export interface PublishBytesInput {
  token: string;
  companySlug: string;
  bytes: Buffer;
  format: DatasetFormat;
  name?: string;
  fileName?: string;
  encoding?: 'auto' | 'utf-8' | 'cp949' | 'euc-kr';
  classifications?: Array<{ column: string; class: string }>;
  confirmedTypes?: Array<{ column: string; type: string }>;
  /** Force a multipart upload with this part size. */
  partSize?: number;
}

const TICKET_FIELDS = `id objectKey multipart uploadUrl partSize partCount partUrls { partNumber url sizeBytes } urlsExpireAt`;

/** Reads a stream into one Buffer (test fixtures only: they are small). */
async function collect(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

/** The whole hub in-process on the real PostgreSQL and MinIO, plus factories. */
export class TestContext {
  private readonly workers: INestApplicationContext[] = [];

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
    configureApp(app, logger, config);
    await app.init();
    return new TestContext(app, config);
  }

  get dataSource(): DataSource {
    return this.app.get(DataSource);
  }

  /** A client of the alliance MinIO the app uses (to check or tamper with objects behind its back). */
  minio(): Minio.Client {
    const u = new URL(this.config.minio.endpoint);
    return new Minio.Client({
      endPoint: u.hostname,
      port: Number(u.port),
      useSSL: u.protocol === 'https:',
      accessKey: this.config.minio.accessKey,
      secretKey: this.config.minio.secretKey,
      pathStyle: true,
    });
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
  async newCompanyMember(
    adminToken: string,
    companySlug: string,
    role: 'PUBLISHER' | 'LEGAL',
    displayName = 'Member',
  ) {
    const email = `${uniq('m')}@example.kr`;
    await this.gqlOk(
      `mutation($input: AddCompanyMemberInput!) { addCompanyMember(input: $input) { role } }`,
      { input: { companySlug, email, displayName, role } },
      adminToken,
    );
    return { email, token: await this.tokenFor(adminToken, email) };
  }

  /** Gives a new person a role in a working group and returns their token. */
  async newWorkingGroupMember(
    adminToken: string,
    workingGroupSlug: string,
    role: 'ANALYST' | 'LEGAL',
    displayName = 'Member',
  ) {
    const email = `${uniq('m')}@example.kr`;
    await this.gqlOk(
      `mutation($input: AddWorkingGroupMemberInput!) { addWorkingGroupMember(input: $input) { role } }`,
      { input: { workingGroupSlug, email, displayName, role } },
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

  /** Starts an in-process worker (same database, storage and secrets as the app). */
  async startWorker(): Promise<INestApplicationContext> {
    const worker = await NestFactory.createApplicationContext(WorkerModule.register(this.config), {
      logger: false,
      abortOnError: false,
    });
    await worker.init();
    this.workers.push(worker);
    return worker;
  }

  /** Asks for an upload ticket through GraphQL. */
  async createUploadTicket(
    token: string,
    input: {
      companySlug: string;
      fileName: string;
      sizeBytes: number;
      format: DatasetFormat;
      multipart?: boolean;
      partSize?: number;
    },
  ): Promise<GqlResult<{ createUploadTicket: TestTicket }>> {
    return this.gql<{ createUploadTicket: TestTicket }>(
      `mutation($input: CreateUploadTicketInput!) { createUploadTicket(input: $input) { ${TICKET_FIELDS} } }`,
      { input },
      token,
    );
  }

  /** PUTs bytes to a presigned URL the way a client would (no credentials of ours). */
  async putUrl(url: string, bytes: Buffer): Promise<Response> {
    return fetch(url, { method: 'PUT', body: bytes });
  }

  /** Uploads bytes by ticket: one PUT, or every part then completeUpload. Returns the ticket. */
  async uploadBytes(
    token: string,
    companySlug: string,
    bytes: Buffer,
    opts: { format: DatasetFormat; fileName?: string; partSize?: number },
  ): Promise<TestTicket> {
    const r = await this.createUploadTicket(token, {
      companySlug,
      fileName: opts.fileName ?? `data.${opts.format.toLowerCase()}`,
      sizeBytes: bytes.length,
      format: opts.format,
      ...(opts.partSize ? { multipart: true, partSize: opts.partSize } : {}),
    });
    if (r.errors?.length) throw new Error(`createUploadTicket failed: ${JSON.stringify(r.errors)}`);
    const ticket = r.data!.createUploadTicket;
    if (!ticket.multipart) {
      const res = await this.putUrl(ticket.uploadUrl!, bytes);
      if (!res.ok) throw new Error(`PUT failed with HTTP ${res.status}`);
      return ticket;
    }
    for (const p of ticket.partUrls) {
      const start = (p.partNumber - 1) * ticket.partSize!;
      const res = await this.putUrl(p.url, bytes.subarray(start, start + p.sizeBytes));
      if (!res.ok) throw new Error(`part PUT failed with HTTP ${res.status}`);
    }
    await this.gqlOk(
      `mutation($id: ID!) { completeUpload(ticketId: $id) { id status } }`,
      { id: ticket.id },
      token,
    );
    return ticket;
  }

  /** Uploads and publishes bytes; returns the publishDataset answer (the version is VALIDATING). */
  async publishBytes(input: PublishBytesInput): Promise<GqlResult<{ publishDataset: any }>> {
    const ticket = await this.uploadBytes(input.token, input.companySlug, input.bytes, {
      format: input.format,
      fileName: input.fileName,
      partSize: input.partSize,
    });
    return this.gql(
      `mutation($input: PublishDatasetInput!) { publishDataset(input: $input) {
        dataset { id name } version { id version status objectKey }
        sampledColumns { name type class defaulted } defaultedColumns } }`,
      {
        input: {
          companySlug: input.companySlug,
          ticketId: ticket.id,
          name: input.name ?? uniq('dataset'),
          format: input.format,
          ...(input.encoding ? { encoding: input.encoding.toUpperCase().replace('-', '_') } : {}),
          classifications: input.classifications ?? [],
          ...(input.confirmedTypes ? { confirmedTypes: input.confirmedTypes } : {}),
        },
      },
      input.token,
    );
  }

  /** Waits until a version leaves VALIDATING (polling the database); returns its row. */
  async waitForVersion(versionId: string, timeoutMs = 60_000): Promise<DatasetVersionEntity> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await this.dataSource.getRepository(DatasetVersionEntity).findOneByOrFail({ id: versionId });
      if (v.status !== 'VALIDATING') return v;
      if (Date.now() > deadline)
        throw new Error(`version ${versionId} still VALIDATING after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * A PUBLISHED dataset of synthetic data (weld-line by default), published through GraphQL and
   * validated by an in-process worker (started on first use). For grant and query tests.
   */
  async newPublishedDataset(opts: {
    token: string;
    companySlug: string;
    kind?: SyntheticKind;
    rows?: number;
    seed?: string;
    format?: DatasetFormat;
    name?: string;
    classifications?: Array<{ column: string; class: string }>;
  }): Promise<{ datasetId: string; versionId: string; name: string; version: DatasetVersionEntity }> {
    if (!this.workers.length) await this.startWorker();
    const format = opts.format ?? 'CSV';
    const kind = opts.kind ?? 'weld-line';
    const bytes = await collect(
      generate({ kind, rows: opts.rows ?? 500, seed: opts.seed ?? 'test', format }),
    );
    const name = opts.name ?? uniq(kind);
    const r = await this.publishBytes({
      token: opts.token,
      companySlug: opts.companySlug,
      bytes,
      format,
      name,
      classifications: opts.classifications,
    });
    if (r.errors?.length) throw new Error(`publishDataset failed: ${JSON.stringify(r.errors)}`);
    const versionId = r.data!.publishDataset.version.id as string;
    const version = await this.waitForVersion(versionId);
    if (version.status !== 'PUBLISHED')
      throw new Error(`version ended ${version.status}: ${version.rejection?.code}`);
    return { datasetId: r.data!.publishDataset.dataset.id as string, versionId, name, version };
  }

  async close(): Promise<void> {
    for (const w of this.workers.splice(0)) await w.close();
    await this.app.close();
  }
}
