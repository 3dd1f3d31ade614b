import { AuditEntryEntity } from '@maxhub/db';
import { type ColumnSchema, type Row, writeParquet } from '@maxhub/formats';
import { generateRows } from '@maxhub/synthetic';
import { uniq } from '@maxhub/testing';
import { capturedLogs, TestContext } from './support/test-context';

// Personal data published without a class: detected from the values, proposed (and, when the
// publisher says nothing, recorded) as DIRECT_IDENTIFIER; an explicit other class is kept and
// shown as an override; manufacturing columns are left alone. Through GraphQL, with the worker.

const KOREAN = [
  '김민수',
  '이영희',
  '박철수',
  '최지우',
  '정우성',
  '강동원',
  '조인성',
  '윤아름',
  '장서연',
  '임하준',
];
const LATIN = ['James Smith', 'Mary Johnson', 'Robert Brown', 'Linda Davis', 'Kim Min-su', 'Lee Ji-eun'];

/** A resident-registration number with its check digit, different per i. */
function rrn(i: number): string {
  const front = `${70 + (i % 25)}${String(1 + (i % 12)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}`;
  const body = `${front}${1 + (i % 2)}${String(10000 + ((i * 7919) % 90000))}`;
  const w = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
  const sum = [...body].reduce((s, c, k) => s + Number(c) * w[k], 0);
  return `${front}-${body.slice(6)}${(11 - (sum % 11)) % 10}`;
}

const COLUMNS: ColumnSchema[] = [
  { name: 'timestamp', type: 'timestamp', class: 'OTHER', nullable: false },
  { name: 'plant', type: 'string', class: 'OTHER', nullable: false },
  { name: 'line', type: 'string', class: 'OTHER', nullable: false },
  { name: 'machine_serial', type: 'string', class: 'OTHER', nullable: false },
  { name: 'operator_id', type: 'string', class: 'OTHER', nullable: false },
  { name: 'weld_current_a', type: 'decimal', class: 'OTHER', nullable: false },
  { name: 'worker_name', type: 'string', class: 'OTHER', nullable: false },
  { name: 'jumin', type: 'string', class: 'OTHER', nullable: false },
  { name: 'phone', type: 'string', class: 'OTHER', nullable: false },
  { name: 'email', type: 'string', class: 'OTHER', nullable: false },
  { name: 'inspector', type: 'string', class: 'OTHER', nullable: false },
];
const PERSONAL = ['worker_name', 'jumin', 'phone', 'email', 'inspector'];
const MANUFACTURING = ['timestamp', 'plant', 'line', 'machine_serial', 'operator_id', 'weld_current_a'];

function rows(n: number): Row[] {
  return [...generateRows({ kind: 'weld-line', rows: n, seed: 'pii' })].map((r, i) => ({
    timestamp: r.timestamp,
    plant: r.plant,
    line: r.line,
    machine_serial: r.machine_serial,
    operator_id: r.operator_id,
    weld_current_a: r.weld_current_a,
    worker_name: KOREAN[i % KOREAN.length],
    jumin: rrn(i),
    phone: `010-${String(1000 + ((i * 37) % 9000))}-${String(1000 + ((i * 101) % 9000))}`,
    email: `worker${i}@hanbit-motors.co.kr`,
    inspector: LATIN[i % LATIN.length],
  }));
}

function csv(data: Row[]): Buffer {
  const lines = [
    COLUMNS.map((c) => c.name).join(','),
    ...data.map((r) => COLUMNS.map((c) => r[c.name]).join(',')),
  ];
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}

async function parquet(data: Row[]): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of writeParquet(COLUMNS, [data])) out.push(c as Buffer);
  return Buffer.concat(out);
}

const COLUMN = `name type class defaulted classSource classOverridden personalData { kind share threshold sampledValues }`;
const PUBLISH = `mutation($input: PublishDatasetInput!) { publishDataset(input: $input) {
  version { id } defaultedColumns proposedColumns overriddenColumns sampledColumns { ${COLUMN} } } }`;
const PREVIEW = `query($id: ID!) { uploadPreview(ticketId: $id) { ticketId format sampledRows proposedColumns columns { ${COLUMN} } } }`;

type Column = {
  name: string;
  class: string;
  classSource: string;
  classOverridden: boolean;
  defaulted: boolean;
  personalData: { kind: string; share: number; threshold: number; sampledValues: number } | null;
};
const byName = (cols: Column[]) => new Map(cols.map((c) => [c.name, c]));

