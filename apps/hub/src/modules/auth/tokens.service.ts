import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { HUB_CONFIG, HubConfig } from '@maxhub/config';
import {
  ApiTokenEntity,
  UserEntity,
  type CompanyRole,
  type WorkingGroupRole,
  preparedQuery,
} from '@maxhub/db';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import {
  Actor,
  AuditService,
  badInput,
  conflict,
  forbidden,
  HubError,
  notFound,
  returnedRows,
} from '@maxhub/core';
import { AuthErrorCode } from '../../common/auth.errors';
import { AllianceErrorCode } from '../alliance/alliance.errors';

const TOKEN_PREFIX = 'mxh_';

/** SHA-256 of a token: what the database stores and looks up. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** A freshly issued token: the secret is in `token`, shown once and never stored. */
export interface IssuedToken {
  token: string;
  record: ApiTokenEntity;
}

@Injectable()
export class TokensService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly audit: AuditService,
  ) {}

  /**
   * Resolves a bearer token to the caller. Unknown, revoked and expired tokens are refused the
   * same way (UNAUTHENTICATED), so a caller learns nothing about which tokens exist.
   */
  async authenticate(token: string): Promise<Actor> {
    const invalid = () =>
      new HubError(
        'UNAUTHENTICATED',
        AuthErrorCode.AUTH_TOKEN_INVALID,
        'the token is invalid, revoked or expired',
      );
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) throw invalid();
    // One round trip for the token, its user and every membership (this runs on every request).
    const rows: Array<{
      token_id: string;
      user_id: string;
      email: string;
      display_name: string;
      is_admin: boolean;
      stale: boolean;
      companies: Array<{ id: string; role: CompanyRole }> | null;
      groups: Array<{ id: string; role: WorkingGroupRole }> | null;
    }> = await preparedQuery(
      this.dataSource,
      `SELECT t.id AS token_id, u.id AS user_id, u.email, u.display_name, u.is_admin,
              (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute') AS stale,
              (SELECT json_agg(json_build_object('id', cm.company_id, 'role', cm.role))
                 FROM company_members cm WHERE cm.user_id = u.id) AS companies,
              (SELECT json_agg(json_build_object('id', wm.working_group_id, 'role', wm.role))
                 FROM working_group_members wm WHERE wm.user_id = u.id) AS groups
         FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > now()`,
      [hashToken(token)],
    );
    const row = rows[0];
    if (!row) throw invalid();
    const companies = new Map<string, Set<CompanyRole>>();
    for (const m of row.companies ?? []) companies.set(m.id, (companies.get(m.id) ?? new Set()).add(m.role));
    const workingGroups = new Map<string, Set<WorkingGroupRole>>();
    for (const m of row.groups ?? [])
      workingGroups.set(m.id, (workingGroups.get(m.id) ?? new Set()).add(m.role));
    // Record use at most once a minute per token: cheap, and enough to spot stale tokens.
    if (row.stale) {
      await this.dataSource.query(
        `UPDATE api_tokens SET last_used_at = now()
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
        [row.token_id],
      );
    }
    return {
      userId: row.user_id,
      email: row.email,
      displayName: row.display_name,
      isAdmin: row.is_admin,
      tokenId: row.token_id,
      companies,
      workingGroups,
    };
  }

  /** Issues a token for `userId` inside the caller's transaction, audited there too. */
  async issue(
    manager: EntityManager,
    params: { userId: string; name: string; ttlDays?: number; actorUserId: string | null },
  ): Promise<IssuedToken> {
    const name = params.name.trim();
    if (name.length < 1 || name.length > 100) {
      throw badInput(AuthErrorCode.AUTH_TOKEN_NAME_INVALID, 'a token name must be 1 to 100 characters');
    }
    const ttlDays = params.ttlDays ?? this.config.tokens.defaultTtlDays;
    const maxDays = this.config.tokens.maxTtlDays;
    if (!Number.isInteger(ttlDays) || ttlDays < 1 || ttlDays > maxDays) {
      throw badInput(
        AuthErrorCode.AUTH_TOKEN_TTL_INVALID,
        `ttlDays must be a whole number of days from 1 to ${maxDays} (the hub’s token policy)`,
        { field: 'ttlDays', maxDays },
      );
    }
    // Live tokens per person are capped (one request of aliased createApiToken minted thirty):
    // counted under a lock on the person, so concurrent mints cannot both pass the count.
    await manager.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [params.userId]);
    const [{ live }] = await manager.query<Array<{ live: number }>>(
      'SELECT count(*)::int AS live FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()',
      [params.userId],
    );
    const maxLive = this.config.tokens.maxLivePerPerson;
    if (live >= maxLive) {
      throw conflict(
        AuthErrorCode.AUTH_TOO_MANY_TOKENS,
        `this person already holds ${live} live tokens, the most allowed (${maxLive}); revoke one (revokeApiToken) first`,
      );
    }
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const record = manager.create(ApiTokenEntity, {
      userId: params.userId,
      name,
      prefix: token.slice(0, TOKEN_PREFIX.length + 6),
      tokenHash: hashToken(token),
      expiresAt: new Date(Date.now() + ttlDays * 86_400_000),
      revokedAt: null,
      lastUsedAt: null,
    });
    const saved = await manager.save(ApiTokenEntity, record);
    await this.audit.append(manager, {
      actorUserId: params.actorUserId,
      action: 'token.issued',
      subjectType: 'api_token',
      subjectId: saved.id,
      details: { userId: params.userId, ttlDays },
    });
    return { token, record: saved };
  }

  /**
   * Issues a token for the caller, or (alliance operator only) for another user by e-mail.
   * Minting policy: the token making the request must have been issued less than
   * TOKEN_MAX_TTL_DAYS ago (and still be valid, checked again here), so an old token cannot
   * renew itself; the new one lives at most TOKEN_MAX_TTL_DAYS. The person's row is locked
   * (shared) so that a removal revoking their tokens cannot miss one minted concurrently.
   */
  async issueFor(
    actor: Actor,
    input: { name: string; ttlDays?: number; userEmail?: string },
  ): Promise<IssuedToken> {
    return this.dataSource.transaction(async (m) => {
      let userId = actor.userId;
      if (input.userEmail && input.userEmail.toLowerCase() !== actor.email) {
        if (!actor.isAdmin) {
          throw new HubError(
            'FORBIDDEN',
            AuthErrorCode.AUTH_ADMIN_REQUIRED,
            'only the alliance operator issues tokens for others',
          );
        }
        const user = await m.findOne(UserEntity, { where: { email: input.userEmail.toLowerCase() } });
        if (!user) throw notFound(AuthErrorCode.AUTH_USER_NOT_FOUND, 'no user with that e-mail address');
        userId = user.id;
      }
      await m.query('SELECT 1 FROM users WHERE id = $1 FOR SHARE', [userId]);
      await this.assertMayMint(m, actor);
      return this.issue(m, { userId, name: input.name, ttlDays: input.ttlDays, actorUserId: actor.userId });
    });
  }

  /** The minting rule: the caller's token is still valid and was issued less than the policy maximum ago. */
  private async assertMayMint(m: EntityManager, actor: Actor): Promise<void> {
    const maxDays = this.config.tokens.maxTtlDays;
    const rows: Array<{ young: boolean }> = await m.query(
      `SELECT created_at > now() - make_interval(days => $2) AS young FROM api_tokens
        WHERE id = $1 AND revoked_at IS NULL AND expires_at > now()`,
      [actor.tokenId, maxDays],
    );
    if (!rows[0]) {
      throw new HubError(
        'UNAUTHENTICATED',
        AuthErrorCode.AUTH_TOKEN_INVALID,
        'the token is invalid, revoked or expired',
      );
    }
    if (!rows[0].young) {
      throw forbidden(
        AuthErrorCode.AUTH_TOKEN_TOO_OLD_TO_MINT,
        `this token was issued ${maxDays} or more days ago and may no longer issue tokens; ask the alliance operator for a new one`,
      );
    }
  }

  /**
   * Revokes every token of a person not yet revoked, inside the caller's transaction, with one
   * audit entry there (`token.revoked_all`). Used when the person's last membership ends.
   * Returns how many were revoked.
   */
  async revokeAllOf(
    manager: EntityManager,
    params: { userId: string; actorUserId: string | null; reason: 'LAST_MEMBERSHIP_ENDED' },
  ): Promise<number> {
    const revoked = await manager
      .query(
        `UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`,
        [params.userId],
      )
      .then(returnedRows<{ id: string }>);
    if (revoked.length > 0) {
      await this.audit.append(manager, {
        actorUserId: params.actorUserId,
        action: 'token.revoked_all',
        subjectType: 'user',
        subjectId: params.userId,
        details: { tokens: revoked.length, reason: params.reason },
      });
    }
    return revoked.length;
  }

  /** The caller's tokens (or, for the operator, any user's). Never includes hashes. */
  async list(actor: Actor, userEmail?: string): Promise<ApiTokenEntity[]> {
    let userId = actor.userId;
    if (userEmail && userEmail.toLowerCase() !== actor.email) {
      if (!actor.isAdmin)
        throw notFound(AuthErrorCode.AUTH_USER_NOT_FOUND, 'no user with that e-mail address');
      const user = await this.dataSource
        .getRepository(UserEntity)
        .findOne({ where: { email: userEmail.toLowerCase() } });
      if (!user) throw notFound(AuthErrorCode.AUTH_USER_NOT_FOUND, 'no user with that e-mail address');
      userId = user.id;
    }
    return this.dataSource
      .getRepository(ApiTokenEntity)
      .find({ where: { userId }, order: { createdAt: 'DESC' } });
  }

  /** Revokes a token of the caller's (or any, for the operator); refused on the next request. */
  async revoke(actor: Actor, tokenId: string): Promise<ApiTokenEntity> {
    return this.dataSource.transaction(async (m) => {
      const token = await m.findOne(ApiTokenEntity, { where: { id: tokenId } });
      if (!token || (token.userId !== actor.userId && !actor.isAdmin)) {
        throw notFound(AuthErrorCode.AUTH_TOKEN_NOT_FOUND, 'no such token among yours');
      }
      if (token.revokedAt) return token;
      await m.update(ApiTokenEntity, { id: token.id, revokedAt: IsNull() }, { revokedAt: new Date() });
      await this.audit.append(m, {
        actorUserId: actor.userId,
        action: 'token.revoked',
        subjectType: 'api_token',
        subjectId: token.id,
        details: { userId: token.userId },
      });
      return (await m.findOne(ApiTokenEntity, { where: { id: token.id } }))!;
    });
  }

  /**
   * Creates the first alliance operator and a token for them. Refused once any operator
   * exists: later operators are added by an operator.
   */
  async bootstrapAdmin(email: string, displayName: string): Promise<IssuedToken> {
    return this.dataSource.transaction(async (m) => {
      await m.query('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE');
      const existing = await m.count(UserEntity, { where: { isAdmin: true } });
      if (existing > 0) {
        throw new HubError(
          'CONFLICT',
          AuthErrorCode.ADMIN_ALREADY_BOOTSTRAPPED,
          'an alliance operator already exists; ask them for access',
        );
      }
      const normalized = email.trim().toLowerCase();
      if (!/^[^\s@]+@[^\s@]+$/.test(normalized))
        throw badInput(AllianceErrorCode.ALLIANCE_EMAIL_INVALID, 'the e-mail address is not valid');
      let user = await m.findOne(UserEntity, { where: { email: normalized } });
      if (user) await m.update(UserEntity, { id: user.id }, { isAdmin: true });
      else
        user = await m.save(
          UserEntity,
          m.create(UserEntity, { email: normalized, displayName, isAdmin: true }),
        );
      await this.audit.append(m, {
        actorUserId: user.id,
        action: 'admin.bootstrapped',
        subjectType: 'user',
        subjectId: user.id,
      });
      return this.issue(m, { userId: user.id, name: 'bootstrap', actorUserId: user.id });
    });
  }
}
