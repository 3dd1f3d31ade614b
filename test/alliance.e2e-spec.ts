import * as Minio from 'minio';
import { CompanyEntity } from '@maxhub/db';
import { uniq } from '@maxhub/testing';
import { newBusinessRegistrationNumber, TestContext } from './support/test-context';

const REGISTER = `mutation($input: RegisterCompanyInput!) { registerCompany(input: $input) { id slug bucket storage endpointUrl } }`;

describe('alliance directory (e2e, real PostgreSQL and MinIO)', () => {
  let ctx: TestContext;
  let admin: { token: string };
  let minio: Minio.Client;

  beforeAll(async () => {
    ctx = await TestContext.create();
    admin = await ctx.newUser({ admin: true });
    minio = ctx.minio();
  });
  afterAll(async () => ctx?.close());

  it('registers a company and really creates its bucket company-<slug> on MinIO', async () => {
    const slug = uniq('hanbit');
    const d = await ctx.gqlOk(
      REGISTER,
      {
        input: {
          slug,
          name: 'Hanbit Motors',
          nameKo: '한빛모터스',
          businessRegistrationNumber: newBusinessRegistrationNumber(),
        },
      },
      admin.token,
    );
    expect(d.registerCompany).toMatchObject({ slug, bucket: `company-${slug}`, storage: 'ALLIANCE' });
    expect(await minio.bucketExists(`company-${slug}`)).toBe(true);
    const audit = await ctx.gqlOk(
      `query($s: String!) { auditEntries(companySlug: $s) { entries { action subjectId } } }`,
      { s: slug },
      admin.token,
    );
    expect(audit.auditEntries.entries).toEqual([
      { action: 'company.registered', subjectId: d.registerCompany.id },
    ]);
  });

  it('refuses a duplicate slug with CONFLICT and leaves one company', async () => {
    const co = await ctx.newCompany(admin.token);
    const r = await ctx.gql(
      REGISTER,
      {
        input: { slug: co.slug, name: 'Other', businessRegistrationNumber: newBusinessRegistrationNumber() },
      },
      admin.token,
    );
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALLIANCE_SLUG_TAKEN' });
    expect(await ctx.dataSource.getRepository(CompanyEntity).countBy({ slug: co.slug })).toBe(1);
  });

  it('refuses a business registration number with a wrong check digit, creating nothing', async () => {
    const slug = uniq('badbrn');
    const r = await ctx.gql(
      REGISTER,
      { input: { slug, name: 'X', businessRegistrationNumber: '124-81-00999' } },
      admin.token,
    );
    expect(r.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'ALLIANCE_BRN_INVALID',
    });
    expect(r.errors?.[0].message).toMatch(/check digit/);
    expect(await ctx.dataSource.getRepository(CompanyEntity).countBy({ slug })).toBe(0);
    expect(await minio.bucketExists(`company-${slug}`)).toBe(false);
  });

  it('refuses an invalid slug', async () => {
    const r = await ctx.gql(
      REGISTER,
      {
        input: { slug: 'Bad_Slug!', name: 'X', businessRegistrationNumber: newBusinessRegistrationNumber() },
      },
      admin.token,
    );
    expect(r.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'ALLIANCE_SLUG_INVALID',
    });
  });

  it('refuses a malformed endpoint URL', async () => {
    const r = await ctx.gql(
      REGISTER,
      {
        input: {
          slug: uniq('ep'),
          name: 'X',
          businessRegistrationNumber: newBusinessRegistrationNumber(),
          endpoint: { url: 'ftp://minio.example/path', bucket: 'data', accessKey: 'a', secretKey: 'b' },
        },
      },
      admin.token,
    );
    expect(r.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'STORAGE_ENDPOINT_INVALID',
    });
  });

  it('registers a company on its own endpoint, seals its credentials and never returns them', async () => {
    const bucket = uniq('own-bucket');
    await minio.makeBucket(bucket, 'us-east-1');
    const slug = uniq('own');
    const d = await ctx.gqlOk(
      REGISTER,
      {
        input: {
          slug,
          name: 'Own Storage Co',
          businessRegistrationNumber: newBusinessRegistrationNumber(),
          endpoint: {
            url: ctx.config.minio.endpoint,
            bucket,
            accessKey: ctx.config.minio.accessKey,
            secretKey: ctx.config.minio.secretKey,
          },
        },
      },
      admin.token,
    );
    expect(d.registerCompany).toMatchObject({
      storage: 'OWN_ENDPOINT',
      bucket,
      endpointUrl: ctx.config.minio.endpoint,
    });
    const raw: Array<{ endpoint_credentials: Buffer }> = await ctx.dataSource.query(
      'SELECT endpoint_credentials FROM companies WHERE slug = $1',
      [slug],
    );
    expect(raw[0].endpoint_credentials.toString('latin1')).not.toContain(ctx.config.minio.secretKey);
    expect(JSON.stringify(d)).not.toContain(ctx.config.minio.secretKey);
  });

  it('refuses an own endpoint whose bucket does not exist, creating nothing', async () => {
    const slug = uniq('nobucket');
    const r = await ctx.gql(
      REGISTER,
      {
        input: {
          slug,
          name: 'X',
          businessRegistrationNumber: newBusinessRegistrationNumber(),
          endpoint: {
            url: ctx.config.minio.endpoint,
            bucket: uniq('missing'),
            accessKey: ctx.config.minio.accessKey,
            secretKey: ctx.config.minio.secretKey,
          },
        },
      },
      admin.token,
    );
    expect(r.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'ALLIANCE_STORAGE_UNAVAILABLE',
    });
    expect(await ctx.dataSource.getRepository(CompanyEntity).countBy({ slug })).toBe(0);
  });

  it('refuses an unknown role with a GraphQL validation error', async () => {
    const co = await ctx.newCompany(admin.token);
    const r = await ctx.gql(
      `mutation { addCompanyMember(input: { companySlug: "${co.slug}", email: "x@example.kr", displayName: "X", role: JANITOR }) { role } }`,
      {},
      admin.token,
    );
    expect(r.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.errors?.[0].message).toMatch(/JANITOR/);
  });

  it('refuses an unknown role sent as a variable with BAD_USER_INPUT and status 400', async () => {
    const co = await ctx.newCompany(admin.token);
    const r = await ctx.gql(
      `mutation($i: AddCompanyMemberInput!) { addCompanyMember(input: $i) { role } }`,
      { i: { companySlug: co.slug, email: 'x@example.kr', displayName: 'X', role: 'JANITOR' } },
      admin.token,
    );
    expect(r.status).toBe(400);
    expect(r.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'GRAPHQL_VARIABLE_INVALID' });
    expect(r.errors?.[0].message).toMatch(/JANITOR/);
  });

  it('lets only the operator register companies', async () => {
    const someone = await ctx.newUser();
    const r = await ctx.gql(
      REGISTER,
      { input: { slug: uniq('x'), name: 'X', businessRegistrationNumber: newBusinessRegistrationNumber() } },
      someone.token,
    );
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'AUTH_ADMIN_REQUIRED' });
  });

  it('shows a company’s members to its members, and NOT_FOUND to a member of another company', async () => {
    const a = await ctx.newCompany(admin.token);
    const b = await ctx.newCompany(admin.token);
    const pubA = await ctx.newCompanyMember(admin.token, a.slug, 'PUBLISHER');
    const pubB = await ctx.newCompanyMember(admin.token, b.slug, 'PUBLISHER');
    const q = `query($s: String!) { companyMembers(companySlug: $s) { person { email } role } }`;
    const own = await ctx.gqlOk(q, { s: a.slug }, pubA.token);
    expect(own.companyMembers).toEqual([{ person: { email: pubA.email }, role: 'PUBLISHER' }]);
    const other = await ctx.gql(q, { s: a.slug }, pubB.token);
    expect(other.data).toBeNull();
    expect(other.errors?.[0].extensions).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'ALLIANCE_COMPANY_NOT_FOUND',
    });
  });

  it('hides a company’s bucket from outsiders but shows it to its members', async () => {
    const a = await ctx.newCompany(admin.token);
    const insider = await ctx.newCompanyMember(admin.token, a.slug, 'LEGAL');
    // A member of another company (a person with no membership at all reads no directory).
    const outsider = await ctx.newCompanyMember(
      admin.token,
      (await ctx.newCompany(admin.token)).slug,
      'LEGAL',
    );
    const q = `query($s: String!) { company(slug: $s) { slug bucket } }`;
    expect((await ctx.gqlOk(q, { s: a.slug }, insider.token)).company.bucket).toBe(a.bucket);
    expect((await ctx.gqlOk(q, { s: a.slug }, outsider.token)).company.bucket).toBeNull();
  });

  it('knows the ten launch working groups in Korean and English', async () => {
    const d = await ctx.gqlOk(`{ workingGroups { slug nameEn nameKo } }`, {}, admin.token);
    const slugs = d.workingGroups.map((g: { slug: string }) => g.slug);
    expect(slugs).toEqual(
      expect.arrayContaining([
        'ai-factory',
        'humanoids',
        'autonomous-ships',
        'ai-defense',
        'ai-semiconductors',
      ]),
    );
    expect(d.workingGroups.find((g: { slug: string }) => g.slug === 'ai-semiconductors').nameKo).toBe(
      'AI 반도체',
    );
  });

  it('adds working group members and shows the group’s members only to them', async () => {
    const analyst = await ctx.newWorkingGroupMember(admin.token, 'humanoids', 'ANALYST');
    const stranger = await ctx.newWorkingGroupMember(admin.token, 'ai-bio', 'ANALYST');
    const q = `query { workingGroupMembers(workingGroupSlug: "humanoids") { person { email } role } }`;
    const d = await ctx.gqlOk(q, {}, analyst.token);
    expect(d.workingGroupMembers).toEqual(
      expect.arrayContaining([{ person: { email: analyst.email }, role: 'ANALYST' }]),
    );
    const r = await ctx.gql(q, {}, stranger.token);
    expect(r.errors?.[0].extensions).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'ALLIANCE_WORKING_GROUP_NOT_FOUND',
    });
  });

  it('refuses a duplicate membership with CONFLICT', async () => {
    const co = await ctx.newCompany(admin.token);
    const m = await ctx.newCompanyMember(admin.token, co.slug, 'LEGAL');
    const r = await ctx.gql(
      `mutation($i: AddCompanyMemberInput!) { addCompanyMember(input: $i) { role } }`,
      { i: { companySlug: co.slug, email: m.email, role: 'LEGAL' } },
      admin.token,
    );
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALLIANCE_MEMBER_EXISTS' });
  });
});
