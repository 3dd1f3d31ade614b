/**
 * The analysts of the slice benchmark, in their own process (as they would be on their own
 * machines): `clients` keep-alive connections, each sending `requests` slice queries back to
 * back (closed loop, no think time) or paced at a rate each, after one warm-up query. Prints one
 * JSON line of latencies.
 *
 * Argument: JSON { port, token, query, variables, clients, requests, expectRows, pacePerSecond? }.
 */
import * as http from 'node:http';
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
  const headers = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    authorization: `Bearer ${a.token}`,
  };
  let answered = 0;
  const ask = (agent: http.Agent): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: a.port, path: '/graphql', method: 'POST', agent, headers },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(parts).toString('utf8');
            const failed = (why: string) => reject(new Error(`slice failed: ${why}`));
            answered += 1;
            // Every answer is checked, but only the first and every 100th is parsed whole: these
            // analysts share the machine with the hub, and parsing 1,000-row pages would take
            // more CPU from it than the check is worth. An error answer never starts with data.
            if (res.statusCode !== 200 || !text.startsWith('{"data":{')) {
              const r = JSON.parse(text) as {
                errors?: Array<{ message: string; extensions?: { reason?: string } }>;
              };
              failed(r.errors?.[0]?.extensions?.reason ?? r.errors?.[0]?.message ?? `HTTP ${res.statusCode}`);
              return;
            }
            if (a.expectRows !== null) {
              // "rowsReturned" follows the rows; a key cannot occur unescaped inside a JSON string.
              const at = text.lastIndexOf('"rowsReturned":');
              const n = at < 0 ? NaN : parseInt(text.slice(at + '"rowsReturned":'.length), 10);
              if (n !== a.expectRows) {
                failed('a page came back short');
                return;
              }
              if (answered % 100 === 1) {
                const r = JSON.parse(text) as { data?: { slice: { rows: unknown[]; rowsReturned: number } } };
                if (r.data?.slice.rows.length !== a.expectRows || r.data.slice.rowsReturned !== n) {
                  failed('a page does not hold what it counts');
                  return;
                }
              }
            }
            resolve();
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const agents = Array.from({ length: a.clients }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  await Promise.all(agents.map((agent) => ask(agent))); // connect and warm
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  const interval = a.pacePerSecond ? 1000 / a.pacePerSecond : 0;
  await Promise.all(
    agents.map(async (agent, k) => {
      const offset = (interval * k) / a.clients;
      for (let i = 0; i < a.requests; i++) {
        if (interval > 0) {
          const due = started + offset + i * interval - performance.now();
          if (due > 0) await new Promise((r) => setTimeout(r, due));
        }
        const t = performance.now();
        await ask(agent);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  for (const agent of agents) agent.destroy();
  process.stdout.write(`${JSON.stringify({ latencies, wallMs, cpuMs: (used.user + used.system) / 1000 })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
