import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestContext } from './support/test-context';
import {
  materializeViews,
  newActiveGrant,
  newQueryFixture,
  type QueryFixture,
  terminateGrant,
} from './support/views';

const EXPORT = `mutation($g: ID!, $d: ID!, $f: ExportFormat!) { exportSlice(grantId: $g, datasetId: $d, format: $f) { path rowCount } }`;
const AUDIT = `query($s: String!) { auditEntries(companySlug: $s, first: 1000) { entries { seq action subjectId details } } }`;

/**
 * "Ending a grant stops an export in progress": the hub streams an export chunk by chunk and
 * checks the grant again before every chunk after the first, so a download held back by the
 * analyst's own pace is cut at the next chunk once the grant is terminated.
 */
describe('an export in progress when its grant ends (e2e, real PostgreSQL and MinIO)', () => {
  let ctx: TestContext;
  let f: QueryFixture;
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    ctx = await TestContext.create();
    // Enough rows that the export is far larger than what loopback socket buffers hold.
    f = await newQueryFixture(ctx, 300_000);
    server = ctx.app.getHttpServer() as http.Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  }, 180_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await ctx.close();
  });

  it('is cut at the next chunk after termination, short of the whole view, and the owner sees why', async () => {
    const g = await newActiveGrant(ctx, f);
    await materializeViews(ctx);
    const e = await ctx.gqlOk<{ exportSlice: { path: string; rowCount: number } }>(
      EXPORT,
      { g: g.grantId, d: f.dataset.datasetId, f: 'JSONL' },
      f.analyst.token,
    );
    const total = e.exportSlice.rowCount;
    expect(total).toBeGreaterThan(100_000);

    const req = http.get({
      host: '127.0.0.1',
      port,
      path: e.exportSlice.path,
      headers: { authorization: `Bearer ${f.analyst.token}` },
    });
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    expect(res.statusCode).toBe(200);
    let received = Buffer.alloc(0);
    const [first] = (await once(res, 'data')) as [Buffer];
    received = Buffer.concat([received, first]);
    // The analyst stops reading: the hub's stream waits on backpressure in the middle of the view.
    res.pause();
    await sleep(500);
    await terminateGrant(ctx, f, g);

    const parts: Buffer[] = [received];
    res.on('data', (c: Buffer) => parts.push(c));
    const outcome = new Promise<'complete' | 'cut'>((resolve) => {
      res.on('error', () => undefined); // the hub cuts the connection: "aborted"
      res.on('close', () => resolve(res.complete ? 'complete' : 'cut'));
    });
    res.resume();
    expect(await outcome).toBe('cut');
    const lines = Buffer.concat(parts)
      .toString('utf8')
      .split('\n')
      .filter((l) => l.length > 0);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThan(total);

    // Nothing more is served, and the owner's audit trail says the export stopped, and why.
    const again = await ctx.gql(EXPORT, { g: g.grantId, d: f.dataset.datasetId, f: 'CSV' }, f.analyst.token);
    expect(again.errors?.[0]?.extensions?.reason).toBe('GRANT_TERMINATED');
    const audit = await ctx.gqlOk<{
      auditEntries: {
        entries: Array<{ action: string; subjectId: string; details: Record<string, unknown> }>;
      };
    }>(AUDIT, { s: f.company.slug }, f.grantor.token);
    const mine = audit.auditEntries.entries.filter((x) => x.subjectId === g.grantId);
    const stopped = mine.filter((x) => x.action === 'query.export.stopped');
    expect(stopped).toHaveLength(1);
    expect(stopped[0].details.reason).toBe('GRANT_TERMINATED');
    expect(Number(stopped[0].details.rowsSent)).toBeLessThan(total);
    expect(mine.some((x) => x.action === 'query.export.completed')).toBe(false);
  }, 120_000);
});
