import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { capturedLogs, TestContext, uniq, type GqlResult } from '@maxhub/testing';
import {
  materializeViews,
  newActiveGrant,
  newQueryFixture,
  weldCsv,
  weldGrantTerms,
  type QueryFixture,
} from '../libs/testing/src/views';

const SLICE = `query($g: ID!, $d: ID!, $c: [String!], $w: [SlicePredicateInput!], $f: Int) {
  slice(grantId: $g, datasetId: $d, columns: $c, where: $w, first: $f) { rows rowsReturned } }`;
const DRAFT = `mutation($input: DraftGrantInput!) {
  draftGrant(input: $input) { grantId canonicalDocument text } }`;
const PUBLISH = `mutation($input: PublishDatasetInput!) {
  publishDataset(input: $input) { dataset { id name } version { version } } }`;

const RLO = '\u202E';
const run = promisify(execFile);

/** Hub CPU (the hub runs in this process) spent on one request, in ms; the request body is built before. */
async function cpuMs<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const before = process.cpuUsage();
  const value = await work();
  const used = process.cpuUsage(before);
  return { value, ms: (used.user + used.system) / 1000 };
}

const refusalOf = (r: GqlResult) => ({
  status: r.status,
  code: r.errors?.[0]?.extensions?.code,
  reason: r.errors?.[0]?.extensions?.reason,
  message: r.errors?.[0]?.message,
});

