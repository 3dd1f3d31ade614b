import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TestContext } from './support/test-context';

const ROOT = path.resolve(__dirname, '..');

/** A TCP proxy in front of PostgreSQL that the test can cut, to make the database vanish mid-run. */
async function startProxy(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function hubEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HUB_MASTER_SECRET: 'a'.repeat(64),
    HUB_CREDENTIALS_KEY: 'b'.repeat(64),
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '39999',
    ...extra,
  };
}

describe('failing closed when a neighbour is missing (e2e)', () => {
  it('answers SERVICE_UNAVAILABLE, and changes nothing, when PostgreSQL goes away mid-run', async () => {
    const db = new URL(process.env.MAXHUB_TEST_DATABASE_URL!);
    const proxy = await startProxy({ host: db.hostname, port: Number(db.port || 5432) });
    const viaProxy = new URL(db.toString());
    viaProxy.port = String(proxy.port);
    const ctx = await TestContext.create({ DATABASE_URL: viaProxy.toString() });
    try {
      const admin = await ctx.newUser({ admin: true });
      expect((await ctx.gqlOk(`{ me { person { isAdmin } } }`, {}, admin.token)).me.person.isAdmin).toBe(
        true,
      );
      await proxy.cut();
      const r = await ctx.gql(`{ me { person { isAdmin } } }`, {}, admin.token);
      expect(r.errors?.[0].extensions).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        reason: 'DATABASE_UNAVAILABLE',
      });
      expect(r.errors?.[0].message).toMatch(/database is unreachable/);
      const ready = await ctx.http.get('/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.postgres).toBe('unreachable');
    } finally {
      await ctx.close().catch(() => undefined);
    }
  });

  it('stops the hub at start with a sentence naming PostgreSQL when it is unreachable', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/apps/hub/src/main.js')], {
      env: hubEnv({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/maxhub' }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/could not start: is PostgreSQL reachable at 127\.0\.0\.1:1/);
  });

  it('stops the hub at start with a message naming a malformed variable', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/apps/hub/src/main.js')], {
      env: hubEnv({ MINIO_ENDPOINT: 'minio:9000' }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(78);
    expect(r.stderr).toContain('configuration error: MINIO_ENDPOINT is invalid');
  });

  it('tells what to install when there is neither a MinIO binary nor Go', () => {
    const r = spawnSync('bash', [path.join(ROOT, 'scripts/minio.sh'), 'path'], {
      env: { PATH: '/usr/bin:/bin', HOME: mkdtempSync(path.join(tmpdir(), 'nogo-')), GO_BIN: '' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no MinIO binary found and no Go toolchain to build one');
    expect(r.stderr).toContain('docker compose');
  });
});
