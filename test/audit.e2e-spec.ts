import { dropTestDatabase, migrateDatabase } from '@maxhub/db';
import { runCli } from '@maxhub/testing';
import { TestContext } from './support/test-context';
import { AuditService } from '@maxhub/core';

/** A migrated database of this file's own: tampering with a chain must not break other files' runs. */
async function privateDatabase(suffix: string): Promise<string> {
  const url = process.env.MAXHUB_TEST_DATABASE_URL!.replace(/\/([^/]+)$/, `/$1_${suffix}`);
  await migrateDatabase(url);
  return url;
}

describe('tamper-evident audit log (e2e)', () => {
  let ctx: TestContext;
  let url: string;
  let admin: { token: string };
  let company: { id: string; slug: string };
  beforeAll(async () => {
    url = await privateDatabase('audit');
    ctx = await TestContext.create({ DATABASE_URL: url });
    admin = await ctx.newUser({ admin: true });
    company = await ctx.newCompany(admin.token);
    await ctx.newCompany(admin.token);
  });
  afterAll(async () => {
    await ctx?.close();
    if (url) await dropTestDatabase(url);
  });

  const env = () => ({ DATABASE_URL: url });

  it('verifies an untouched chain through GraphQL and the CLI', async () => {
    const d = await ctx.gqlOk(`{ verifyAuditChain { ok entries firstBrokenSeq } }`, {}, admin.token);
    expect(d.verifyAuditChain.ok).toBe(true);
    expect(d.verifyAuditChain.entries).toBeGreaterThanOrEqual(2);
    const cli = runCli(['audit', 'verify'], env());
    expect(cli.stderr).toBe('');
    expect(cli.stdout).toMatch(/^audit chain OK: \d+ entries, head [0-9a-f]{64}/);
    expect(cli.status).toBe(0);
  });

  it('refuses, in the one append function, an entry whose details exceed 4 KiB or carry control or bidirectional-override characters, writing nothing', async () => {
    const audit = ctx.app.get(AuditService);
    const count = async () =>
      (await ctx.dataSource.query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM audit_entries'))[0].n;
    const before = await count();
    const entry = (details: Record<string, string>) => ({
      actorUserId: null,
      action: 'test.probe',
      companyId: company.id,
      subjectType: 'test',
      details,
    });
    for (const details of <Array<Record<string, string>>>[
      { datasetId: 'A'.repeat(12 * 1024 * 1024) },
      { datasetId: 'x'.repeat(4097) },
      { datasetId: 'line one\nline two' },
      { datasetId: '\u202Eexe.gpj' },
      { ['key\u2066']: 'v' },
    ]) {
      await expect(audit.appendStandalone(entry(details))).rejects.toThrow(/audit entry refused/);
      await expect(
        audit.recordAccess({
          ...entry(details),
          usage: {
            grantId: '00000000-0000-4000-8000-000000000000',
            day: '2026-01-01',
            rowsReturned: 0,
            queriesPerDay: 1,
          },
        }),
      ).rejects.toThrow(/audit entry refused/);
    }
    expect(await count()).toBe(before);
    await audit.appendStandalone(entry({ note: 'x'.repeat(3000) }));
    expect(await count()).toBe(before + 1);
  });

  it('lets the database refuse UPDATE and DELETE on the log', async () => {
    await expect(ctx.dataSource.query(`UPDATE audit_entries SET action = 'x' WHERE seq = 1`)).rejects.toThrow(
      /append-only/,
    );
    await expect(ctx.dataSource.query(`DELETE FROM audit_entries WHERE seq = 1`)).rejects.toThrow(
      /append-only/,
    );
  });

  it('refuses auditEntries of another company with NOT_FOUND', async () => {
    const a = await ctx.newCompany(admin.token);
    const b = await ctx.newCompany(admin.token);
    const memberB = await ctx.newCompanyMember(admin.token, b.slug, 'LEGAL');
    const r = await ctx.gql(
      `query($s: String!) { auditEntries(companySlug: $s) { entries { seq } } }`,
      { s: a.slug },
      memberB.token,
    );
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND' });
    const own = await ctx.gqlOk(
      `query($s: String!) { auditEntries(companySlug: $s) { entries { action } } }`,
      { s: b.slug },
      memberB.token,
    );
    expect(own.auditEntries.entries.map((e: { action: string }) => e.action)).toEqual([
      'company.registered',
      'company_member.added',
    ]);
  });

  it('reads `after: null` as the first page (a client sending its empty cursor), and refuses a made-up cursor', async () => {
    const c = await ctx.newCompany(admin.token);
    const legal = await ctx.newCompanyMember(admin.token, c.slug, 'LEGAL');
    const page = (after: unknown) =>
      ctx.gql(
        `query($s: String!, $a: String) { auditEntries(companySlug: $s, after: $a) { entries { action } } }`,
        { s: c.slug, a: after },
        legal.token,
      );
    const first = await page(null);
    expect(first.errors).toBeUndefined();
    expect(first.data?.auditEntries.entries.map((e: { action: string }) => e.action)).toEqual([
      'company.registered',
      'company_member.added',
    ]);
    expect((await page('not-a-cursor')).errors?.[0].extensions).toMatchObject({
      reason: 'AUDIT_CURSOR_INVALID',
    });
  });

  it('detects the deletion of the newest entries against a head recorded earlier', async () => {
    const head = (await ctx.gqlOk(`{ verifyAuditChain { lastHash } }`, {}, admin.token)).verifyAuditChain
      .lastHash as string;
    expect(runCli(['audit', 'verify', '--expect-head', head], env()).status).toBe(0);
    await ctx.newCompany(admin.token);
    await ctx.dataSource.transaction(async (m) => {
      await m.query(`SET LOCAL session_replication_role = replica`);
      await m.query(
        `DELETE FROM audit_entries WHERE seq >= (SELECT seq FROM audit_entries WHERE hash = $1)`,
        [head],
      );
    });
    const cli = runCli(['audit', 'verify', '--expect-head', head], env());
    expect(cli.status).toBe(1);
    expect(cli.stdout).toContain(`the expected head ${head} is missing`);
  });

  // Last in this file: it breaks the chain for good.
  it('names the first tampered entry after a superuser rewrites a row with triggers bypassed', async () => {
    const rows: Array<{ seq: string }> = await ctx.dataSource.query(
      `SELECT seq FROM audit_entries WHERE action = 'company.registered' AND subject_id = $1`,
      [company.id],
    );
    const seq = rows[0].seq;
    await ctx.dataSource.transaction(async (m) => {
      await m.query(`SET LOCAL session_replication_role = replica`);
      const res: [unknown, number] = await m.query(
        `UPDATE audit_entries SET payload = replace(payload, '"ALLIANCE"', '"OWN_ENDPOINT"') WHERE seq = $1`,
        [seq],
      );
      expect(res[1]).toBe(1);
    });
    const cli = runCli(['audit', 'verify'], env());
    expect(cli.status).toBe(1);
    expect(cli.stdout).toContain(`BROKEN at entry ${seq}: HASH_MISMATCH`);
    const d = await ctx.gqlOk(
      `{ verifyAuditChain { ok firstBrokenSeq firstBrokenReason } }`,
      {},
      admin.token,
    );
    expect(d.verifyAuditChain).toEqual({
      ok: false,
      firstBrokenSeq: seq,
      firstBrokenReason: 'HASH_MISMATCH',
    });
  });
});

describe('maxhub admin bootstrap (e2e, CLI)', () => {
  it('creates the first operator once and prints a working token, then refuses a second bootstrap', async () => {
    // A database of its own: bootstrap is once per hub.
    const url = await privateDatabase('boot');
    const env = {
      DATABASE_URL: url,
      HUB_MASTER_SECRET: 'a'.repeat(64),
      HUB_CREDENTIALS_KEY: 'b'.repeat(64),
      MINIO_ENDPOINT: process.env.MINIO_ENDPOINT ?? 'http://127.0.0.1:9000',
    };
    try {
      const first = runCli(['admin', 'bootstrap', '--email', 'ops@alliance.example', '--json'], env);
      expect(first.stderr).toBe('');
      expect(first.status).toBe(0);
      const { token } = JSON.parse(first.stdout) as { token: string };
      expect(token).toMatch(/^mxh_/);
      const ctx = await TestContext.create({ DATABASE_URL: url });
      try {
        const me = await ctx.gqlOk(`{ me { person { email isAdmin } } }`, {}, token);
        expect(me.me.person).toEqual({ email: 'ops@alliance.example', isAdmin: true });
      } finally {
        await ctx.close();
      }
      const second = runCli(['admin', 'bootstrap', '--email', 'other@alliance.example'], env);
      expect(second.status).toBe(1);
      expect(second.stderr).toContain('ADMIN_ALREADY_BOOTSTRAPPED');
    } finally {
      await dropTestDatabase(url);
    }
  });

  it('stops with a message naming a missing configuration variable', () => {
    const r = runCli(['admin', 'bootstrap', '--email', 'x@y.z'], {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x',
    });
    expect(r.status).toBe(78);
    expect(r.stderr).toContain('HUB_MASTER_SECRET');
  });
});
