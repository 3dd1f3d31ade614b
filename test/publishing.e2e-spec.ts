import { createHash } from 'node:crypto';
import * as Minio from 'minio';
import { AuditEntryEntity, DatasetVersionEntity } from '@maxhub/db';
import type { DatasetFormat } from '@maxhub/formats';
import { generate } from '@maxhub/synthetic';
import { uniq } from '@maxhub/testing';
import { capturedLogs, TestContext } from './support/test-context';

async function bytesOf(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of stream) out.push(c);
  return Buffer.concat(out);
}

const weld = (format: DatasetFormat, rows = 300, encoding: 'utf-8' | 'cp949' = 'utf-8') =>
  bytesOf(generate({ kind: 'weld-line', rows, seed: 'e2e', format, encoding }));

const CLASSIFY = [
  { column: 'operator_id', class: 'DIRECT_IDENTIFIER' },
  { column: 'machine_serial', class: 'DIRECT_IDENTIFIER' },
  { column: 'plant', class: 'QUASI_IDENTIFIER' },
];

const CATALOG = `query { datasets { id name owned company { slug } versions { id version status rowCount objectKey sha256 columns { name type class } } } }`;

describe('publishing datasets (e2e, real PostgreSQL, MinIO and worker)', () => {
  let ctx: TestContext;
  let admin: { token: string };
  let company: { id: string; slug: string; bucket: string };
  let publisher: { token: string };
  let minio: Minio.Client;

  beforeAll(async () => {
    ctx = await TestContext.create();
    await ctx.startWorker();
    admin = await ctx.newUser({ admin: true });
    company = await ctx.newCompany(admin.token);
    publisher = await ctx.newCompanyMember(admin.token, company.slug, 'PUBLISHER');
    minio = ctx.minio();
  });
  afterAll(async () => ctx?.close());

  it('publishes a UTF-8 CSV through a ticket, a presigned PUT and publishDataset, and validates it in full', async () => {
    const bytes = await weld('CSV', 1000);
    const name = uniq('Weld line 3');
    const r = await ctx.publishBytes({
      token: publisher.token,
      companySlug: company.slug,
      bytes,
      format: 'CSV',
      name,
      classifications: CLASSIFY,
    });
    expect(r.errors).toBeUndefined();
    const p = r.data!.publishDataset;
    expect(p.version).toMatchObject({ version: 1, status: 'VALIDATING' });
    expect(p.version.objectKey).toMatch(/^datasets\/[0-9a-f-]{36}\/[0-9a-f-]{36}\/data\.csv$/);
    expect(p.defaultedColumns).toEqual(expect.arrayContaining(['weld_current_a', 'defect', 'timestamp']));
    expect(p.defaultedColumns).not.toContain('operator_id');
    expect(p.sampledColumns.find((c: { name: string }) => c.name === 'defect')).toMatchObject({
      type: 'BOOLEAN',
      class: 'TRADE_SECRET',
      defaulted: true,
    });

    const v = await ctx.waitForVersion(p.version.id);
    expect(v.status).toBe('PUBLISHED');
    expect(Number(v.rowCount)).toBe(1000);
    expect(Number(v.sizeBytes)).toBe(bytes.length);
    expect(v.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(v.columns.find((c) => c.name === 'operator_id')).toMatchObject({
      type: 'string',
      class: 'DIRECT_IDENTIFIER',
      defaulted: false,
    });
    expect(v.columns.find((c) => c.name === 'timestamp')).toMatchObject({
      type: 'timestamp',
      class: 'TRADE_SECRET',
      defaulted: true,
    });

    const actions = (
      await ctx.dataSource.getRepository(AuditEntryEntity).find({ where: { companyId: company.id } })
    ).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'upload_ticket.issued',
        'dataset_version.registered',
        'dataset_version.published',
      ]),
    );
  });

  it('shows the catalog to members of other companies without object keys or checksums, and the owner with them', async () => {
    const { datasetId, name } = await ctx.newPublishedDataset({
      token: publisher.token,
      companySlug: company.slug,
      rows: 50,
    });
    const other = await ctx.newCompany(admin.token);
    const stranger = await ctx.newCompanyMember(admin.token, other.slug, 'LEGAL');
    const seen = (await ctx.gqlOk<{ datasets: any[] }>(CATALOG, {}, stranger.token)).datasets.find(
      (d) => d.id === datasetId,
    );
    expect(seen).toMatchObject({ name, owned: false, company: { slug: company.slug } });
    expect(seen.versions[0]).toMatchObject({
      status: 'PUBLISHED',
      rowCount: 50,
      objectKey: null,
      sha256: null,
    });
    expect(seen.versions[0].columns.length).toBe(13);
    const mine = (await ctx.gqlOk<{ datasets: any[] }>(CATALOG, {}, publisher.token)).datasets.find(
      (d) => d.id === datasetId,
    );
    expect(mine.owned).toBe(true);
    expect(mine.versions[0].objectKey).toMatch(/^datasets\//);
    expect(mine.versions[0].sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    [
      'CSV UTF-8 with a BOM',
      'CSV' as const,
      'utf-8' as const,
      async () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), await weld('CSV', 200)]),
    ],
    ['CSV in CP949 declared as cp949', 'CSV' as const, 'cp949' as const, () => weld('CSV', 200, 'cp949')],
    ['CSV in CP949 detected automatically', 'CSV' as const, 'auto' as const, () => weld('CSV', 200, 'cp949')],
    ['CSV in EUC-KR', 'CSV' as const, 'euc-kr' as const, () => weld('CSV', 200, 'cp949')],
    ['JSON lines', 'JSONL' as const, undefined, () => weld('JSONL', 200)],
    ['Parquet', 'PARQUET' as const, undefined, () => weld('PARQUET', 200)],
  ])(
    'publishes %s with every row counted and Korean text decoded',
    async (_label, format, encoding, make) => {
      const bytes = await make();
      const r = await ctx.publishBytes({
        token: publisher.token,
        companySlug: company.slug,
        bytes,
        format,
        encoding,
        classifications: CLASSIFY,
      });
      expect(r.errors).toBeUndefined();
      const v = await ctx.waitForVersion(r.data!.publishDataset.version.id);
      expect(v.rejection).toBeNull();
      expect(v.status).toBe('PUBLISHED');
      expect(Number(v.rowCount)).toBe(200);
      expect(v.columns.map((c) => c.name)).toContain('plant_name');
      if (format !== 'PARQUET')
        expect(v.encoding).toBe(encoding === undefined || encoding === 'utf-8' ? 'utf-8' : 'cp949');
    },
  );

  it.each([
    ['a ragged row', 'a,b,c\n1,2,3\n4,5\n', 'DATASET_RAGGED_ROW', 3, undefined],
    [
      'a value not of the confirmed type',
      'id,temp\n1,20.5\n2,21.0\n3,hot\n',
      'DATASET_TYPE_MISMATCH',
      4,
      [{ column: 'temp', type: 'DECIMAL' }],
    ],
    [
      'undecodable bytes',
      Buffer.concat([Buffer.from('id,name\n1,ok\n2,'), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('\n')]),
      'DATASET_UNDECODABLE_BYTES',
      3,
      undefined,
    ],
    ['a duplicate column name', 'id,temp,temp\n1,2,3\n', 'DATASET_DUPLICATE_COLUMN', 1, undefined],
    ['an empty column name', 'id,,temp\n1,2,3\n', 'DATASET_EMPTY_COLUMN_NAME', 1, undefined],
    ['an empty file (a header, no rows)', 'id,temp\n', 'DATASET_EMPTY_FILE', undefined, undefined],
  ])(
    'rejects %s with its line and reason, and keeps the object',
    async (_label, content, code, line, confirmedTypes) => {
      const bytes = typeof content === 'string' ? Buffer.from(content) : content;
      const r = await ctx.publishBytes({
        token: publisher.token,
        companySlug: company.slug,
        bytes,
        format: 'CSV',
        encoding: code === 'DATASET_UNDECODABLE_BYTES' ? 'utf-8' : undefined,
        confirmedTypes,
      });
      expect(r.errors).toBeUndefined();
      const v = await ctx.waitForVersion(r.data!.publishDataset.version.id);
      expect(v.status).toBe('REJECTED');
      expect(v.rejection?.code).toBe(code);
      if (line !== undefined) expect(v.rejection?.line).toBe(line);
      expect(v.rejection?.message).not.toMatch(/hot/);
      const stat = await minio.statObject(company.bucket, v.objectKey);
      expect(stat.size).toBe(bytes.length);
      const q = await ctx.gqlOk<{ datasetVersion: any }>(
        `query($id: ID!) { datasetVersion(id: $id) { status rejection { code line message } } }`,
        { id: v.id },
        publisher.token,
      );
      expect(q.datasetVersion.rejection).toMatchObject({ code, ...(line !== undefined ? { line } : {}) });
    },
  );

  it('rejects a JSON line that names a key twice (JSON.parse would keep only the last value)', async () => {
    const bytes = Buffer.from('{"id":1,"temp":20.5}\n{"id":2,"temp":21.0,"temp":99.9}\n');
    const r = await ctx.publishBytes({
      token: publisher.token,
      companySlug: company.slug,
      bytes,
      format: 'JSONL',
    });
    expect(r.errors).toBeUndefined();
    const v = await ctx.waitForVersion(r.data!.publishDataset.version.id);
    expect(v.status).toBe('REJECTED');
    expect(v.rejection).toMatchObject({ code: 'DATASET_DUPLICATE_COLUMN', line: 2 });
    expect(v.rejection?.message).toContain('"temp"');
    expect(v.rejection?.message).not.toMatch(/99\.9/);
  });

  it('rejects an object that is not in the declared format (CSV declared as Parquet, binary as CSV)', async () => {
    const asParquet = await ctx.publishBytes({
      token: publisher.token,
      companySlug: company.slug,
      bytes: Buffer.from('a,b\n1,2\n'),
      format: 'PARQUET',
    });
    const v1 = await ctx.waitForVersion(asParquet.data!.publishDataset.version.id);
    expect(v1.rejection?.code).toBe('DATASET_NOT_DECLARED_FORMAT');
    const binary = Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(64, 0)]);
    const asCsv = await ctx.publishBytes({
      token: publisher.token,
      companySlug: company.slug,
      bytes: binary,
      format: 'CSV',
    });
    const v2 = await ctx.waitForVersion(asCsv.data!.publishDataset.version.id);
    expect(v2.status).toBe('REJECTED');
    expect(v2.rejection?.code).toBe('DATASET_NOT_DECLARED_FORMAT');
  });

  it('adds version n+1 when publishing again under the same name, and withdraws a version', async () => {
    const name = uniq('Ship blocks');
    const first = await ctx.newPublishedDataset({
      token: publisher.token,
      companySlug: company.slug,
      kind: 'ship-block-inspection',
      name,
      rows: 40,
    });
    const second = await ctx.newPublishedDataset({
      token: publisher.token,
      companySlug: company.slug,
      kind: 'ship-block-inspection',
      name,
      rows: 60,
      seed: 'b',
    });
    expect(second.datasetId).toBe(first.datasetId);
    expect(second.version.version).toBe(2);
    const w = await ctx.gqlOk<{ withdrawDatasetVersion: any }>(
      `mutation($id: ID!) { withdrawDatasetVersion(versionId: $id) { status withdrawnAt } }`,
      { id: first.versionId },
      publisher.token,
    );
    expect(w.withdrawDatasetVersion.status).toBe('WITHDRAWN');
    const again = await ctx.gql(
      `mutation($id: ID!) { withdrawDatasetVersion(versionId: $id) { status } }`,
      { id: first.versionId },
      publisher.token,
    );
    expect(again.errors?.[0].extensions).toMatchObject({
      code: 'CONFLICT',
      reason: 'DATASET_VERSION_NOT_PUBLISHED',
    });
    const reader = await ctx.newCompanyMember(
      admin.token,
      (await ctx.newCompany(admin.token)).slug,
      'PUBLISHER',
    );
    const d = await ctx.gqlOk<{ dataset: any }>(
      `query($id: ID!) { dataset(id: $id) { versions { version } latestPublished { version } } }`,
      { id: first.datasetId },
      reader.token,
    );
    expect(d.dataset).toEqual({ versions: [{ version: 2 }], latestPublished: { version: 2 } });
    const audit = await ctx.dataSource
      .getRepository(AuditEntryEntity)
      .findOne({ where: { action: 'dataset_version.withdrawn', subjectId: first.versionId } });
    expect(JSON.parse(audit!.payload)).toMatchObject({ details: { datasetId: first.datasetId, version: 1 } });
  });

  it('lets two publishers publish under one name at once: versions 1 and 2, both PUBLISHED', async () => {
    const second = await ctx.newCompanyMember(admin.token, company.slug, 'PUBLISHER');
    const name = uniq('Concurrent');
    const [a, b] = await Promise.all([
      ctx.publishBytes({
        token: publisher.token,
        companySlug: company.slug,
        bytes: await weld('CSV', 300),
        format: 'CSV',
        name,
      }),
      ctx.publishBytes({
        token: second.token,
        companySlug: company.slug,
        bytes: await weld('JSONL', 300),
        format: 'JSONL',
        name,
      }),
    ]);
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    expect(a.data!.publishDataset.dataset.id).toBe(b.data!.publishDataset.dataset.id);
    expect([a.data!.publishDataset.version.version, b.data!.publishDataset.version.version].sort()).toEqual([
      1, 2,
    ]);
    const [va, vb] = await Promise.all([
      ctx.waitForVersion(a.data!.publishDataset.version.id),
      ctx.waitForVersion(b.data!.publishDataset.version.id),
    ]);
    expect([va.status, vb.status]).toEqual(['PUBLISHED', 'PUBLISHED']);
  });

  it('refuses a publisher of another company, a LEGAL member and the operator', async () => {
    const other = await ctx.newCompany(admin.token);
    const outsider = await ctx.newCompanyMember(admin.token, other.slug, 'PUBLISHER');
    const legal = await ctx.newCompanyMember(admin.token, company.slug, 'LEGAL');
    const ask = (token: string) =>
      ctx.createUploadTicket(token, {
        companySlug: company.slug,
        fileName: 'x.csv',
        sizeBytes: 10,
        format: 'CSV',
      });
    expect((await ask(outsider.token)).errors?.[0].extensions).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'DATASET_COMPANY_NOT_FOUND',
    });
    expect((await ask(admin.token)).errors?.[0].extensions).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'DATASET_COMPANY_NOT_FOUND',
    });
    expect((await ask(legal.token)).errors?.[0].extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'AUTH_ROLE_REQUIRED',
    });
    // Nor may the outsider use, resume or publish from a ticket of this company.
    const ticket = await ctx.uploadBytes(publisher.token, company.slug, Buffer.from('a,b\n1,2\n'), {
      format: 'CSV',
    });
    const pub = await ctx.gql(
      `mutation($input: PublishDatasetInput!) { publishDataset(input: $input) { version { id } } }`,
      { input: { companySlug: other.slug, ticketId: ticket.id, name: 'steal', classifications: [] } },
      outsider.token,
    );
    expect(pub.errors?.[0].extensions).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'DATASET_TICKET_NOT_FOUND',
    });
    const withdrawn = await ctx.newPublishedDataset({
      token: publisher.token,
      companySlug: company.slug,
      rows: 20,
    });
    const w = await ctx.gql(
      `mutation($id: ID!) { withdrawDatasetVersion(versionId: $id) { status } }`,
      { id: withdrawn.versionId },
      outsider.token,
    );
    expect(w.errors?.[0].extensions).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'DATASET_VERSION_NOT_FOUND',
    });
  });

  it('issues a URL that allows only its own object key', async () => {
    const t = (
      await ctx.createUploadTicket(publisher.token, {
        companySlug: company.slug,
        fileName: 'only.csv',
        sizeBytes: 8,
        format: 'CSV',
      })
    ).data!.createUploadTicket;
    expect(new Date(t.urlsExpireAt).getTime() - Date.now()).toBeLessThanOrEqual(15 * 60 * 1000);
    const u = new URL(t.uploadUrl!);
    const other = new URL(u.toString());
    other.pathname = u.pathname.replace(/only\.csv$/, 'other.csv');
    const refused = await ctx.putUrl(other.toString(), Buffer.from('a,b\n1,2\n'));
    expect(refused.status).toBe(403);
    const accepted = await ctx.putUrl(t.uploadUrl!, Buffer.from('a,b\n1,2\n'));
    expect(accepted.status).toBe(200);
    await expect(
      minio.statObject(company.bucket, t.objectKey.replace(/only\.csv$/, 'other.csv')),
    ).rejects.toThrow();
  });

  it('refuses a ticket above UPLOAD_MAX_BYTES and a publication whose object has another size', async () => {
    const big = await ctx.createUploadTicket(publisher.token, {
      companySlug: company.slug,
      fileName: 'big.csv',
      sizeBytes: 51 * 1024 ** 3,
      format: 'CSV',
    });
    expect(big.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'DATASET_UPLOAD_TOO_LARGE',
    });
    const t = (
      await ctx.createUploadTicket(publisher.token, {
        companySlug: company.slug,
        fileName: 's.csv',
        sizeBytes: 100,
        format: 'CSV',
      })
    ).data!.createUploadTicket;
    await ctx.putUrl(t.uploadUrl!, Buffer.from('a,b\n1,2\n'));
    const r = await ctx.gql(
      `mutation($input: PublishDatasetInput!) { publishDataset(input: $input) { version { id } } }`,
      { input: { companySlug: company.slug, ticketId: t.id, name: uniq('x'), classifications: [] } },
      publisher.token,
    );
    expect(r.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'DATASET_UPLOAD_SIZE_MISMATCH',
    });
    expect(await ctx.dataSource.getRepository(DatasetVersionEntity).countBy({ objectKey: t.objectKey })).toBe(
      0,
    );
  });

  it('refuses a classification of a column the file does not have', async () => {
    const r = await ctx.publishBytes({
      token: publisher.token,
      companySlug: company.slug,
      bytes: Buffer.from('id,temp\n1,2\n'),
      format: 'CSV',
      classifications: [{ column: 'nope', class: 'OTHER' }],
    });
    expect(r.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'DATASET_UNKNOWN_COLUMN',
    });
  });

  it('resumes an interrupted multipart upload from the parts already stored', async () => {
    const bytes = await weld('CSV', 90_000);
    expect(bytes.length).toBeGreaterThan(10 * 1024 ** 2);
    const partSize = 5 * 1024 ** 2;
    const t = (
      await ctx.createUploadTicket(publisher.token, {
        companySlug: company.slug,
        fileName: 'big.csv',
        sizeBytes: bytes.length,
        format: 'CSV',
        multipart: true,
        partSize,
      })
    ).data!.createUploadTicket;
    expect(t.multipart).toBe(true);
    expect(t.partUrls.length).toBe(Math.ceil(bytes.length / partSize));
    // The first part goes up, then the "connection drops".
    expect((await ctx.putUrl(t.partUrls[0].url, bytes.subarray(0, partSize))).status).toBe(200);
    const early = await ctx.gql(
      `mutation($id: ID!) { completeUpload(ticketId: $id) { id } }`,
      { id: t.id },
      publisher.token,
    );
    expect(early.errors?.[0].extensions).toMatchObject({ reason: 'DATASET_UPLOAD_INCOMPLETE' });
    const resumed = await ctx.gqlOk<{ resumeUpload: any }>(
      `mutation($id: ID!) { resumeUpload(ticketId: $id) { uploadedParts { partNumber sizeBytes } partUrls { partNumber url sizeBytes } } }`,
      { id: t.id },
      publisher.token,
    );
    expect(resumed.resumeUpload.uploadedParts).toEqual([{ partNumber: 1, sizeBytes: partSize }]);
    expect(resumed.resumeUpload.partUrls.map((p: { partNumber: number }) => p.partNumber)).toEqual(
      t.partUrls.slice(1).map((p) => p.partNumber),
    );
    for (const p of resumed.resumeUpload.partUrls) {
      const start = (p.partNumber - 1) * partSize;
      expect((await ctx.putUrl(p.url, bytes.subarray(start, start + p.sizeBytes))).status).toBe(200);
    }
    await ctx.gqlOk(
      `mutation($id: ID!) { completeUpload(ticketId: $id) { status } }`,
      { id: t.id },
      publisher.token,
    );
    const pub = await ctx.gqlOk<{ publishDataset: any }>(
      `mutation($input: PublishDatasetInput!) { publishDataset(input: $input) { version { id } } }`,
      {
        input: {
          companySlug: company.slug,
          ticketId: t.id,
          name: uniq('multipart'),
          classifications: CLASSIFY,
        },
      },
      publisher.token,
    );
    const v = await ctx.waitForVersion(pub.publishDataset.version.id);
    expect(v.status).toBe('PUBLISHED');
    expect(Number(v.rowCount)).toBe(90_000);
    expect(v.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('never puts a cell value into a rejection, a log line or an audit entry', async () => {
    const canary = 'CANARY-7f3a9';
    const r = await ctx.publishBytes({
      token: publisher.token,
      companySlug: company.slug,
      bytes: Buffer.from(`id,temp\n1,20.5\n2,${canary}\n`),
      format: 'CSV',
      confirmedTypes: [{ column: 'temp', type: 'DECIMAL' }],
    });
    const v = await ctx.waitForVersion(r.data!.publishDataset.version.id);
    expect(v.rejection?.code).toBe('DATASET_TYPE_MISMATCH');
    expect(JSON.stringify(v)).not.toContain(canary);
    const entries = await ctx.dataSource.getRepository(AuditEntryEntity).find({ where: { subjectId: v.id } });
    expect(entries.length).toBeGreaterThan(0);
    expect(JSON.stringify(entries)).not.toContain(canary);
    expect(capturedLogs.join('\n')).not.toContain(canary);
  });
});

describe('upload URL expiry (e2e)', () => {
  let ctx: TestContext;
  afterAll(async () => ctx?.close());

  it('refuses a PUT after the ticket’s URL has expired', async () => {
    ctx = await TestContext.create({ UPLOAD_URL_TTL_SECONDS: '30' });
    const admin = await ctx.newUser({ admin: true });
    const company = await ctx.newCompany(admin.token);
    const publisher = await ctx.newCompanyMember(admin.token, company.slug, 'PUBLISHER');
    const t = (
      await ctx.createUploadTicket(publisher.token, {
        companySlug: company.slug,
        fileName: 'late.csv',
        sizeBytes: 8,
        format: 'CSV',
      })
    ).data!.createUploadTicket;
    expect(new URL(t.uploadUrl!).searchParams.get('X-Amz-Expires')).toBe('30');
    await new Promise((r) => setTimeout(r, 32_000));
    const res = await ctx.putUrl(t.uploadUrl!, Buffer.from('a,b\n1,2\n'));
    expect(res.status).toBe(403);
  }, 60_000);
});
