import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import type { HubConfig } from '@maxhub/config';
import { CompanyEntity, UserEntity } from '@maxhub/db';
import { DataSource } from 'typeorm';
import { Actor } from '../../../hub/src/common/actor';
import { CoreModule } from '../../../hub/src/core.module';
import { AllianceModule } from '../../../hub/src/modules/alliance/alliance.module';
import { AllianceService } from '../../../hub/src/modules/alliance/alliance.service';
import { CompanyRoleEnum, WorkingGroupRoleEnum } from '../../../hub/src/modules/alliance/alliance.models';
import { HubError } from '../../../hub/src/common/hub-error';
import { TokensService } from '../../../hub/src/modules/auth/tokens.service';
import { DEMO } from './demo-seed.command';

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
  @Module({ imports: [CoreModule.register(config), AllianceModule] })
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
