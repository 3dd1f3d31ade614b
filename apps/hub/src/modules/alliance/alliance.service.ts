import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  CompanyEntity,
  CompanyMemberEntity,
  UserEntity,
  WorkingGroupEntity,
  WorkingGroupMemberEntity,
} from '@maxhub/db';
import {
  checkBucket,
  CompanyStorage,
  createClient,
  ensureBucket,
  parseEndpointUrl,
  removeBucket,
  sealCredentials,
  StorageError,
} from '@maxhub/storage';
import { Inject } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '@maxhub/config';
import { DataSource, EntityManager, In } from 'typeorm';
import {
  AccessService,
  Actor,
  AuditService,
  badInput,
  conflict,
  CoreErrorCode,
  HubError,
  isUniqueViolation,
  notFound,
} from '@maxhub/core';
import { hasMixedScriptWord, normalizeName } from '@maxhub/contracts';
import { TokensService } from '../auth/tokens.service';
import { AllianceErrorCode as E } from './alliance.errors';
import {
  Company,
  CompanyMember,
  CompanyRoleEnum,
  Me,
  StorageKind,
  WorkingGroup,
  WorkingGroupMember,
  WorkingGroupRoleEnum,
} from './alliance.models';
import { normalizeBusinessRegistrationNumber } from './brn';
import { RegisterCompanyInput } from './dto/register-company.input';
import {
  AddCompanyMemberInput,
  AddWorkingGroupMemberInput,
  CreateWorkingGroupInput,
} from './dto/members.input';

const SLUG = /^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * A name as stored and shown (in the directory and in every grant document that names it): NFC,
 * trimmed, at most 200 characters, no word mixing Latin with Cyrillic or Greek look-alikes.
 * Control, bidi and invisible characters are refused before (the GraphQL input guard).
 */
function checkName(value: string | undefined, what: string, required: boolean): string | null {
  const v = value === undefined ? '' : normalizeName(value);
  if (!v) {
    if (required) throw badInput(E.ALLIANCE_NAME_INVALID, `${what} must not be empty`);
    return null;
  }
  if (v.length > 200) throw badInput(E.ALLIANCE_NAME_INVALID, `${what} must be at most 200 characters`);
  if (hasMixedScriptWord(v))
    throw badInput(
      E.ALLIANCE_NAME_MIXED_SCRIPT,
      `${what} mixes Latin letters with Cyrillic or Greek ones in one word; write each word in one script`,
    );
  return v;
}

function checkSlug(slug: string): string {
  if (!SLUG.test(slug)) {
    throw badInput(
      E.ALLIANCE_SLUG_INVALID,
      'a slug must be 3–40 lower-case letters, digits or dashes, not starting or ending with a dash',
    );
  }
  return slug;
}

function checkEmail(email: string): string {
  const e = email.trim().toLowerCase();
  if (e.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e))
    throw badInput(E.ALLIANCE_EMAIL_INVALID, 'the e-mail address is not valid');
  return e;
}

@Injectable()
export class AllianceService {
  private readonly logger = new Logger(AllianceService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly storage: CompanyStorage,
    private readonly audit: AuditService,
    private readonly access: AccessService,
    private readonly tokens: TokensService,
  ) {}

  /** The GraphQL view of a company; storage details only for its members and the operator. */
  toCompany(row: CompanyEntity, actor: Actor): Company {
    const insider = actor.isAdmin || actor.companies.has(row.id);
    return {
      id: row.id,
      slug: row.slug,
      name: row.name,
      nameKo: row.nameKo,
      businessRegistrationNumber: row.businessRegistrationNumber,
      storage: row.endpointUrl ? StorageKind.OWN_ENDPOINT : StorageKind.ALLIANCE,
      bucket: insider ? row.bucket : null,
      endpointUrl: insider ? row.endpointUrl : null,
      createdAt: row.createdAt,
    };
  }

