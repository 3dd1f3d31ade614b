import * as Minio from 'minio';
import { AuditEntryEntity } from '@maxhub/db';
import { uniq } from '@maxhub/testing';
import { TestContext } from './support/test-context';

// A ragged CSV full of (made-up) personal data: the worker rejects it at line 3.
const REJECTED_CSV = Buffer.from(
  'name,phone,plant\n김민수,010-1234-5678,ulsan\nLee Canary,010-9999-0000\n',
  'utf8',
);

const DELETE = `mutation($id: ID!) { deleteRejectedUpload(versionId: $id) { id status objectDeletedAt rejection { code } } }`;

describe('rejected uploads: download and delete by the publisher (e2e, real PostgreSQL, MinIO and worker)', () => {
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

  async function rejectedVersion(): Promise<{ id: string; objectKey: string }> {
    const r = await ctx.publishBytes({
      token: publisher.token,
      companySlug: company.slug,
      bytes: REJECTED_CSV,
      format: 'CSV',
      fileName: 'people.csv',
      name: uniq('ragged people'),
    });
    expect(r.errors).toBeUndefined();
    const v = await ctx.waitForVersion(r.data!.publishDataset.version.id);
    expect(v.status).toBe('REJECTED');
    return { id: v.id, objectKey: v.objectKey };
  }

  async function download(versionId: string, token: string) {
    const res = await ctx.http
      .get(`/datasets/versions/${versionId}/rejected-upload`)
      .set('authorization', `Bearer ${token}`)
      .buffer(true)
      .parse((r, cb) => {
        const parts: Buffer[] = [];
        r.on('data', (c: Buffer) => parts.push(c));
        r.on('end', () => cb(null, Buffer.concat(parts)));
        r.on('error', (e) => cb(e, Buffer.alloc(0)));
      });
    const body = res.body as Buffer;
    const json = res.headers['content-type']?.startsWith('application/json')
      ? (JSON.parse(body.toString('utf8')) as { error: { code: string; reason?: string; message: string } })
      : null;
    return { status: res.status, body, json, headers: res.headers };
  }

  async function actionsOn(versionId: string): Promise<string[]> {
    const rows = await ctx.dataSource
      .getRepository(AuditEntryEntity)
      .find({ where: { companyId: company.id, subjectId: versionId }, order: { seq: 'ASC' } });
    return rows.map((e) => e.action);
  }

  it('streams the exact bytes of a rejected upload to its publisher, audited', async () => {
    const v = await rejectedVersion();
    const res = await download(v.id, publisher.token);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-disposition']).toBe('attachment; filename="people.csv"');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.equals(REJECTED_CSV)).toBe(true);
    expect(await actionsOn(v.id)).toContain('dataset.rejected_upload.downloaded');
  });

  it('answers NOT_FOUND to a publisher of another company and to a LEGAL member of the owner, for both actions', async () => {
    const v = await rejectedVersion();
    const other = await ctx.newCompany(admin.token);
    const stranger = await ctx.newCompanyMember(admin.token, other.slug, 'PUBLISHER');
    const legal = await ctx.newCompanyMember(admin.token, company.slug, 'LEGAL');
    for (const token of [stranger.token, legal.token, admin.token]) {
      const res = await download(v.id, token);
      expect(res.status).toBe(404);
      expect(res.json?.error).toMatchObject({ reason: 'DATASET_VERSION_NOT_FOUND' });
      expect(res.body.toString('utf8')).not.toContain('Canary');
      const del = await ctx.gql(DELETE, { id: v.id }, token);
      expect(del.errors?.[0]?.extensions).toMatchObject({
        code: 'NOT_FOUND',
        reason: 'DATASET_VERSION_NOT_FOUND',
      });
    }
    expect((await minio.statObject(company.bucket, v.objectKey)).size).toBe(REJECTED_CSV.length);
    expect(await actionsOn(v.id)).not.toEqual(expect.arrayContaining(['dataset.rejected_upload.downloaded']));
  });

  it('refuses both actions on a PUBLISHED version with CONFLICT naming its state', async () => {
    const { versionId, version } = await ctx.newPublishedDataset({
      token: publisher.token,
      companySlug: company.slug,
      rows: 20,
    });
    const res = await download(versionId, publisher.token);
    expect(res.status).toBe(409);
    expect(res.json?.error).toMatchObject({ reason: 'DATASET_VERSION_NOT_REJECTED' });
    expect(res.json?.error.message).toMatch(/PUBLISHED/);
    const del = await ctx.gql(DELETE, { id: versionId }, publisher.token);
    expect(del.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      reason: 'DATASET_VERSION_NOT_REJECTED',
    });
    expect(del.errors?.[0]?.message).toMatch(/PUBLISHED/);
    expect((await minio.statObject(company.bucket, version.objectKey)).size).toBeGreaterThan(0);
  });

  it('deletes the object from the bucket, marks the version, audits it, and refuses a second download or delete', async () => {
    const v = await rejectedVersion();
    const d = await ctx.gqlOk<{ deleteRejectedUpload: any }>(DELETE, { id: v.id }, publisher.token);
    expect(d.deleteRejectedUpload).toMatchObject({
      id: v.id,
      status: 'REJECTED',
      rejection: { code: 'DATASET_RAGGED_ROW' },
    });
    expect(d.deleteRejectedUpload.objectDeletedAt).toEqual(expect.any(String));
    await expect(minio.statObject(company.bucket, v.objectKey)).rejects.toMatchObject({ code: 'NotFound' });

    const again = await download(v.id, publisher.token);
    expect(again.status).toBe(409);
    expect(again.json?.error).toMatchObject({ reason: 'DATASET_REJECTED_UPLOAD_DELETED' });
    const twice = await ctx.gql(DELETE, { id: v.id }, publisher.token);
    expect(twice.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      reason: 'DATASET_REJECTED_UPLOAD_DELETED',
    });

    const q = await ctx.gqlOk<{ datasetVersion: any }>(
      `query($id: ID!) { datasetVersion(id: $id) { status objectDeletedAt } }`,
      { id: v.id },
      publisher.token,
    );
    expect(q.datasetVersion).toEqual({
      status: 'REJECTED',
      objectDeletedAt: d.deleteRejectedUpload.objectDeletedAt,
    });
  });

  it('lists both actions in the company’s audit entries, with ids and counts only', async () => {
    const v = await rejectedVersion();
    expect((await download(v.id, publisher.token)).status).toBe(200);
    await ctx.gqlOk(DELETE, { id: v.id }, publisher.token);
    expect(await actionsOn(v.id)).toEqual(
      expect.arrayContaining(['dataset.rejected_upload.downloaded', 'dataset.rejected_upload.deleted']),
    );
    const entries = await ctx.dataSource
      .getRepository(AuditEntryEntity)
      .find({ where: { companyId: company.id, subjectId: v.id } });
    const text = JSON.stringify(entries);
    expect(text).not.toContain('Canary');
    expect(text).not.toContain('010-');
    expect(text).not.toContain('people.csv');
  });
});
