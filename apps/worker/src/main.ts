import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from '@maxhub/config';
import { createLogger, PinoNestLogger } from '@maxhub/core';
import { WorkerModule } from './worker.module';

/** The worker process: validates published datasets (and later other long jobs) from the PostgreSQL queue. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`maxhub worker: configuration error: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  const logger = createLogger(config, 'worker');
  try {
    const app = await NestFactory.createApplicationContext(WorkerModule.register(config), {
      logger: new PinoNestLogger(logger),
    });
    app.enableShutdownHooks();
    logger.info({ concurrency: config.jobs.workerConcurrency }, 'worker ready');
  } catch (err) {
    logger.fatal({ err: { message: (err as Error).message } }, 'could not start');
    process.stderr.write(
      `maxhub worker: could not start: is PostgreSQL reachable and the database migrated? (${(err as Error).message})\n`,
    );
    process.exit(1);
  }
}

void main();
