import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import type { HubConfig } from '@maxhub/config';
import { CompanyEntity, DatasetEntity, DatasetVersionEntity, UserEntity } from '@maxhub/db';
import { columnsOf, generate, type SyntheticKind } from '@maxhub/synthetic';
import { CompanyStorage } from '@maxhub/storage';
import { Actor, CoreModule, DatasetValidationModule, DatasetValidationService, HubError } from '@maxhub/core';
import { ColumnClassEnum } from '../../modules/datasets/dataset.model';
import { DatasetsModule } from '../../modules/datasets/datasets.module';
import { DatasetsService } from '../../modules/datasets/datasets.service';
import { UploadsService } from '../../modules/datasets/uploads.service';
import { DataSource } from 'typeorm';
import { AllianceModule } from '../../modules/alliance/alliance.module';
import { AllianceService } from '../../modules/alliance/alliance.service';
import { CompanyRoleEnum, WorkingGroupRoleEnum } from '../../modules/alliance/alliance.models';
import { AuthModule } from '../../modules/auth/auth.module';
import { TokensService } from '../../modules/auth/tokens.service';
import { DEMO } from './demo-alliance';

/** One printed demo credential. */
export interface DemoToken {
  email: string;
  roles: string;
  token: string;
}

const ignoreConflict = (err: unknown) => {
  if (err instanceof HubError && err.category === 'CONFLICT') return null;
  throw err;
};

/** Seeds the demo alliance through the same services the API uses, and issues demo tokens. */
export async function seedDemo(config: HubConfig): Promise<DemoToken[]> {
  @Module({
    imports: [
      CoreModule.register(config),
      AuthModule,
      AllianceModule,
      DatasetsModule,
      DatasetValidationModule,
    ],
  })
  class SeedModule {}
  const app = await NestFactory.createApplicationContext(SeedModule, { logger: false, abortOnError: false });
  try {
    const ds = app.get(DataSource);
    const tokens = app.get(TokensService);
    const alliance = app.get(AllianceService);
    let operator = await ds.getRepository(UserEntity).findOne({ where: { email: DEMO.operator.email } });
    if (!operator) {
      await tokens.bootstrapAdmin(DEMO.operator.email, DEMO.operator.name).catch(ignoreConflict);
      operator = await ds.getRepository(UserEntity).findOne({ where: { email: DEMO.operator.email } });
      if (!operator) {
        // Another operator bootstrapped this hub first: add the demo operator beside them.
        operator = await ds
          .getRepository(UserEntity)
          .save({ email: DEMO.operator.email, displayName: DEMO.operator.name, isAdmin: true });
      }
    }
    const actor: Actor = {
      userId: operator.id,
      email: operator.email,
      displayName: operator.displayName,
      isAdmin: true,
      tokenId: 'demo-seed',
      companies: new Map(),
      workingGroups: new Map(),
    };
    for (const c of DEMO.companies) {
      if (await ds.getRepository(CompanyEntity).exists({ where: { slug: c.slug } })) continue;
      await removeOrphanDemoBucket(app.get(CompanyStorage), c.slug);
      await alliance.registerCompany(actor, {
        slug: c.slug,
        name: c.name,
        nameKo: c.nameKo,
        businessRegistrationNumber: c.brn,
      });
    }
    for (const m of DEMO.companyMembers) {
      await alliance
        .addCompanyMember(actor, {
          companySlug: m.company,
          email: m.email,
          displayName: m.name,
          role: m.role as CompanyRoleEnum,
        })
        .catch(ignoreConflict);
    }
    for (const m of DEMO.groupMembers) {
      await alliance
        .addWorkingGroupMember(actor, {
          workingGroupSlug: m.group,
          email: m.email,
          displayName: m.name,
          role: m.role as WorkingGroupRoleEnum,
        })
        .catch(ignoreConflict);
    }
    await publishDemoDatasets(app, ds);
    const people = [
      { email: DEMO.operator.email, roles: 'alliance operator' },
      ...DEMO.companyMembers.map((m) => ({ email: m.email, roles: `${m.role} @ ${m.company}` })),
      ...DEMO.groupMembers.map((m) => ({ email: m.email, roles: `${m.role} @ ${m.group} (working group)` })),
    ];
    const out: DemoToken[] = [];
    for (const p of people) {
      const user = await ds.getRepository(UserEntity).findOneOrFail({ where: { email: p.email } });
      const issued = await ds.transaction((m) =>
        tokens.issue(m, { userId: user.id, name: 'demo', ttlDays: 7, actorUserId: operator.id }),
      );
      out.push({ email: p.email, roles: p.roles, token: issued.token });
    }
    return out;
  } finally {
    await app.close();
  }
}

