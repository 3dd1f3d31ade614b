import { EventEmitter } from 'node:events';
import type { NextFunction, Request, Response } from 'express';
import pino from 'pino';
import { accessLog } from './configure-app';

/** A request and response as far as the middleware reads them. */
function exchange(url: string, headers: Record<string, string> = {}) {
  const req = { url, originalUrl: url, method: 'POST', headers } as unknown as Request & { id?: string };
  const sent: Record<string, string> = {};
  const res = Object.assign(new EventEmitter(), {
    statusCode: 200,
    writableFinished: true,
    sent,
    setHeader(name: string, value: string) {
      sent[name] = value;
    },
  });
  return { req, res };
}

function run(level: string, url: string, headers?: Record<string, string>, status = 200, finished = true) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  const { req, res } = exchange(url, headers);
  let nexts = 0;
  accessLog(logger)(req, res as unknown as Response, (() => void nexts++) as NextFunction);
  res.statusCode = status;
  res.writableFinished = finished;
  res.emit('close');
  return { lines, req, res, nexts };
}

describe('accessLog', () => {
  it('logs one line per request with id, method, path without the query string, status and time', () => {
    const { lines, req, res, nexts } = run('info', '/graphql?token=secret', {
      authorization: 'Bearer secret-token',
    });
    expect(nexts).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: req.id, method: 'POST', path: '/graphql' },
      res: { statusCode: 200 },
    });
    expect(typeof lines[0].responseTime).toBe('number');
    expect(res.sent['x-request-id']).toBe(req.id);
    expect(JSON.stringify(lines)).not.toContain('secret');
  });

  it("keeps a well-formed caller's request id and replaces a malformed one", () => {
    expect(run('info', '/graphql', { 'x-request-id': 'abc-12345678' }).req.id).toBe('abc-12345678');
    const bad = run('info', '/graphql', { 'x-request-id': 'no spaces <allowed>' }).req.id;
    expect(bad).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs server errors at error level and abandoned requests as aborted', () => {
    expect(run('info', '/graphql', {}, 500).lines[0]).toMatchObject({ level: 50, msg: 'request errored' });
    expect(run('info', '/graphql', {}, 200, false).lines[0]).toMatchObject({ msg: 'request aborted' });
  });

  it('does not log /health or anything below the configured level, but still sets the id', () => {
    const health = run('info', '/health');
    expect(health.lines).toEqual([]);
    expect(health.res.sent['x-request-id']).toBe(health.req.id);
    expect(run('warn', '/graphql').lines).toEqual([]);
  });
});
