import 'reflect-metadata';
import cluster from 'node:cluster';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigError, loadConfig, type HubConfig } from '@maxhub/config';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { configureApp } from './configure-app';
import { createLogger, PinoNestLogger } from '@maxhub/core';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`maxhub: configuration error: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  const logger = createLogger(config);
  if (config.http.processes > 1 && cluster.isPrimary) {
    supervise(config, logger);
    return;
  }
  let app: NestExpressApplication;
  try {
    app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, logger), {
      logger: new PinoNestLogger(logger),
      bodyParser: false,
      // Report start-up failures ourselves (Nest would exit silently with code 1).
      abortOnError: false,
    });
  } catch (err) {
    const host = new URL(config.database.url).host;
    logger.fatal({ err: { message: (err as Error).message } }, 'could not start');
    process.stderr.write(
      `maxhub: could not start: is PostgreSQL reachable at ${host} and the database migrated? (${(err as Error).message})\n`,
    );
    process.exit(1);
  }
  configureApp(app, logger, config);
  await app.listen(config.http.port, config.http.host);
  logger.info({ url: `http://${config.http.host}:${config.http.port}/graphql` }, 'hub listening');
}

/**
 * HUB_PROCESSES > 1: this process only supervises; the hub runs in that many worker processes
 * sharing the port (node:cluster hands out connections). They share nothing in memory: grants,
 * CRLs, usage and the audit chain live in PostgreSQL, so any process may answer any request.
 * A worker that fails while starting stops them all with its exit code (a bad configuration
 * would fail in every one); a worker that dies later is replaced. SIGTERM/SIGINT stop the
 * workers gracefully, then this process.
 */
function supervise(config: HubConfig, logger: Logger): void {
  const n = config.http.processes;
  let stopping = false;
  let failure: number | undefined;
  let listening = 0;
  const started = new Set<number>();
  const fork = () => {
    const w = cluster.fork();
    w.on('listening', () => {
      started.add(w.id);
      if (++listening === n)
        logger.info(
          { url: `http://${config.http.host}:${config.http.port}/graphql`, processes: n },
          'hub listening',
        );
    });
  };
  cluster.on('exit', (w, code, signal) => {
    const remaining = () => Object.keys(cluster.workers ?? {}).length;
    if (!stopping && !started.has(w.id)) {
      logger.fatal({ code, signal }, 'a hub process could not start; stopping');
      stopping = true;
      failure = code || 1;
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
    }
    if (stopping) {
      if (remaining() === 0) process.exit(failure ?? 0);
      return;
    }
    logger.error({ code, signal }, 'a hub process died; starting another');
    started.delete(w.id);
    listening -= 1;
    setTimeout(fork, 1000).unref();
  });
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  for (let i = 0; i < n; i++) fork();
}

void main();
