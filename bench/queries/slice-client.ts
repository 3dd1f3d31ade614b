/**
 * The analysts of the slice benchmark, in their own process (as they would be on their own
 * machines): `clients` keep-alive HTTP/1.1 connections (a minimal client on node:net, so that
 * the load generator takes as little as it can of the CPU it shares with the hub), each sending
 * `requests` slice queries back to back (closed loop, no think time) or paced at a rate each,
 * after one warm-up query. Prints one JSON line of latencies.
 *
 * Argument: JSON { port, token, query, variables, clients, requests, expectRows, pacePerSecond? }.
 */
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';

interface ClientArgs {
  port: number;
  token: string;
  query: string;
  variables: Record<string, unknown>;
  clients: number;
  requests: number;
  /** Rows every page must hold; null for a query that is not a slice (the framework floor). */
  expectRows: number | null;
  /**
   * Requests per second per analyst (paced: each one asks on its own schedule, staggered, and
   * at once when behind). Absent: closed loop, each asks again as soon as it has its answer.
   */
  pacePerSecond?: number;
}

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2] ?? '{}') as ClientArgs;
  const body = JSON.stringify({ query: a.query, variables: a.variables });
  let answered = 0;
  const DATA = Buffer.from('{"data":{');
  const COUNT = Buffer.from('"rowsReturned":');
  /** Checks one answer (status and body bytes); throws what is wrong with it. */
  const check = (status: number, body: Buffer): void => {
    answered += 1;
    // Every answer is checked, but on its bytes, and only the first and every 100th is decoded
    // and parsed whole: these analysts share the machine with the hub, and decoding 1,000-row
    // pages would take more CPU from it than the check is worth. An error answer never starts
    // with data.
    if (status !== 200 || body.compare(DATA, 0, DATA.length, 0, DATA.length) !== 0) {
      const r = JSON.parse(body.toString('utf8')) as {
        errors?: Array<{ message: string; extensions?: { reason?: string } }>;
      };
      throw new Error(
        `slice failed: ${r.errors?.[0]?.extensions?.reason ?? r.errors?.[0]?.message ?? `HTTP ${status}`}`,
      );
    }
    if (a.expectRows === null) return;
    // "rowsReturned" follows the rows; a key cannot occur unescaped inside a JSON string.
    const at = body.lastIndexOf(COUNT);
    const n = at < 0 ? NaN : parseInt(body.toString('latin1', at + COUNT.length, at + COUNT.length + 12), 10);
    if (n !== a.expectRows) throw new Error('slice failed: a page came back short');
    if (answered % 100 === 1) {
      const r = JSON.parse(body.toString('utf8')) as {
        data?: { slice: { rows: unknown[]; rowsReturned: number } };
      };
      if (r.data?.slice.rows.length !== a.expectRows || r.data.slice.rowsReturned !== n)
        throw new Error('slice failed: a page does not hold what it counts');
    }
  };
  const analysts = await Promise.all(
    Array.from({ length: a.clients }, () => Analyst.connect(a.port, request(a.port, a.token, body), check)),
  );
  await Promise.all(analysts.map((x) => x.ask())); // connect and warm
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  const interval = a.pacePerSecond ? 1000 / a.pacePerSecond : 0;
  await Promise.all(
    analysts.map(async (analyst, k) => {
      const offset = (interval * k) / a.clients;
      for (let i = 0; i < a.requests; i++) {
        if (interval > 0) {
          const due = started + offset + i * interval - performance.now();
          if (due > 0) await new Promise((r) => setTimeout(r, due));
        }
        const t = performance.now();
        await analyst.ask();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  for (const x of analysts) x.close();
  process.stdout.write(`${JSON.stringify({ latencies, wallMs, cpuMs: (used.user + used.system) / 1000 })}\n`);
}

/** The one request every analyst sends, as bytes (the same query each time). */
function request(port: number, token: string, body: string): Buffer {
  const payload = Buffer.from(body, 'utf8');
  const head =
    `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${payload.length}\r\nAuthorization: Bearer ${token}\r\nConnection: keep-alive\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), payload]);
}

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * One analyst: one keep-alive connection, one request at a time. Reads the status line and
 * Content-Length (the hub answers GraphQL with a length), then exactly that many body bytes.
 */
class Analyst {
  private parts: Buffer[] = [];
  private size = 0;
  private headLength = -1;
  private total = -1;
  private status = 0;
  private pending: { resolve: () => void; reject: (err: Error) => void } | null = null;

  private constructor(
    private readonly socket: net.Socket,
    private readonly bytes: Buffer,
    private readonly check: (status: number, body: Buffer) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.data(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('the hub closed the connection')));
  }

  static connect(
    port: number,
    bytes: Buffer,
    check: (status: number, body: Buffer) => void,
  ): Promise<Analyst> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.off('error', reject);
        resolve(new Analyst(socket, bytes, check));
      });
      socket.once('error', reject);
    });
  }

  ask(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(this.bytes);
    });
  }

  close(): void {
    this.pending = null;
    this.socket.destroy();
  }

  private data(chunk: Buffer): void {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.headLength < 0) {
      const all = this.parts.length === 1 ? chunk : Buffer.concat(this.parts);
      const end = all.indexOf(HEAD_END);
      if (end < 0) return;
      const head = all.toString('latin1', 0, end);
      this.status = parseInt(head.slice(9, 12), 10);
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (!length) return this.fail(new Error('the hub answered without a Content-Length'));
      this.headLength = end + 4;
      this.total = this.headLength + parseInt(length[1], 10);
    }
    if (this.size < this.total) return;
    const all = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
    const body = all.subarray(this.headLength, this.total);
    this.parts = [];
    this.size = 0;
    this.headLength = -1;
    this.total = -1;
    const p = this.pending;
    this.pending = null;
    try {
      this.check(this.status, body);
      p?.resolve();
    } catch (err) {
      p?.reject(err as Error);
    }
  }

  private fail(err: Error): void {
    const p = this.pending;
    this.pending = null;
    p?.reject(err);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
