import { capturedLogs, TestContext } from '@maxhub/testing';
import { TokensService } from '../apps/hub/src/modules/auth/tokens.service';

const ME = `{ me { person { email isAdmin } } }`;

describe('sign-in with personal API tokens (e2e)', () => {
  let ctx: TestContext;
  let admin: { token: string; email: string };
  beforeAll(async () => {
    ctx = await TestContext.create();
    admin = await ctx.newUser({ admin: true });
  });
  afterAll(async () => ctx?.close());

  it('refuses a request without a token with UNAUTHENTICATED and a reason', async () => {
    const r = await ctx.gql(ME);
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'AUTH_TOKEN_MISSING' });
  });

  it('refuses an unknown token', async () => {
    const r = await ctx.gql(ME, {}, 'mxh_not-a-real-token');
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'AUTH_TOKEN_INVALID' });
  });

  it('issues a token shown once, lists it without the secret, and refuses it on the next request once revoked', async () => {
    const user = await ctx.newUser();
    const issued = await ctx.gqlOk(
      `mutation { createApiToken(input: { name: "laptop", ttlDays: 30 }) { token apiToken { id name prefix expiresAt } } }`,
      {},
      user.token,
    );
    const token: string = issued.createApiToken.token;
    expect(token).toMatch(/^mxh_/);
    expect(token.startsWith(issued.createApiToken.apiToken.prefix)).toBe(true);
    expect((await ctx.gqlOk(ME, {}, token)).me.person.email).toBe(user.email);

    const list = await ctx.gqlOk(`{ apiTokens { id name revokedAt } }`, {}, token);
    expect(JSON.stringify(list)).not.toContain(token);
    expect(list.apiTokens.map((t: { name: string }) => t.name)).toEqual(
      expect.arrayContaining(['laptop', 'test']),
    );

    await ctx.gqlOk(
      `mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }`,
      { id: issued.createApiToken.apiToken.id },
      user.token,
    );
    const after = await ctx.gql(ME, {}, token);
    expect(after.errors?.[0].extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'AUTH_TOKEN_INVALID',
    });
    const rows: Array<{ token_hash: Buffer }> = await ctx.dataSource.query(
      'SELECT token_hash FROM api_tokens WHERE id = $1',
      [issued.createApiToken.apiToken.id],
    );
    expect(rows[0].token_hash.toString('utf8')).not.toContain(token);
  });

  it('caps the live tokens one person holds: thirty aliased createApiToken mint up to the cap, the rest are refused', async () => {
    const user = await ctx.newUser(); // holds one token already
    const doc = `mutation { ${Array.from({ length: 30 }, (_, i) => `t${i}: createApiToken(input: { name: "n${i}", ttlDays: 1 }) { apiToken { id } }`).join(' ')} }`;
    // The field is non-null, so the first refusal nulls the answer; the tokens minted before it stand.
    const r = await ctx.gql(doc, {}, user.token);
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'AUTH_TOO_MANY_TOKENS' });
    expect(r.errors?.[0].message).toMatch(/already holds 20 live tokens/);
    const [{ live }] = await ctx.dataSource.query<Array<{ live: number }>>(
      'SELECT count(*)::int AS live FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL',
      [user.userId],
    );
    expect(live).toBe(20);
  });

  it('refuses an expired token', async () => {
    const user = await ctx.newUser();
    await ctx.dataSource.query(
      `UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [user.userId],
    );
    const r = await ctx.gql(ME, {}, user.token);
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'AUTH_TOKEN_INVALID' });
  });

  it('answers NOT_FOUND when revoking someone else’s token', async () => {
    const a = await ctx.newUser();
    const b = await ctx.newUser();
    const bTokens = await ctx.gqlOk(`{ apiTokens { id } }`, {}, b.token);
    const r = await ctx.gql(
      `mutation($id: ID!) { revokeApiToken(id: $id) { id } }`,
      { id: bTokens.apiTokens[0].id },
      a.token,
    );
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'AUTH_TOKEN_NOT_FOUND' });
    expect((await ctx.gqlOk(ME, {}, b.token)).me.person.email).toBe(b.email);
  });

  it('lets the operator issue a token for a member, and refuses that to a member', async () => {
    const member = await ctx.newUser();
    const other = await ctx.newUser();
    const byAdmin = await ctx.gqlOk(
      `mutation($e: String!) { createApiToken(input: { name: "onboarding", userEmail: $e }) { token } }`,
      { e: member.email },
      admin.token,
    );
    expect((await ctx.gqlOk(ME, {}, byAdmin.createApiToken.token)).me.person.email).toBe(member.email);
    const r = await ctx.gql(
      `mutation($e: String!) { createApiToken(input: { name: "x", userEmail: $e }) { token } }`,
      { e: member.email },
      other.token,
    );
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'AUTH_ADMIN_REQUIRED' });
  });

  it('refuses a token lifetime out of range', async () => {
    const user = await ctx.newUser();
    const r = await ctx.gql(
      `mutation { createApiToken(input: { name: "x", ttlDays: 99999 }) { token } }`,
      {},
      user.token,
    );
    expect(r.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'AUTH_TOKEN_TTL_INVALID',
    });
  });

  it('audits token issue and revocation without the token itself', async () => {
    const user = await ctx.newUser();
    const issued = await ctx.gqlOk(
      `mutation { createApiToken(input: { name: "audited" }) { token apiToken { id } } }`,
      {},
      user.token,
    );
    const rows: Array<{ action: string; payload: string }> = await ctx.dataSource.query(
      `SELECT action, payload FROM audit_entries WHERE subject_id = $1 ORDER BY seq`,
      [issued.createApiToken.apiToken.id],
    );
    expect(rows.map((r) => r.action)).toEqual(['token.issued']);
    expect(rows[0].payload).not.toContain(issued.createApiToken.token);
  });
});

describe('token policy: tokens do not outlive their people (e2e)', () => {
  let ctx: TestContext;
  let admin: { token: string; email: string; userId: string };
  let company: { slug: string };
  const MINT = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id expiresAt } } }`;
  const REMOVE_COMPANY = `mutation($c: String!, $e: String!) { removeCompanyMember(companySlug: $c, email: $e, role: PUBLISHER) }`;
  const REMOVE_GROUP = `mutation($w: String!, $e: String!) { removeWorkingGroupMember(workingGroupSlug: $w, email: $e, role: ANALYST) }`;
  const reason = (r: { errors?: Array<{ extensions?: { reason?: string } }> }) =>
    r.errors?.[0]?.extensions?.reason;

  beforeAll(async () => {
    ctx = await TestContext.create();
    admin = await ctx.newUser({ admin: true });
    company = await ctx.newCompany(admin.token);
  });
  afterAll(async () => ctx?.close());

  it('refuses a token lifetime above the configured maximum (90 days by default), naming ttlDays', async () => {
    const member = await ctx.newCompanyMember(admin.token, company.slug, 'PUBLISHER');
    for (const token of [member.token, admin.token]) {
      const r = await ctx.gql(MINT, { input: { name: 'ten years', ttlDays: 3650 } }, token);
      expect(r.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'AUTH_TOKEN_TTL_INVALID',
      });
      expect(r.errors?.[0].message).toMatch(/ttlDays/);
      expect(r.errors?.[0].message).toMatch(/90/);
      expect(reason(await ctx.gql(MINT, { input: { name: 'x', ttlDays: 91 } }, token))).toBe(
        'AUTH_TOKEN_TTL_INVALID',
      );
    }
    const ok = await ctx.gqlOk(MINT, { input: { name: 'quarter', ttlDays: 90 } }, member.token);
    expect(new Date(ok.createApiToken.apiToken.expiresAt).getTime()).toBeLessThanOrEqual(
      Date.now() + 90 * 86_400_000,
    );
  });

  it('caps tokens by the operator’s TOKEN_MAX_TTL_DAYS', async () => {
    const strict = await TestContext.create({ TOKEN_MAX_TTL_DAYS: '7' });
    try {
      const user = await strict.newUser({ admin: true });
      const r = await strict.gql(MINT, { input: { name: 'x', ttlDays: 8 } }, user.token);
      expect(reason(r)).toBe('AUTH_TOKEN_TTL_INVALID');
      expect(r.errors?.[0].message).toMatch(/ttlDays/);
      const d = await strict.gqlOk(MINT, { input: { name: 'default' } }, user.token);
      expect(new Date(d.createApiToken.apiToken.expiresAt).getTime()).toBeLessThanOrEqual(
        Date.now() + 7 * 86_400_000,
      );
    } finally {
      await strict.close();
    }
  });

  it('refuses minting from a token issued longer ago than the policy maximum, though it has not expired', async () => {
    const member = await ctx.newCompanyMember(admin.token, company.slug, 'PUBLISHER');
    // A token from before the cap: issued 91 days ago, valid for years.
    await ctx.dataSource.query(
      `UPDATE api_tokens SET created_at = now() - interval '91 days', expires_at = now() + interval '3000 days'
        WHERE id = (SELECT id FROM api_tokens WHERE user_id = (SELECT id FROM users WHERE email = $1) ORDER BY created_at DESC LIMIT 1)`,
      [member.email],
    );
    const r = await ctx.gql(MINT, { input: { name: 'renewal', ttlDays: 30 } }, member.token);
    expect(r.errors?.[0].extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'AUTH_TOKEN_TOO_OLD_TO_MINT',
    });
    expect((await ctx.gqlOk(`{ me { person { email } } }`, {}, member.token)).me.person.email).toBe(
      member.email,
    );
    const fresh = await ctx.tokenFor(admin.token, member.email);
    await ctx.gqlOk(MINT, { input: { name: 'renewal', ttlDays: 30 } }, fresh);
  });

  it('revokes a person’s tokens when their last membership ends, in the same change; another membership or the operator role keeps them', async () => {
    const group = 'ai-factory';
    const email = `${Date.now()}-leaver@example.kr`;
    await ctx.gqlOk(
      `mutation($input: AddCompanyMemberInput!) { addCompanyMember(input: $input) { role } }`,
      { input: { companySlug: company.slug, email, displayName: 'Leaver', role: 'PUBLISHER' } },
      admin.token,
    );
    await ctx.gqlOk(
      `mutation($input: AddWorkingGroupMemberInput!) { addWorkingGroupMember(input: $input) { role } }`,
      { input: { workingGroupSlug: group, email, displayName: 'Leaver', role: 'ANALYST' } },
      admin.token,
    );
    const issued = await ctx.tokenFor(admin.token, email);
    const minted = (await ctx.gqlOk(MINT, { input: { name: 'own', ttlDays: 30 } }, issued)).createApiToken
      .token as string;

    await ctx.gqlOk(REMOVE_COMPANY, { c: company.slug, e: email }, admin.token);
    for (const t of [issued, minted]) await ctx.gqlOk(`{ companies { slug } }`, {}, t);

    await ctx.gqlOk(REMOVE_GROUP, { w: group, e: email }, admin.token);
    for (const t of [issued, minted]) {
      const r = await ctx.gql(`{ companies { slug } }`, {}, t);
      expect(r.errors?.[0].extensions).toMatchObject({
        code: 'UNAUTHENTICATED',
        reason: 'AUTH_TOKEN_INVALID',
      });
    }
    const rows: Array<{ revoked: number; entries: number }> = await ctx.dataSource.query(
      `SELECT (SELECT count(*)::int FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = $1 AND t.revoked_at IS NULL) AS revoked,
              (SELECT count(*)::int FROM audit_entries e JOIN users u ON e.subject_id = u.id::text
                WHERE u.email = $1 AND e.action = 'token.revoked_all') AS entries`,
      [email],
    );
    expect(rows[0]).toEqual({ revoked: 0, entries: 1 });

    // The operator who also held (and lost) a membership keeps their tokens.
    await ctx.gqlOk(
      `mutation($input: AddCompanyMemberInput!) { addCompanyMember(input: $input) { role } }`,
      { input: { companySlug: company.slug, email: admin.email, displayName: 'Ops', role: 'PUBLISHER' } },
      admin.token,
    );
    await ctx.gqlOk(REMOVE_COMPANY, { c: company.slug, e: admin.email }, admin.token);
    await ctx.gqlOk(`{ companies { slug } }`, {}, admin.token);
  });

  it('refuses the directory and the catalog to a person with no membership, who may still see and manage their own tokens', async () => {
    const nobody = await ctx.newUser();
    for (const q of [
      `{ companies { slug } }`,
      `{ workingGroups { slug } }`,
      `query($s: String!) { company(slug: $s) { slug } }`,
      `{ datasets { id } }`,
      `{ grants { id } }`,
    ]) {
      const r = await ctx.gql(q, { s: company.slug }, nobody.token);
      expect(r.errors?.[0].extensions).toMatchObject({
        code: 'FORBIDDEN',
        reason: 'AUTH_MEMBERSHIP_REQUIRED',
      });
      expect(r.data).toBeNull();
    }
    expect((await ctx.gqlOk(`{ me { person { email } } }`, {}, nobody.token)).me.person.email).toBe(
      nobody.email,
    );
    expect((await ctx.gqlOk(`{ apiTokens { id } }`, {}, nobody.token)).apiTokens).toHaveLength(1);
  });
});