describe('personal data found at publication (e2e, real PostgreSQL, MinIO and worker)', () => {
  let ctx: TestContext;
  let admin: { token: string };
  let company: { id: string; slug: string };
  let publisher: { token: string };
  let stranger: { token: string };
  let pinned: { datasetId: string; version: number } | undefined;
  const data = rows(600);

  beforeAll(async () => {
    ctx = await TestContext.create();
    await ctx.startWorker();
    admin = await ctx.newUser({ admin: true });
    company = await ctx.newCompany(admin.token);
    publisher = await ctx.newCompanyMember(admin.token, company.slug, 'PUBLISHER');
    const other = await ctx.newCompany(admin.token);
    stranger = await ctx.newCompanyMember(admin.token, other.slug, 'PUBLISHER');
  });
  afterAll(async () => ctx?.close());

  it('previews the proposal before publishing, to the publisher only', async () => {
    const ticket = await ctx.uploadBytes(publisher.token, company.slug, csv(data), { format: 'CSV' });
    const preview = (await ctx.gqlOk<{ uploadPreview: any }>(PREVIEW, { id: ticket.id }, publisher.token))
      .uploadPreview;
    expect(preview).toMatchObject({ ticketId: ticket.id, format: 'CSV', sampledRows: 600 });
    expect([...preview.proposedColumns].sort()).toEqual([...PERSONAL].sort());
    const cols = byName(preview.columns);
    expect(cols.get('jumin')).toMatchObject({
      class: 'DIRECT_IDENTIFIER',
      classSource: 'DETECTED',
      classOverridden: false,
      personalData: { kind: 'RESIDENT_REGISTRATION_NUMBER', share: 1, threshold: 0.5, sampledValues: 600 },
    });
    for (const name of MANUFACTURING) {
      expect(cols.get(name)).toMatchObject({
        class: 'TRADE_SECRET',
        classSource: 'DEFAULT',
        personalData: null,
      });
    }

    // Another company's publisher cannot look into this upload.
    const r = await ctx.gql(PREVIEW, { id: ticket.id }, stranger.token);
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'DATASET_TICKET_NOT_FOUND' });
  });

  it('records unclassified personal columns as DIRECT_IDENTIFIER and keeps an explicit override, shown in the catalog', async () => {
    const ticket = await ctx.uploadBytes(publisher.token, company.slug, csv(data), { format: 'CSV' });
    const name = uniq('Weld line with people');
    const p = (
      await ctx.gqlOk<{ publishDataset: any }>(
        PUBLISH,
        {
          input: {
            companySlug: company.slug,
            ticketId: ticket.id,
            name,
            classifications: [
              { column: 'inspector', class: 'OTHER' },
              { column: 'email', class: 'DIRECT_IDENTIFIER' },
              { column: 'plant', class: 'QUASI_IDENTIFIER' },
            ],
          },
        },
        publisher.token,
      )
    ).publishDataset;
    expect([...p.proposedColumns].sort()).toEqual(['jumin', 'phone', 'worker_name']);
    expect(p.overriddenColumns).toEqual(['inspector']);
    expect([...p.defaultedColumns].sort()).toEqual(MANUFACTURING.filter((c) => c !== 'plant').sort());

    const v = await ctx.waitForVersion(p.version.id);
    expect(v.status).toBe('PUBLISHED');
    pinned = { datasetId: v.datasetId, version: v.version };

    // The catalog, as a member of another company sees it.
    const catalog = await ctx.gqlOk<{ datasets: any[] }>(
      `query { datasets { name latestPublished { columns { ${COLUMN} } } } }`,
      {},
      stranger.token,
    );
    const cols = byName(catalog.datasets.find((d) => d.name === name).latestPublished.columns);
    expect(cols.get('worker_name')).toMatchObject({
      class: 'DIRECT_IDENTIFIER',
      classSource: 'DETECTED',
      defaulted: false,
      classOverridden: false,
      personalData: { kind: 'KOREAN_NAME', share: 1, threshold: 0.8, sampledValues: 600 },
    });
    expect(cols.get('jumin')).toMatchObject({
      class: 'DIRECT_IDENTIFIER',
      classSource: 'DETECTED',
      personalData: { kind: 'RESIDENT_REGISTRATION_NUMBER' },
    });
    expect(cols.get('phone')).toMatchObject({
      class: 'DIRECT_IDENTIFIER',
      classSource: 'DETECTED',
      personalData: { kind: 'PHONE_NUMBER' },
    });
    // Classified DIRECT_IDENTIFIER by the publisher: the proposal confirmed, no override.
    expect(cols.get('email')).toMatchObject({
      class: 'DIRECT_IDENTIFIER',
      classSource: 'DECLARED',
      classOverridden: false,
      personalData: { kind: 'EMAIL_ADDRESS' },
    });
    // Classified otherwise: the publisher's class stands, and the override shows.
    expect(cols.get('inspector')).toMatchObject({
      class: 'OTHER',
      classSource: 'DECLARED',
      classOverridden: true,
      personalData: { kind: 'LATIN_NAME', threshold: 0.8 },
    });
    for (const c of MANUFACTURING) {
      expect(cols.get(c)).toMatchObject({ personalData: null, classOverridden: false });
      expect(cols.get(c)!.classSource).toBe(c === 'plant' ? 'DECLARED' : 'DEFAULT');
    }

    // The owner's datasetVersion says the same; the audit entry counts, never names values.
    const mine = await ctx.gqlOk<{ datasetVersion: { columns: Column[] } }>(
      `query($id: ID!) { datasetVersion(id: $id) { columns { ${COLUMN} } } }`,
      { id: p.version.id },
      publisher.token,
    );
    expect(byName(mine.datasetVersion.columns).get('inspector')?.classOverridden).toBe(true);
    const published = await ctx.dataSource
      .getRepository(AuditEntryEntity)
      .findOneByOrFail({ subjectId: p.version.id, action: 'dataset_version.published' });
    expect(published.payload).toContain('"personalDataColumns":5');
    expect(published.payload).toContain('"overriddenColumns":1');

    // No value left through the answers or the logs.
    const emitted = JSON.stringify([p, catalog, mine]) + published.payload + capturedLogs.join('\n');
    for (const value of [
      KOREAN[3],
      LATIN[0],
      rrn(5),
      data[7].phone as string,
      'worker7@hanbit-motors.co.kr',
    ]) {
      expect(emitted).not.toContain(value);
    }
  });

  it('refuses a grant that would keep a detected column raw, and lets the override stand', async () => {
    expect(pinned).toBeDefined();
    const group = uniq('wg');
    await ctx.gqlOk(
      `mutation($input: CreateWorkingGroupInput!) { createWorkingGroup(input: $input) { id } }`,
      { input: { slug: group, nameEn: 'Personal data group', nameKo: '개인정보 그룹' } },
      admin.token,
    );
    const legal = await ctx.newCompanyMember(admin.token, company.slug, 'LEGAL');
    const draft = (columns: Array<{ name: string; transform: { kind: string } }>) =>
      ctx.gql(
        `mutation($input: DraftGrantInput!) { draftGrant(input: $input) { grantId state canonicalDocument text } }`,
        {
          input: {
            grantorCompanySlug: company.slug,
            granteeWorkingGroupSlug: group,
            purpose: 'Study weld current against who welded.',
            termFrom: new Date(Date.now() - 3600_000).toISOString(),
            termUntil: new Date(Date.now() + 30 * 86_400_000).toISOString(),
            datasets: [{ ...pinned!, columns }],
            limits: { rowsPerQuery: 1000, queriesPerDay: 10 },
          },
        },
        legal.token,
      );
    for (const column of ['worker_name', 'jumin', 'phone']) {
      const r = await draft([
        { name: column, transform: { kind: 'keep' } },
        { name: 'weld_current_a', transform: { kind: 'keep' } },
      ]);
      expect(r.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'GRANT_RAW_DIRECT_IDENTIFIER',
      });
    }
    // weld_current_a was published without a class: it may not leave unchanged either.
    const unclassified = await draft([
      { name: 'inspector', transform: { kind: 'keep' } },
      { name: 'weld_current_a', transform: { kind: 'keep' } },
    ]);
    expect(unclassified.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'GRANT_UNCLASSIFIED_RAW',
    });
    expect(unclassified.errors?.[0].message).toContain(
      'column "weld_current_a" was published without a class',
    );
    // The publisher classified inspector OTHER: that is the publisher's call, recorded and shown
    // in the document the lawyers sign, in both languages.
    const ok = await draft([
      { name: 'inspector', transform: { kind: 'keep' } },
      { name: 'weld_current_a', transform: { kind: 'noise', magnitude: 0.05, relative: true } as never },
    ]);
    expect(ok.errors).toBeUndefined();
    expect(ok.data?.draftGrant.state).toBe('DRAFT');
    const doc = JSON.parse(ok.data?.draftGrant.canonicalDocument as string) as {
      datasets: Array<{ columns: Array<{ name: string; class: string; personalDataOverride?: unknown }> }>;
    };
    expect(doc.datasets[0].columns[0]).toMatchObject({
      name: 'inspector',
      class: 'OTHER',
      personalDataOverride: { detectedKind: expect.stringMatching(/NAME/) },
    });
    expect(ok.data?.draftGrant.text).toMatch(
      /- inspector \[other\] — released unchanged\n\s+NOTE: the hub detected personal data \(\w*NAME\w*\) in this column; the publisher classed it other\./,
    );
  });

  it('proposes from a Parquet object’s first row group too', async () => {
    const ticket = await ctx.uploadBytes(publisher.token, company.slug, await parquet(data), {
      format: 'PARQUET',
    });
    const preview = (await ctx.gqlOk<{ uploadPreview: any }>(PREVIEW, { id: ticket.id }, publisher.token))
      .uploadPreview;
    expect(preview.sampledRows).toBe(600);
    expect([...preview.proposedColumns].sort()).toEqual([...PERSONAL].sort());
  });
});