describe('hostile input is refused before any work, naming the field (e2e, real PostgreSQL and MinIO)', () => {
  let ctx: TestContext;
  let f: QueryFixture;
  let grant: { grantId: string };
  let publisher: { token: string };

  beforeAll(async () => {
    // The body limit of the original attack (12 MiB): the guard must hold whatever the body limit.
    ctx = await TestContext.create({ HTTP_BODY_MAX_BYTES: String(12 * 1024 ** 2) });
    f = await newQueryFixture(ctx);
    grant = await newActiveGrant(ctx, f);
    await materializeViews(ctx);
    publisher = await ctx.newCompanyMember(f.admin.token, f.company.slug, 'PUBLISHER');
    await ctx.startWorker();
  }, 180_000);
  afterAll(async () => ctx?.close());

  async function slice(vars: Record<string, unknown>) {
    return ctx.gql(SLICE, { g: grant.grantId, d: f.dataset.datasetId, ...vars }, f.analyst.token);
  }

  /** A ticket with a small weld CSV uploaded into the fixture company's bucket. */
  async function ticket(): Promise<string> {
    const t = await ctx.uploadBytes(publisher.token, f.company.slug, weldCsv(20).csv, { format: 'CSV' });
    return t.id;
  }
  async function publish(ticketId: string, name: string, extra: Record<string, unknown> = {}) {
    return ctx.gql(
      PUBLISH,
      {
        input: { companySlug: f.company.slug, ticketId, name, format: 'CSV', classifications: [], ...extra },
      },
      publisher.token,
    );
  }

  describe('slice where', () => {
    it('refuses 100,000 predicates with BAD_USER_INPUT naming the field and the limit, in little hub CPU', async () => {
      const where = Array.from({ length: 100_000 }, () => ({ column: 'line', op: 'eq', value: 'L1' }));
      const body = JSON.stringify({
        query: SLICE,
        variables: { g: grant.grantId, d: f.dataset.datasetId, w: where },
      });
      // The client is curl in another process, so this process's CPU is the hub's alone.
      const file = join(mkdtempSync(join(tmpdir(), 'maxhub-where-')), 'body.json');
      writeFileSync(file, body);
      const server = ctx.app.getHttpServer() as Server;
      if (!server.listening) await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      const { port } = server.address() as AddressInfo;
      const send = async () => {
        const { stdout } = await run('curl', [
          '-s',
          '-w',
          '\n%{http_code}',
          '-H',
          'content-type: application/json',
          '-H',
          `authorization: Bearer ${f.analyst.token}`,
          '--data-binary',
          `@${file}`,
          `http://127.0.0.1:${port}/graphql`,
        ]);
        const at = stdout.lastIndexOf('\n');
        return { status: Number(stdout.slice(at + 1)), body: JSON.parse(stdout.slice(0, at)) as GqlResult };
      };
      await send(); // warm
      const { value: res, ms } = await cpuMs(send);
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]).toMatchObject({
        message: 'where has 100000 predicates; at most 32 are allowed',
        extensions: { code: 'BAD_USER_INPUT', reason: 'INPUT_TOO_MANY_ITEMS' },
      });
      // Measured and reported, loosely bounded: reading and JSON.parse of the 4 MB body are most of it.
      process.stdout.write(`hub CPU to refuse 100,000 predicates (4 MB body): ${ms.toFixed(1)} ms\n`);
      expect(ms).toBeLessThan(1000);
    });

    it('refuses 33 predicates written in the document, an in-list of 1,001 values and a 1,001-character operand', async () => {
      const literal = Array.from({ length: 33 }, () => '{column: "line", op: ne, value: "L9"}').join(',');
      const r = await ctx.gql(
        `{ slice(grantId: "${grant.grantId}", datasetId: "${f.dataset.datasetId}", where: [${literal}]) { rowsReturned } }`,
        {},
        f.analyst.token,
      );
      expect(refusalOf(r)).toMatchObject({
        status: 400,
        code: 'BAD_USER_INPUT',
        message: 'where has 33 predicates; at most 32 are allowed',
      });
      const values = Array.from({ length: 1001 }, (_, i) => `L${i}`);
      expect(refusalOf(await slice({ w: [{ column: 'line', op: 'in', values }] }))).toMatchObject({
        code: 'BAD_USER_INPUT',
        message: 'where[0].values has 1001 values; at most 1000 are allowed',
      });
      expect(
        refusalOf(await slice({ w: [{ column: 'line', op: 'prefix', value: 'L'.repeat(1001) }] })),
      ).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'INPUT_TOO_LONG',
        message: 'where[0].value is longer than 1000 characters',
      });
    });

    it('still serves 32 predicates with an in-list of 1,000 values', async () => {
      const values = ['L1', 'L2', ...Array.from({ length: 998 }, (_, i) => `X${i}`)];
      const where = [
        { column: 'line', op: 'in', values },
        ...Array.from({ length: 31 }, () => ({ column: 'line', op: 'ne', value: 'L9' })),
      ];
      const r = await slice({ w: where, f: 50, c: ['line'] });
      expect(r.errors).toBeUndefined();
      const rows = r.data!.slice.rows as Array<{ line: string }>;
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((x) => x.line === 'L1' || x.line === 'L2')).toBe(true);
    });
  });

  describe('NUL and control characters in what PostgreSQL stores', () => {
    it('refuses a NUL in a dataset name, description, tag and column name with BAD_USER_INPUT naming the field, never a 500', async () => {
      const t = await ticket();
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ name: 'weld\u0000log' }, 'input.name'],
        [{ name: 'weld log', description: 'ok\u0000' }, 'input.description'],
        [{ name: 'weld log', tags: ['a', 'b\u0000'] }, 'input.tags[1]'],
        [
          { name: 'weld log', classifications: [{ column: 'line\u0000', class: 'OTHER' }] },
          'input.classifications[0].column',
        ],
      ];
      for (const [input, field] of cases) {
        const r = await ctx.gql(
          PUBLISH,
          {
            input: { companySlug: f.company.slug, ticketId: t, format: 'CSV', classifications: [], ...input },
          },
          publisher.token,
        );
        expect([field, refusalOf(r)]).toEqual([
          field,
          expect.objectContaining({
            status: 400,
            code: 'BAD_USER_INPUT',
            reason: 'INPUT_TEXT_UNSAFE',
            message: expect.stringMatching(
              new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')} contains a NUL character`),
            ),
          }),
        ]);
      }
    });

    it('refuses a NUL in a company name, a person’s display name and a catalog filter', async () => {
      const company = await ctx.gql(
        `mutation($input: RegisterCompanyInput!) { registerCompany(input: $input) { id } }`,
        { input: { slug: uniq('co'), name: 'Nul\u0000 Motors', businessRegistrationNumber: '123-45-67890' } },
        f.admin.token,
      );
      expect(refusalOf(company)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INPUT_TEXT_UNSAFE' });
      expect(company.errors?.[0].message).toMatch(/^input\.name contains a NUL character/);
      const member = await ctx.gql(
        `mutation($input: AddCompanyMemberInput!) { addCompanyMember(input: $input) { role } }`,
        {
          input: {
            companySlug: f.company.slug,
            email: `${uniq('m')}@example.kr`,
            displayName: 'Kim\u0000',
            role: 'LEGAL',
          },
        },
        f.admin.token,
      );
      expect(member.errors?.[0].message).toMatch(/^input\.displayName contains a NUL character/);
      const filter = await ctx.gql(
        `query($t: String) { datasets(tag: $t) { id } }`,
        { t: 'x\u0000' },
        publisher.token,
      );
      expect(refusalOf(filter)).toMatchObject({
        status: 400,
        code: 'BAD_USER_INPUT',
        message: expect.stringMatching(/^tag contains a NUL/),
      });
      expect(capturedLogs.join('\n')).not.toContain('22021');
    });
    it('rejects a file whose column names hold a NUL or a bidi override with DATASET_COLUMN_NAME_UNSAFE, not a retried storage failure', async () => {
      const files: Array<[Buffer, 'CSV' | 'JSONL']> = [
        // An escaped NUL in a JSON key (a raw NUL byte makes any file "not CSV" already).
        [Buffer.from('{"line":"L1","welded\\u0000at":"x"}\n{"line":"L2","welded\\u0000at":"y"}\n'), 'JSONL'],
        [Buffer.from(`line,welded_at${RLO}\nL1,x\nL2,y\n`), 'CSV'],
      ];
      for (const [bytes, format] of files) {
        const r = await ctx.publishBytes({
          token: publisher.token,
          companySlug: f.company.slug,
          bytes,
          format,
          name: uniq('headers'),
        });
        expect(r.errors).toBeUndefined();
        const version = await ctx.waitForVersion(r.data!.publishDataset.version.id as string);
        expect([format, version.status, version.rejection?.code]).toEqual([
          format,
          'REJECTED',
          'DATASET_COLUMN_NAME_UNSAFE',
        ]);
        expect(version.rejection?.message).toMatch(/^the name of column 2 contains (a NUL|a bidirectional)/);
      }
    });
  });

  describe('what lawyers read', () => {
    const draft = (edit: (input: Record<string, any>) => void) => {
      const now = Date.now();
      const input: Record<string, any> = {
        grantorCompanySlug: f.company.slug,
        granteeWorkingGroupSlug: f.group.slug,
        purpose: 'Weld-defect analysis.',
        termFrom: new Date(now - 3600_000).toISOString(),
        termUntil: new Date(now + 30 * 86_400_000).toISOString(),
        ...weldGrantTerms(f.dataset),
      };
      edit(input);
      return ctx.gql(DRAFT, { input }, f.grantor.token);
    };

    it('refuses a purpose with a bidi override or a NUL, naming the field and not echoing it', async () => {
      for (const purpose of [`For quality analysis ${RLO}gnitekram rof ton`, 'Analysis\u0000']) {
        const r = await draft((i) => (i.purpose = purpose));
        expect(refusalOf(r)).toMatchObject({
          status: 400,
          code: 'BAD_USER_INPUT',
          reason: 'INPUT_TEXT_UNSAFE',
        });
        expect(r.errors?.[0].message).toMatch(
          /^input\.purpose contains a (bidirectional control|NUL) character/,
        );
        expect(r.errors?.[0].message).not.toContain('gnitekram');
      }
    });

    it('refuses a __proto__ key in a transform’s value map instead of silently dropping it', async () => {
      const r = await draft((i) => {
        i.datasets[0].columns[2] = {
          name: 'line',
          transform: {
            kind: 'generalize',
            generalization: { method: 'map', map: { L1: 'North', L2: 'South' } },
          },
        };
      });
      expect(r.errors).toBeUndefined(); // the same map without the key drafts
      const body = JSON.stringify({
        query: DRAFT,
        variables: {
          input: {
            grantorCompanySlug: f.company.slug,
            granteeWorkingGroupSlug: f.group.slug,
            purpose: 'Weld-defect analysis.',
            termFrom: new Date(Date.now() - 3600_000).toISOString(),
            termUntil: new Date(Date.now() + 30 * 86_400_000).toISOString(),
            ...weldGrantTerms(f.dataset),
          },
        },
      }).replace(
        '{"kind":"keep"}',
        '{"kind":"generalize","generalization":{"method":"map","map":{"__proto__":"North","L2":"South"}}}',
      );
      const res = await ctx.http
        .post('/graphql')
        .set('content-type', 'application/json')
        .set('authorization', `Bearer ${f.grantor.token}`)
        .send(body);
      const out = res.body as GqlResult;
      expect(res.status).toBe(400);
      expect(out.errors?.[0]).toMatchObject({
        message:
          'input.datasets[0].columns[2].transform.generalization.map has a key named __proto__, constructor or prototype, which a value map may not use',
        extensions: { code: 'BAD_USER_INPUT', reason: 'INPUT_RESERVED_KEY' },
      });
    });

    it('keeps plain line breaks in the purpose, rendered as indented lines', async () => {
      const r = await draft((i) => (i.purpose = 'Weld-defect analysis.\nNo re-identification.'));
      expect(r.errors).toBeUndefined();
      expect(r.data!.draftGrant.text).toContain(
        'PURPOSE\n  Weld-defect analysis.\n  No re-identification.\n',
      );
    });
  });

  describe('look-alike dataset names', () => {
    it('stores names in NFC: the same name typed decomposed is a new version of the same dataset', async () => {
      const s = uniq('n');
      const first = await publish(await ticket(), `Cafe\u0301 line ${s}`);
      expect(first.errors).toBeUndefined();
      expect(first.data!.publishDataset.dataset.name).toBe(`Caf\u00E9 line ${s}`);
      const second = await publish(await ticket(), `Caf\u00E9 line ${s}`);
      expect(second.errors).toBeUndefined();
      expect(second.data!.publishDataset.dataset.id).toBe(first.data!.publishDataset.dataset.id);
      expect(second.data!.publishDataset.version.version).toBe(2);
    });

    it('refuses letters of other scripts drawn like Latin ones (Cyrillic, Armenian, Cherokee, lunate Greek), a name differing only in case or by a zero-width space, and another company’s name', async () => {
      const s = uniq('n');
      const original = await publish(await ticket(), `Weld log ${s}`);
      expect(original.errors).toBeUndefined();
      const t = await ticket();
      // Cyrillic е, Armenian օ, Cherokee Ꭺ, a lunate Greek Ϲ: scripts names are not written in.
      for (const lookalike of [
        `W\u0435ld log ${s}`,
        `Weld l\u0585g ${s}`,
        `\u13AA weld log ${s}`,
        `\u0391\u0392\u03F9 log ${s}`,
      ])
        expect(refusalOf(await publish(t, lookalike))).toMatchObject({
          code: 'BAD_USER_INPUT',
          reason: 'DATASET_NAME_SCRIPT_UNSUPPORTED',
        });
      // Greek symbols stay allowed.
      expect((await publish(await ticket(), `Coating 5 μm, Ω probe ${s}`)).errors).toBeUndefined();
      expect(refusalOf(await publish(t, `WELD  LOG ${s.toUpperCase()}`))).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'DATASET_NAME_CONFUSABLE',
      });
      expect(refusalOf(await publish(t, `Weld\u200B log ${s}`))).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'INPUT_TEXT_UNSAFE',
        message: expect.stringMatching(/^input\.name contains an invisible character/),
      });
      const other = await ctx.newCompany(f.admin.token);
      expect(refusalOf(await publish(t, `Company ${other.slug}`))).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'DATASET_NAME_CONFUSABLE',
      });
      // Korean with Latin is how plants name things: allowed.
      const korean = await publish(t, `용접 라인 3 weld log ${s}`);
      expect(korean.errors).toBeUndefined();
      expect(korean.data!.publishDataset.dataset.name).toBe(`용접 라인 3 weld log ${s}`);
    });
  });
});