describe('authentication per request (e2e)', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await TestContext.create();
  });
  afterAll(async () => ctx?.close());

  it('looks the token up once for a document with thirty aliases (the most a document may have) of me', async () => {
    const user = await ctx.newUser();
    const tokens = ctx.app.get(TokensService);
    const lookups = jest.spyOn(tokens, 'authenticate');
    try {
      const doc = `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: me { person { id } }`).join(' ')} }`;
      const d = await ctx.gqlOk<Record<string, { person: { id: string } }>>(doc, {}, user.token);
      expect(Object.values(d).map((m) => m.person.id)).toEqual(Array(30).fill(user.userId));
      expect(lookups).toHaveBeenCalledTimes(1);
      // The next request looks again (so a revocation in between is seen).
      await ctx.gqlOk(`{ me { person { id } } }`, {}, user.token);
      expect(lookups).toHaveBeenCalledTimes(2);
    } finally {
      lookups.mockRestore();
    }
  });
});

describe('REST routes (e2e)', () => {
  it('answer a refused token with its status and reason, not a generic 500', async () => {
    const ctx = await TestContext.create();
    try {
      const none = await ctx.http.get('/exports/some-ticket');
      expect(none.status).toBe(401);
      expect(none.body).toEqual({
        error: {
          code: 'UNAUTHENTICATED',
          reason: 'AUTH_TOKEN_MISSING',
          message: expect.stringContaining('Bearer'),
        },
      });
      const bad = await ctx.http.get('/exports/some-ticket').set('authorization', 'Bearer mxh_nope');
      expect(bad.status).toBe(401);
      expect(bad.body.error.reason).toBe('AUTH_TOKEN_INVALID');
      const unknownRoute = await ctx.http.get('/no-such-route');
      expect(unknownRoute.status).toBe(404);
    } finally {
      await ctx.close();
    }
  });
});

describe('request logs (e2e)', () => {
  it('are JSON lines with a request id, and never carry a token', async () => {
    const ctx = await TestContext.create();
    try {
      const user = await ctx.newUser();
      const before = capturedLogs.length;
      const res = await ctx.http
        .post('/graphql')
        .set('authorization', `Bearer ${user.token}`)
        .set('x-request-id', 'req-test-0001')
        .send({ query: '{ me { person { email } } }' });
      expect(res.headers['x-request-id']).toBe('req-test-0001');
      const lines = capturedLogs.slice(before).map((l) => JSON.parse(l) as { req?: { id?: string } });
      expect(lines.some((l) => l.req?.id === 'req-test-0001')).toBe(true);
      expect(capturedLogs.join('\n')).not.toContain(user.token);
      expect(capturedLogs.join('\n')).not.toContain(user.token.slice(4));
    } finally {
      await ctx.close();
    }
  });
});

describe('health and readiness (e2e)', () => {
  it('reports live and ready when PostgreSQL and MinIO answer', async () => {
    const ctx = await TestContext.create();
    try {
      expect((await ctx.http.get('/health')).body).toEqual({ status: 'ok' });
      const ready = await ctx.http.get('/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: 'ready', checks: { postgres: 'ok', minio: 'ok' } });
    } finally {
      await ctx.close();
    }
  });

  it('reports not ready, and registers no company, when MinIO is unreachable mid-request', async () => {
    const ctx = await TestContext.create({ MINIO_ENDPOINT: 'http://127.0.0.1:1' });
    try {
      const ready = await ctx.http.get('/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.checks).toEqual({ postgres: 'ok', minio: 'unreachable' });
      const admin = await ctx.newUser({ admin: true });
      const slug = `down-${Date.now()}`;
      const r = await ctx.gql(
        `mutation($i: RegisterCompanyInput!) { registerCompany(input: $i) { id } }`,
        { i: { slug, name: 'X', businessRegistrationNumber: '1248100998' } },
        admin.token,
      );
      expect(r.errors?.[0].extensions).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        reason: 'ALLIANCE_STORAGE_UNAVAILABLE',
      });
      const rows: unknown[] = await ctx.dataSource.query('SELECT 1 FROM companies WHERE slug = $1', [slug]);
      expect(rows).toHaveLength(0);
    } finally {
      await ctx.close();
    }
  });
});