  /**
   * Registers a company and its storage as one unit: the row, the bucket (created on the
   * alliance MinIO, or checked on the company's own endpoint) and the audit entry. If any step
   * fails, nothing remains: the transaction rolls back and a bucket this call created is removed.
   */
  async registerCompany(actor: Actor, input: RegisterCompanyInput): Promise<Company> {
    const slug = checkSlug(input.slug);
    const name = checkName(input.name, 'the company name', true)!;
    const nameKo = checkName(input.nameKo, 'the Korean name', false);
    const brn = normalizeBusinessRegistrationNumber(input.businessRegistrationNumber);
    if (!brn) {
      throw badInput(
        E.ALLIANCE_BRN_INVALID,
        'the business registration number must be 10 digits (123-45-67890) with a valid check digit',
      );
    }
    const id = randomUUID();
    let bucket = this.storage.bucketNameFor(slug);
    let endpoint: { url: string; region: string; sealed: Buffer } | null = null;
    if (input.endpoint) {
      const ep = input.endpoint;
      try {
        parseEndpointUrl(ep.url);
      } catch (err) {
        throw badInput((err as StorageError).code, (err as StorageError).message);
      }
      if (!BUCKET.test(ep.bucket))
        throw badInput(E.ALLIANCE_BUCKET_INVALID, 'the bucket name is not a valid S3 bucket name');
      if (!ep.accessKey || !ep.secretKey)
        throw badInput(E.ALLIANCE_STORAGE_UNAVAILABLE, 'the endpoint needs an access key and a secret key');
      const region = ep.region?.trim() || 'us-east-1';
      bucket = ep.bucket;
      endpoint = {
        url: ep.url.replace(/\/$/, ''),
        region,
        sealed: sealCredentials(this.config.secrets.credentialsKey, id, {
          accessKey: ep.accessKey,
          secretKey: ep.secretKey,
        }),
      };
      try {
        await checkBucket(
          createClient(
            { url: endpoint.url, region, accessKey: ep.accessKey, secretKey: ep.secretKey },
            { deadlines: this.storage.deadlines },
          ),
          bucket,
        );
      } catch (err) {
        throw new HubError(
          'BAD_USER_INPUT',
          E.ALLIANCE_STORAGE_UNAVAILABLE,
          `the company endpoint cannot be used: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
    }

    let createdBucket = false;
    try {
      const row = await this.dataSource.transaction(async (m) => {
        await this.assertFree(m, slug, brn);
        const saved = await m.save(
          CompanyEntity,
          m.create(CompanyEntity, {
            id,
            slug,
            name,
            nameKo,
            businessRegistrationNumber: brn,
            bucket,
            endpointUrl: endpoint?.url ?? null,
            endpointRegion: endpoint?.region ?? null,
            endpointCredentials: endpoint?.sealed ?? null,
          }),
        );
        await this.audit.append(m, {
          actorUserId: actor.userId,
          action: 'company.registered',
          companyId: saved.id,
          subjectType: 'company',
          subjectId: saved.id,
          details: { slug, storage: endpoint ? 'OWN_ENDPOINT' : 'ALLIANCE' },
        });
        if (!endpoint) {
          // Last step before commit, so a failure here rolls the row back.
          createdBucket = await ensureBucket(this.storage.alliance, bucket, this.storage.region).catch(
            (err: unknown) => {
              throw new HubError(
                'SERVICE_UNAVAILABLE',
                E.ALLIANCE_STORAGE_UNAVAILABLE,
                'the alliance storage could not create the company bucket',
                {
                  cause: err,
                },
              );
            },
          );
          if (!createdBucket) {
            throw conflict(
              E.ALLIANCE_BUCKET_EXISTS,
              'a bucket with this company’s name already exists on the alliance storage',
            );
          }
        }
        return saved;
      });
      return this.toCompany(row, actor);
    } catch (err) {
      if (createdBucket) {
        await removeBucket(this.storage.alliance, bucket).catch((cleanupErr: unknown) =>
          this.logger.error({
            msg: 'could not remove the bucket of a failed registration',
            bucket,
            err: String(cleanupErr),
          }),
        );
      }
      if (isUniqueViolation(err, 'uq_companies_slug'))
        throw conflict(E.ALLIANCE_SLUG_TAKEN, 'a company with this slug already exists');
      if (isUniqueViolation(err, 'uq_companies_business_registration_number')) {
        throw conflict(
          E.ALLIANCE_BRN_TAKEN,
          'a company with this business registration number already exists',
        );
      }
      throw err;
    }
  }

  private async assertFree(m: EntityManager, slug: string, brn: string): Promise<void> {
    if (await m.exists(CompanyEntity, { where: { slug } }))
      throw conflict(E.ALLIANCE_SLUG_TAKEN, 'a company with this slug already exists');
    if (await m.exists(CompanyEntity, { where: { businessRegistrationNumber: brn } })) {
      throw conflict(E.ALLIANCE_BRN_TAKEN, 'a company with this business registration number already exists');
    }
  }

  /** The directory of companies (every member sees it; storage details only for insiders). */
  async companies(actor: Actor): Promise<Company[]> {
    const rows = await this.dataSource.getRepository(CompanyEntity).find({ order: { slug: 'ASC' } });
    return rows.map((r) => this.toCompany(r, actor));
  }

  /** A company by slug. */
  async companyBySlug(slug: string): Promise<CompanyEntity> {
    const row = await this.dataSource.getRepository(CompanyEntity).findOne({ where: { slug } });
    if (!row) throw notFound(CoreErrorCode.ALLIANCE_COMPANY_NOT_FOUND, 'no company with that slug');
    return row;
  }

  async workingGroups(): Promise<WorkingGroup[]> {
    return this.dataSource.getRepository(WorkingGroupEntity).find({ order: { slug: 'ASC' } });
  }

  async workingGroupBySlug(slug: string): Promise<WorkingGroupEntity> {
    const row = await this.dataSource.getRepository(WorkingGroupEntity).findOne({ where: { slug } });
    if (!row)
      throw notFound(CoreErrorCode.ALLIANCE_WORKING_GROUP_NOT_FOUND, 'no working group with that slug');
    return row;
  }

  async createWorkingGroup(actor: Actor, input: CreateWorkingGroupInput): Promise<WorkingGroup> {
    const slug = checkSlug(input.slug);
    const nameEn = checkName(input.nameEn, 'the English name', true)!;
    const nameKo = checkName(input.nameKo, 'the Korean name', true)!;
    try {
      return await this.dataSource.transaction(async (m) => {
        const saved = await m.save(
          WorkingGroupEntity,
          m.create(WorkingGroupEntity, { slug, nameEn, nameKo }),
        );
        await this.audit.append(m, {
          actorUserId: actor.userId,
          action: 'working_group.created',
          workingGroupId: saved.id,
          subjectType: 'working_group',
          subjectId: saved.id,
          details: { slug },
        });
        return saved;
      });
    } catch (err) {
      if (isUniqueViolation(err, 'uq_working_groups_slug'))
        throw conflict(E.ALLIANCE_SLUG_TAKEN, 'a working group with this slug already exists');
      throw err;
    }
  }

  private async findOrCreateUser(m: EntityManager, email: string, displayName?: string): Promise<UserEntity> {
    const existing = await m.findOne(UserEntity, { where: { email } });
    if (existing) return existing;
    const name = checkName(displayName, 'the display name of a new person', true)!;
    return m.save(UserEntity, m.create(UserEntity, { email, displayName: name, isAdmin: false }));
  }

  async addCompanyMember(actor: Actor, input: AddCompanyMemberInput): Promise<CompanyMember> {
    const email = checkEmail(input.email);
    const company = await this.companyBySlug(input.companySlug);
    try {
      return await this.dataSource.transaction(async (m) => {
        const user = await this.findOrCreateUser(m, email, input.displayName);
        await m.insert(CompanyMemberEntity, { userId: user.id, companyId: company.id, role: input.role });
        await this.audit.append(m, {
          actorUserId: actor.userId,
          action: 'company_member.added',
          companyId: company.id,
          subjectType: 'user',
          subjectId: user.id,
          details: { role: input.role },
        });
        return { person: user, company: this.toCompany(company, actor), role: input.role };
      });
    } catch (err) {
      if (isUniqueViolation(err, 'uq_company_members_user_company_role')) {
        throw conflict(E.ALLIANCE_MEMBER_EXISTS, 'the person already holds this role in the company');
      }
      throw err;
    }
  }

  async removeCompanyMember(
    actor: Actor,
    companySlug: string,
    email: string,
    role: CompanyRoleEnum,
  ): Promise<boolean> {
    const company = await this.companyBySlug(companySlug);
    return this.dataSource.transaction(async (m) => {
      const user = await this.lockedUser(m, email);
      const res = user
        ? await m.delete(CompanyMemberEntity, { userId: user.id, companyId: company.id, role })
        : null;
      if (!user || !res?.affected)
        throw notFound(E.ALLIANCE_MEMBER_NOT_FOUND, 'the person does not hold this role in the company');
      await this.audit.append(m, {
        actorUserId: actor.userId,
        action: 'company_member.removed',
        companyId: company.id,
        subjectType: 'user',
        subjectId: user.id,
        details: { role },
      });
      await this.revokeTokensIfLastMembership(m, user, actor);
      return true;
    });
  }

  async addWorkingGroupMember(actor: Actor, input: AddWorkingGroupMemberInput): Promise<WorkingGroupMember> {
    const email = checkEmail(input.email);
    const group = await this.workingGroupBySlug(input.workingGroupSlug);
    try {
      return await this.dataSource.transaction(async (m) => {
        const user = await this.findOrCreateUser(m, email, input.displayName);
        await m.insert(WorkingGroupMemberEntity, {
          userId: user.id,
          workingGroupId: group.id,
          role: input.role,
        });
        await this.audit.append(m, {
          actorUserId: actor.userId,
          action: 'working_group_member.added',
          workingGroupId: group.id,
          subjectType: 'user',
          subjectId: user.id,
          details: { role: input.role },
        });
        return { person: user, workingGroup: group, role: input.role };
      });
    } catch (err) {
      if (isUniqueViolation(err, 'uq_working_group_members_user_group_role')) {
        throw conflict(E.ALLIANCE_MEMBER_EXISTS, 'the person already holds this role in the working group');
      }
      throw err;
    }
  }

  async removeWorkingGroupMember(
    actor: Actor,
    slug: string,
    email: string,
    role: WorkingGroupRoleEnum,
  ): Promise<boolean> {
    const group = await this.workingGroupBySlug(slug);
    return this.dataSource.transaction(async (m) => {
      const user = await this.lockedUser(m, email);
      const res = user
        ? await m.delete(WorkingGroupMemberEntity, { userId: user.id, workingGroupId: group.id, role })
        : null;
      if (!user || !res?.affected)
        throw notFound(
          E.ALLIANCE_MEMBER_NOT_FOUND,
          'the person does not hold this role in the working group',
        );
      await this.audit.append(m, {
        actorUserId: actor.userId,
        action: 'working_group_member.removed',
        workingGroupId: group.id,
        subjectType: 'user',
        subjectId: user.id,
        details: { role },
      });
      await this.revokeTokensIfLastMembership(m, user, actor);
      return true;
    });
  }

  /**
   * The person by e-mail, their row locked for this transaction: removals of the same person
   * (and token minting for them) run one after the other, so the last removal always sees
   * that it is the last.
   */
  private async lockedUser(m: EntityManager, email: string): Promise<UserEntity | null> {
    return m.findOne(UserEntity, {
      where: { email: checkEmail(email) },
      lock: { mode: 'pessimistic_write' },
    });
  }

  /**
   * Tokens do not outlive membership: when a person's last role in any company or working
   * group ends, every token of theirs is revoked in the same transaction. An operator keeps theirs.
   */
  private async revokeTokensIfLastMembership(
    m: EntityManager,
    user: UserEntity,
    actor: Actor,
  ): Promise<void> {
    if (user.isAdmin) return;
    const left: Array<{ any: boolean }> = await m.query(
      `SELECT EXISTS (SELECT 1 FROM company_members WHERE user_id = $1)
           OR EXISTS (SELECT 1 FROM working_group_members WHERE user_id = $1) AS any`,
      [user.id],
    );
    if (left[0]?.any) return;
    await this.tokens.revokeAllOf(m, {
      userId: user.id,
      actorUserId: actor.userId,
      reason: 'LAST_MEMBERSHIP_ENDED',
    });
  }

  /** Members of a company: visible to its own members and the operator; others get NOT_FOUND. */
  async companyMembers(actor: Actor, slug: string): Promise<CompanyMember[]> {
    const company = await this.companyBySlug(slug);
    this.access.requireCompany(actor, company.id, 'ANY', { adminPasses: true });
    const rows = await this.dataSource
      .getRepository(CompanyMemberEntity)
      .find({ where: { companyId: company.id }, relations: { user: true }, order: { createdAt: 'ASC' } });
    return rows.map((r) => ({
      person: r.user!,
      company: this.toCompany(company, actor),
      role: r.role as CompanyRoleEnum,
    }));
  }

  /** Members of a working group: visible to its own members and the operator. */
  async workingGroupMembers(actor: Actor, slug: string): Promise<WorkingGroupMember[]> {
    const group = await this.workingGroupBySlug(slug);
    this.access.requireWorkingGroup(actor, group.id, 'ANY', { adminPasses: true });
    const rows = await this.dataSource
      .getRepository(WorkingGroupMemberEntity)
      .find({ where: { workingGroupId: group.id }, relations: { user: true }, order: { createdAt: 'ASC' } });
    return rows.map((r) => ({ person: r.user!, workingGroup: group, role: r.role as WorkingGroupRoleEnum }));
  }

  async me(actor: Actor): Promise<Me> {
    const companyIds = [...actor.companies.keys()];
    const groupIds = [...actor.workingGroups.keys()];
    const [companies, groups] = await Promise.all([
      companyIds.length ? this.dataSource.getRepository(CompanyEntity).findBy({ id: In(companyIds) }) : [],
      groupIds.length ? this.dataSource.getRepository(WorkingGroupEntity).findBy({ id: In(groupIds) }) : [],
    ]);
    const person = {
      id: actor.userId,
      email: actor.email,
      displayName: actor.displayName,
      isAdmin: actor.isAdmin,
    };
    return {
      person,
      companies: companies.flatMap((c) =>
        [...actor.companies.get(c.id)!].map((role) => ({
          person,
          company: this.toCompany(c, actor),
          role: role as CompanyRoleEnum,
        })),
      ),
      workingGroups: groups.flatMap((g) =>
        [...actor.workingGroups.get(g.id)!].map((role) => ({
          person,
          workingGroup: g,
          role: role as WorkingGroupRoleEnum,
        })),
      ),
    };
  }
}