/** Collects a generated dataset in memory (demo sizes are a few MB). */
async function generated(kind: SyntheticKind, rows: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of generate({ kind, rows, seed: 'demo', format: 'CSV' }) as AsyncIterable<Buffer>)
    chunks.push(c);
  return Buffer.concat(chunks);
}

/**
 * Publishes each demo company's dataset through the same path as the API (ticket, presigned
 * PUT, publishDataset) and validates it inline, so the end state is a PUBLISHED version even
 * before a worker runs (the queued job then finds nothing to do). Idempotent: a company whose
 * demo dataset already has a PUBLISHED version is skipped.
 */
async function publishDemoDatasets(
  app: Awaited<ReturnType<typeof NestFactory.createApplicationContext>>,
  ds: DataSource,
) {
  const datasets = app.get(DatasetsService);
  const uploads = app.get(UploadsService);
  const validation = app.get(DatasetValidationService);
  for (const d of DEMO.datasets) {
    const company = await ds.getRepository(CompanyEntity).findOneByOrFail({ slug: d.company });
    const existing = await ds.getRepository(DatasetEntity).findOneBy({ companyId: company.id, name: d.name });
    if (
      existing &&
      (await ds.getRepository(DatasetVersionEntity).existsBy({ datasetId: existing.id, status: 'PUBLISHED' }))
    )
      continue;
    const user = await ds.getRepository(UserEntity).findOneByOrFail({ email: d.publisher });
    const actor: Actor = {
      userId: user.id,
      email: user.email,
      displayName: user.displayName,
      isAdmin: false,
      tokenId: 'demo-seed',
      companies: new Map([[company.id, new Set(['PUBLISHER' as const])]]),
      workingGroups: new Map(),
    };
    const bytes = await generated(d.kind, d.rows);
    const ticket = await uploads.createUploadTicket(actor, {
      companySlug: d.company,
      fileName: `${d.kind}.csv`,
      sizeBytes: bytes.length,
      format: 'CSV' as never,
      multipart: false,
    });
    const put = await fetch(ticket.uploadUrl!, { method: 'PUT', body: bytes });
    if (!put.ok) throw new Error(`demo upload refused by the storage (HTTP ${put.status})`);
    const published = await datasets.publishDataset(actor, {
      companySlug: d.company,
      ticketId: ticket.id,
      name: d.name,
      description: d.description,
      tags: [...d.tags],
      classifications: columnsOf(d.kind).map((c) => ({
        column: c.name,
        class: c.class as ColumnClassEnum,
      })),
    });
    await validation.process({
      id: 'demo-seed',
      data: { versionId: published.version.id },
      retryCount: 0,
      retryLimit: 0,
    });
  }
}

/**
 * A demo company's bucket left on the local MinIO by an earlier development database (the
 * database was dropped, the MinIO data folder kept). Registration rightly refuses to adopt a
 * bucket it did not create; for the fictional demo companies only, the seed empties and removes
 * such an orphan first, and says so. Real companies never go through here.
 */
async function removeOrphanDemoBucket(storage: CompanyStorage, slug: string): Promise<void> {
  const bucket = storage.bucketNameFor(slug);
  const client = storage.alliance;
  if (!(await client.bucketExists(bucket))) return;
  const names: string[] = [];
  for await (const o of client.listObjectsV2(bucket, '', true) as AsyncIterable<{ name?: string }>) {
    if (o.name) names.push(o.name);
  }
  for (let i = 0; i < names.length; i += 1000) await client.removeObjects(bucket, names.slice(i, i + 1000));
  await client.removeBucket(bucket);
  process.stderr.write(
    `maxhub: removed the orphan demo bucket ${bucket} left by an earlier development database\n`,
  );
}
