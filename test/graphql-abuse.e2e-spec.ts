import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createDevAlliancePki } from '@maxhub/pki';
import { TestContext } from '@maxhub/testing';

/** A document whose fragments each spread the next twice: 2^n fields described in n lines. */
function fanOut(n: number): string {
  const parts = ['query { ...F0 }'];
  for (let i = 0; i < n; i++) parts.push(`fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
  parts.push(`fragment F${n} on Query { __typename }`);
  return parts.join('\n');
}

/**
 * Hub CPU (this process: the hub runs in-process) spent answering one request, in ms. The bound
 * asserted is loose (the budget itself is checked on the gate alone in graphql-fuzz.spec.ts):
 * the same document took over 60 s before the gate.
 */
async function cpuMs<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const before = process.cpuUsage();
  const value = await work();
  const used = process.cpuUsage(before);
  return { value, ms: (used.user + used.system) / 1000 };
}

describe('hostile GraphQL documents are refused fast, before any token is read (e2e)', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await TestContext.create({ GRAPHQL_MAX_COMPLEXITY: '2000' });
  });
  afterAll(async () => ctx?.close());

  it('refuses a fragment fan-out of 30 levels (2^30 fields) with 400 in a few ms, without a token', async () => {
    const { value: r, ms } = await cpuMs(() => ctx.gql(fanOut(30)));
    expect(r.status).toBe(400);
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'GRAPHQL_TOO_COMPLEX' });
    expect(ms).toBeLessThan(500);
  });

  it('refuses a fan-out of 300 fragments by the fragment limit, in a few ms', async () => {
    const { value: r, ms } = await cpuMs(() => ctx.gql(fanOut(300)));
    expect(r.status).toBe(400);
    expect(r.errors?.map((e) => e.extensions?.reason)).toContain('GRAPHQL_TOO_MANY_FRAGMENTS');
    expect(ms).toBeLessThan(500);
  });

  it('refuses a fragment cycle with 400 as the GraphQL spec says, not a stack overflow', async () => {
    const r = await ctx.gql('query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }');
    expect(r.status).toBe(400);
    expect(r.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.errors?.some((e) => /Cannot spread fragment "A" within itself/.test(e.message))).toBe(true);
  });

  it('refuses a document over the token limit while parsing it', async () => {
    const r = await ctx.gql(`{ ${'a '.repeat(6000)}}`);
    expect(r.status).toBe(400);
    expect(r.errors?.[0].extensions).toMatchObject({
      code: 'GRAPHQL_VALIDATION_FAILED',
      reason: 'GRAPHQL_TOO_MANY_TOKENS',
    });
    expect(r.errors?.[0].message).toMatch(/more than 5000 tokens/);
  });

  it('refuses a document over the size limit before parsing it', async () => {
    const r = await ctx.gql(`{ __typename } # ${'x'.repeat(70_000)}`);
    expect(r.status).toBe(400);
    expect(r.errors?.[0].extensions).toMatchObject({
      code: 'BAD_REQUEST',
      reason: 'GRAPHQL_DOCUMENT_TOO_LARGE',
    });
    expect(r.errors?.[0].message).toMatch(/at most 65536 are allowed/);
  });

  it('refuses more aliases than allowed, counting those in spread fragments', async () => {
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: __typename`).join(' ');
    const r = await ctx.gql(`query Many { ...F ...F } fragment F on Query { ${aliases} }`);
    expect(r.status).toBe(400);
    expect(r.errors?.[0].extensions).toMatchObject({
      code: 'GRAPHQL_VALIDATION_FAILED',
      reason: 'GRAPHQL_TOO_MANY_ALIASES',
    });
    expect(r.errors?.[0].message).toMatch(/Operation "Many" uses 32 aliases/);
  });

  it('refuses nesting deeper than allowed, counting through fragments', async () => {
    // Eleven levels: five in the operation, six in the fragment it spreads.
    const r = await ctx.gql(
      `query Deep { a { b { c { d { e { ...F } } } } } } fragment F on X { f { g { h { i { j { k } } } } } }`,
    );
    expect(r.status).toBe(400);
    const deep = r.errors?.find((e) => e.extensions?.reason === 'GRAPHQL_TOO_DEEP');
    expect(deep?.message).toBe(
      'Operation "Deep" has depth 11 (fields nested in fields); the depth limit is 10.',
    );
  });

  it('refuses a document repeating one field hundreds of times (GraphQL’s merge check is quadratic in them)', async () => {
    const r = await ctx.gql(`{ ${'me { person { email } } '.repeat(300)}}`);
    expect(r.status).toBe(400);
    expect(r.errors?.[0].extensions?.reason).toBe('GRAPHQL_TOO_MANY_REPEATED_FIELDS');
  });

  it('answers 400, not 500, for a query over the complexity limit, counting `first` on a page object', async () => {
    // auditEntries is not a list: it answers a page of `first` entries. 1,000 entries of five
    // fields cost 5,003 (over this file's limit of 2,000); counted as one object they would cost 52.
    const r = await ctx.gql(
      `{ auditEntries(companySlug: "nobody", first: 1000) { entries { seq action hash details occurredAt } nextCursor } }`,
    );
    expect(r.status).toBe(400);
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'GRAPHQL_TOO_COMPLEX' });
    expect(r.errors?.[0].message).toMatch(/cost 5003, at most 2000/);
  });

  it('answers a batch (an array of operations) with 400', async () => {
    const res = await ctx.http
      .post('/graphql')
      .set('content-type', 'application/json')
      .send([{ query: '{ __typename }' }, { query: '{ __typename }' }]);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.reason).toBe('GRAPHQL_BATCH_REFUSED');
  });

  it('does not announce its framework (no X-Powered-By)', async () => {
    const res = await ctx.http
      .post('/graphql')
      .set('content-type', 'application/json')
      .send({ query: '{ __typename }' });
    expect(res.status).toBe(200);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('lets a standard introspection query through where introspection is on (development, test)', async () => {
    const { getIntrospectionQuery } = await import('graphql');
    const r = await ctx.gql(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }));
    expect(r.errors).toBeUndefined();
    expect((r.data as { __schema: { types: unknown[] } }).__schema.types.length).toBeGreaterThan(50);
  });

  it('refuses a nested introspection that multiplies types by fields by fields', async () => {
    const r = await ctx.gql(
      `{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }`,
    );
    expect(r.status).toBe(400);
    // graphql-js's own MaxIntrospectionDepthRule refuses it first; operationComplexity would too.
    expect(r.errors?.[0].message).toMatch(/Maximum introspection depth exceeded/);
  });
});

describe('production answers nothing about its schema without a token (e2e)', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    // Production refuses to start without the alliance CA's files: give it a throwaway one.
    const ca = createDevAlliancePki();
    const dir = mkdtempSync(path.join(tmpdir(), 'maxhub-ca-'));
    writeFileSync(path.join(dir, 'root.crt'), ca.rootCertPem);
    writeFileSync(path.join(dir, 'issuing.crt'), ca.issuingCertPem);
    writeFileSync(path.join(dir, 'issuing.key'), ca.issuingKeyPem, { mode: 0o600 });
    ctx = await TestContext.create({
      NODE_ENV: 'production',
      PKI_ROOT_CERT_FILE: path.join(dir, 'root.crt'),
      PKI_ISSUING_CERT_FILE: path.join(dir, 'issuing.crt'),
      PKI_ISSUING_KEY_FILE: path.join(dir, 'issuing.key'),
    });
  });
  afterAll(async () => ctx?.close());

  it('refuses introspection', async () => {
    const r = await ctx.gql('{ __schema { types { name } } }');
    expect(r.status).toBe(400);
    expect(r.errors?.[0].extensions).toEqual({
      code: 'GRAPHQL_VALIDATION_FAILED',
      reason: 'GRAPHQL_INTROSPECTION_DISABLED',
    });
    expect(r.errors?.[0].message).not.toMatch(/Apollo/);
  });

  it('gives no "Did you mean" hints for a misspelt field', async () => {
    const r = await ctx.gql('{ datasetz { id } }');
    expect(r.status).toBe(400);
    expect(r.errors?.[0].message).toMatch(/Cannot query field "datasetz"/);
    expect(r.errors?.[0].message).not.toMatch(/Did you mean/);
  });
});

describe('rate limits per token and per address (e2e)', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await TestContext.create({
      RATE_LIMIT_GRAPHQL_PER_TOKEN: '3',
      RATE_LIMIT_GRAPHQL_PER_ADDRESS: '8',
      RATE_LIMIT_EXPORTS_PER_TOKEN: '1',
      RATE_LIMIT_EXPORTS_PER_ADDRESS: '100',
      RATE_LIMIT_WINDOW_SECONDS: '60',
    });
  });
  afterAll(async () => ctx?.close());

  it('answers 429 with Retry-After and the reason once a token has spent its window, and counts each token apart', async () => {
    const a = await ctx.newUser();
    const b = await ctx.newUser();
    for (let i = 0; i < 3; i++)
      expect((await ctx.gql('{ me { person { email } } }', {}, a.token)).status).toBe(200);
    const res = await ctx.http
      .post('/graphql')
      .set('content-type', 'application/json')
      .set('authorization', `Bearer ${a.token}`)
      .send({ query: '{ me { person { email } } }' });
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.body.errors[0].extensions).toEqual({ code: 'RATE_LIMITED', reason: 'RATE_LIMITED_TOKEN' });
    expect(res.body.errors[0].message).toMatch(/at most 3 per 60 s/);
    expect((await ctx.gql('{ me { person { email } } }', {}, b.token)).status).toBe(200);
  });

  it('counts requests without a token against the address', async () => {
    let last = 0;
    for (let i = 0; i < 10 && last !== 429; i++) last = (await ctx.gql('{ __typename }')).status;
    expect(last).toBe(429);
    const r = await ctx.gql('{ __typename }');
    expect(r.errors?.[0].extensions).toEqual({ code: 'RATE_LIMITED', reason: 'RATE_LIMITED_ADDRESS' });
  });
});

describe('an address is limited in the request bytes it makes the hub read (e2e)', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await TestContext.create({ RATE_LIMIT_GRAPHQL_KIB_PER_ADDRESS: '300' });
  });
  afterAll(async () => ctx?.close());

  it('answers 429 RATE_LIMITED_ADDRESS_BYTES once an address has sent its window’s KiB, before reading the body', async () => {
    // A dense JSON body costs ~30 ms of CPU per 256 KiB to parse, with or without a token.
    const body = { query: '{ __typename }', variables: { padding: 'x'.repeat(200 * 1024) } };
    const send = () => ctx.http.post('/graphql').set('content-type', 'application/json').send(body);
    expect((await send()).status).toBe(200);
    const second = await send();
    expect(second.status).toBe(429);
    expect(second.body.errors[0].extensions).toEqual({
      code: 'RATE_LIMITED',
      reason: 'RATE_LIMITED_ADDRESS_BYTES',
    });
    expect(second.body.errors[0].message).toMatch(/at most 300 KiB per 60 s/);
  });
});

describe('export downloads have their own rate limit (e2e)', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await TestContext.create({ RATE_LIMIT_EXPORTS_PER_TOKEN: '1' });
  });
  afterAll(async () => ctx?.close());

  it('answers 429 to the second download of a token within the window', async () => {
    const user = await ctx.newUser();
    const first = await ctx.http.get('/exports/no-such-ticket').set('authorization', `Bearer ${user.token}`);
    expect(first.status).not.toBe(429);
    const second = await ctx.http.get('/exports/no-such-ticket').set('authorization', `Bearer ${user.token}`);
    expect(second.status).toBe(429);
    expect(second.body.error).toMatchObject({ code: 'RATE_LIMITED', reason: 'RATE_LIMITED_TOKEN' });
  });
});
