import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { DatasetVersionEntity, UploadTicketEntity } from '@maxhub/db';
import { runCli, uniq } from '@maxhub/testing';
import { TestContext } from './support/test-context';

const ROOT = path.resolve(__dirname, '..');

/** Runs the built CLI without blocking the event loop (the hub answers in this process). */
function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/apps/cli/src/main.js'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('maxhub dataset publish and demo data (the built CLI as a child process)', () => {
  let ctx: TestContext;
  let hubUrl: string;
  let dir: string;
  let company: { slug: string };
  let publisher: { token: string };

  beforeAll(async () => {
    ctx = await TestContext.create();
    await ctx.startWorker();
    await ctx.app.listen(0, '127.0.0.1');
    hubUrl = `http://127.0.0.1:${(ctx.app.getHttpServer().address() as AddressInfo).port}`;
    dir = mkdtempSync(path.join(tmpdir(), 'maxhub-cli-'));
    const admin = await ctx.newUser({ admin: true });
    company = await ctx.newCompany(admin.token);
    publisher = await ctx.newCompanyMember(admin.token, company.slug, 'PUBLISHER');
  });
  afterAll(async () => {
    await ctx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('generates the same bytes for the same seed with demo data', () => {
    const a = path.join(dir, 'a.csv');
    const b = path.join(dir, 'b.csv');
    expect(
      runCli(['demo', 'data', '--kind', 'weld-line', '--rows', '200', '--seed', 's1', '--out', a]).status,
    ).toBe(0);
    expect(
      runCli(['demo', 'data', '--kind', 'weld-line', '--rows', '200', '--seed', 's1', '--out', b]).status,
    ).toBe(0);
    const out = runCli([
      'demo',
      'data',
      '--kind',
      'ship-block-inspection',
      '--rows',
      '3',
      '--format',
      'jsonl',
    ]);
    expect(out.stdout.trim().split('\n')).toHaveLength(3);
    expect(readFileSync(a)).toEqual(readFileSync(b));
  });

  it('publishes a CP949 CSV end to end and prints PUBLISHED with the row count', async () => {
    const file = path.join(dir, 'weld-line-3.csv');
    expect(
      runCli(['demo', 'data', '--rows', '5000', '--seed', 'cli', '--encoding', 'cp949', '--out', file])
        .status,
    ).toBe(0);
    const name = uniq('Weld line 3 sensor log');
    const r = await cli(
      [
        'dataset',
        'publish',
        file,
        '--company',
        company.slug,
        '--name',
        name,
        '--classify',
        'operator_id=DIRECT_IDENTIFIER',
        '--classify',
        'plant=QUASI_IDENTIFIER',
        '--encoding',
        'cp949',
        '--tag',
        'welding',
        '--progress',
      ],
      { MAXHUB_URL: hubUrl, MAXHUB_TOKEN: publisher.token, HOME: dir },
    );
    expect(r.stderr).toMatch(/uploaded [\d.]+ MiB/);
    expect(r.stderr).toMatch(/columns without a class got TRADE_SECRET: .*weld_current_a/);
    expect(r.stdout).toMatch(new RegExp(`PUBLISHED: ${name} v1, 5000 rows, SHA-256 [0-9a-f]{64}`));
    expect(r.status).toBe(0);
  });

  it('says which columns look like personal data: DIRECT_IDENTIFIER as proposed, or an override', async () => {
    const file = path.join(dir, 'people.csv');
    const names = ['김민수', '이영희', '박철수', '최지우', '정우성', '강동원', '조인성', '윤아름'];
    const inspectors = ['James Smith', 'Mary Johnson', 'Robert Brown', 'Linda Davis'];
    const lines = ['station,worker_name,mobile,inspector,amps'];
    for (let i = 0; i < 200; i++) {
      const mobile = `010-${String(1000 + i * 7)}-${String(2000 + i * 13)}`;
      lines.push(
        `ST-${i % 12},${names[i % 8]},${mobile},${inspectors[i % 4]},${(200 + (i % 40) / 4).toFixed(2)}`,
      );
    }
    writeFileSync(file, lines.join('\n') + '\n');
    const r = await cli(
      [
        'dataset',
        'publish',
        file,
        '--company',
        company.slug,
        '--name',
        uniq('people'),
        '--classify',
        'inspector=OTHER',
      ],
      { MAXHUB_URL: hubUrl, MAXHUB_TOKEN: publisher.token, HOME: dir },
    );
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(
      /look like personal data in the first rows are DIRECT_IDENTIFIER: worker_name \(KOREAN_NAME, 100% of 200 values\), mobile \(PHONE_NUMBER/,
    );
    expect(r.stderr).toMatch(
      /otherwise, recorded as overrides: inspector \(LATIN_NAME, 100% of 200 values\) as OTHER/,
    );
    expect(r.stdout).toMatch(
      /look like personal data over the whole object are DIRECT_IDENTIFIER: worker_name/,
    );
    expect(r.stdout + r.stderr).not.toContain('김민수');
  });

  it('prints the rejection line and reason and exits 2', async () => {
    const file = path.join(dir, 'ragged.csv');
    writeFileSync(file, 'a,b,c\n1,2,3\n4,5\n');
    const r = await cli(['dataset', 'publish', file, '--company', company.slug, '--name', uniq('ragged')], {
      MAXHUB_URL: hubUrl,
      MAXHUB_TOKEN: publisher.token,
      HOME: dir,
    });
    expect(r.stdout).toMatch(/REJECTED at line 3: DATASET_RAGGED_ROW/);
    expect(r.stdout).toContain(`${hubUrl}/datasets/versions/`);
    expect(r.stdout).toMatch(/\/datasets\/versions\/[0-9a-f-]{36}\/rejected-upload/);
    expect(r.stdout).toMatch(/deleteRejectedUpload\(versionId: "[0-9a-f-]{36}"\)/);
    expect(r.status).toBe(2);
  });

  it('refuses an empty file as DATASET_EMPTY_FILE, saying it is empty', async () => {
    const file = path.join(dir, 'empty.csv');
    writeFileSync(file, '');
    const r = await cli(['dataset', 'publish', file, '--company', company.slug, '--name', uniq('empty')], {
      MAXHUB_URL: hubUrl,
      MAXHUB_TOKEN: publisher.token,
      HOME: dir,
    });
    expect(r.stderr).toMatch(/DATASET_EMPTY_FILE/);
    expect(r.stderr).toMatch(/the file is empty/);
    expect(r.stderr).not.toMatch(/MiB/);
    expect(r.status).not.toBe(0);
  });

  it('resumes an interrupted multipart upload on the next run', async () => {
    const file = path.join(dir, 'big.jsonl');
    expect(
      runCli(['demo', 'data', '--rows', '60000', '--format', 'jsonl', '--seed', 'big', '--out', file]).status,
    ).toBe(0);
    const args = [
      'dataset',
      'publish',
      file,
      '--company',
      company.slug,
      '--name',
      uniq('big'),
      '--part-size',
      '5',
      '--parallel',
      '2',
    ];
    const env = { MAXHUB_URL: hubUrl, MAXHUB_TOKEN: publisher.token, HOME: dir };
    const first = await cli([...args, '--max-parts', '1'], env);
    expect(first.status).toBe(3);
    expect(first.stderr).toMatch(/run the same command again to resume/);
    const second = await cli(args, env);
    expect(second.stderr).toMatch(/resuming the upload: 1 of \d+ parts/);
    expect(second.stdout).toMatch(/PUBLISHED: .* 60000 rows/);
    expect(second.status).toBe(0);
    const tickets = await ctx.dataSource.getRepository(UploadTicketEntity).findBy({ fileName: 'big.jsonl' });
    expect(tickets).toHaveLength(1);
    const v = await ctx.dataSource
      .getRepository(DatasetVersionEntity)
      .findOneByOrFail({ id: tickets[0].versionId! });
    expect(v.status).toBe('PUBLISHED');
  });

  it('refuses without a token, naming what to do', () => {
    const r = runCli(['dataset', 'publish', 'x.csv', '--company', 'c', '--name', 'n'], {
      MAXHUB_URL: hubUrl,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/MAXHUB_TOKEN/);
  });
});
