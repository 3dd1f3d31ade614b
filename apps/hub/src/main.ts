import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigError, loadConfig } from '@maxhub/config';
import { AppModule } from './app.module';
import { configureApp } from './configure-app';
import { createLogger, PinoNestLogger } from './common/logger';

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
  app.useBodyParser('json', { limit: '12mb' });
  configureApp(app, logger);
  await app.listen(config.http.port, config.http.host);
  logger.info({ url: `http://${config.http.host}:${config.http.port}/graphql` }, 'hub listening');
}

void main();
