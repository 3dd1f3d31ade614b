import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';
import type { HubConfig } from '@maxhub/config';

/**
 * Structured JSON logs. Headers are never logged whole and credentials are redacted, because a
 * log line must never carry a token, a key or a data value.
 */
export function createLogger(config: Pick<HubConfig, 'logLevel'>, name = 'hub'): Logger {
  return pino({
    name,
    level: config.logLevel,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.token',
        '*.secretKey',
        '*.accessKey',
        '*.password',
      ],
      censor: '[redacted]',
    },
  });
}

/** Routes Nest's own log calls into pino. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace', message: unknown, context?: unknown) {
    const ctx = typeof context === 'string' ? { context } : {};
    if (message && typeof message === 'object') this.logger[level]({ ...ctx, ...message });
    else this.logger[level](ctx, String(message));
  }

  log(message: unknown, context?: string) {
    this.write('info', message, context);
  }
  error(message: unknown, trace?: string, context?: string) {
    this.write('error', message, context ?? trace);
  }
  warn(message: unknown, context?: string) {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string) {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string) {
    this.write('trace', message, context);
  }
}
