import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { freePort, processes, until } from '@maxhub/testing';
import { TestContext } from './support/test-context';

const ROOT = path.resolve(__dirname, '..');
const MAIN = path.join(ROOT, 'dist/apps/hub/src/main.js');

/** Child process ids of `pid`. */
function childrenOf(pid: number): number[] {
  return processes()
    .filter((p) => p.ppid === pid)
    .map((p) => p.pid);
}

describe('HUB_PROCESSES: several hub processes on one port (e2e, built hub)', () => {
  let ctx: TestContext;
  let hub: ChildProcess | undefined;
  const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: ctx.config.database.url,
    MINIO_ENDPOINT: ctx.config.minio.endpoint,
    MINIO_ACCESS_KEY: ctx.config.minio.accessKey,
    MINIO_SECRET_KEY: ctx.config.minio.secretKey,
    HUB_MASTER_SECRET: 'a'.repeat(64),
    HUB_CREDENTIALS_KEY: 'b'.repeat(64),
    ...extra,
  });

  beforeAll(async () => {
    ctx = await TestContext.create();
  });
  afterAll(async () => {
    if (hub?.exitCode === null) hub.kill('SIGKILL');
    await ctx.close();
  });

  it('answers from two processes, replaces one that dies, and stops them all on SIGTERM', async () => {
    const user = await ctx.newUser();
    const port = await freePort();
    hub = spawn(process.execPath, [MAIN], {
      env: env({ HUB_PROCESSES: '2', PORT: String(port) }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // What the hub said, shown if a step times out (it failed twice in long runs, never alone).
    let said = '';
    hub.stderr!.on('data', (c: Buffer) => (said = (said + c.toString()).slice(-8000)));
    const step = async <T>(work: Promise<T>): Promise<T> => {
      try {
        return await work;
      } catch (err) {
        throw new Error(`${(err as Error).message}\nthe hub's stderr (last 8 KB):\n${said}`);
      }
    };
    const exited = new Promise<number | null>((resolve) => hub!.on('exit', resolve));
    const pid = hub.pid!;
    const me = async (): Promise<string | undefined> => {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
          body: JSON.stringify({ query: '{ me { person { id } } }' }),
        });
        const body = (await r.json()) as { data?: { me: { person: { id: string } } } };
        return body.data?.me.person.id;
      } catch {
        return undefined;
      }
    };
    await step(until('the hub to answer', me, 120_000, 200));
    const first = await step(
      until('two hub processes', () => {
        const c = childrenOf(pid);
        return c.length === 2 ? c : undefined;
      }),
    );
    const answers = await Promise.all(Array.from({ length: 20 }, () => me()));
    expect(answers).toEqual(answers.map(() => user.userId));

    // A worker that dies is replaced; the hub keeps answering meanwhile.
    process.kill(first[0], 'SIGKILL');
    const replaced = await step(
      until('a replacement process', () => {
        const c = childrenOf(pid);
        return c.length === 2 && !c.includes(first[0]) ? c : undefined;
      }),
    );
    expect(replaced).toContain(first[1]);
    await step(
      until('the replacement to answer', async () => {
        const all = await Promise.all(Array.from({ length: 10 }, () => me()));
        return all.every((a) => a === user.userId) ? true : undefined;
      }),
    );

    hub.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(childrenOf(pid)).toEqual([]);
  }, 240_000);

  it('stops every process, with the first failure’s code and sentence, when they cannot start', () => {
    const r = spawnSync(process.execPath, [MAIN], {
      env: env({ HUB_PROCESSES: '2', PORT: '39998', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/maxhub' }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/could not start: is PostgreSQL reachable at 127\.0\.0\.1:1/);
  });
});
