/** Small helpers for tests and benchmarks that run the hub or the worker as child processes. */
import { readdirSync, readFileSync } from 'node:fs';
import * as net from 'node:net';

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `probe` every `everyMs` until it returns something other than undefined, or throws after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A process as /proc tells it (Linux). */
export interface ProcessStat {
  pid: number;
  ppid: number;
  name: string;
  /** CPU time so far, user + system, in ms. */
  cpuMs: number;
}

/** Every process's name, parent and CPU time from /proc (Linux; processes ending meanwhile are skipped). */
export function processes(): ProcessStat[] {
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  const out: ProcessStat[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const f = stat.slice(close + 2).split(' ');
      out.push({
        pid: Number(pid),
        ppid: Number(f[1]),
        name: stat.slice(stat.indexOf('(') + 1, close),
        cpuMs: (Number(f[11]) + Number(f[12])) * tick, // utime, stime
      });
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** A memory figure of a process from /proc/<pid>/status in KiB (0 when the process is gone). */
export function procStatusKiB(pid: number | 'self', field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
