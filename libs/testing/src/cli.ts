import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist/apps/cli/src/main.js');

/** Result of a CLI run. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `maxhub` CLI as a child process (the way users run it). Needs `npm run build`
 * first; `npm test` does that.
 */
export function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  input?: string,
): CliResult {
  if (!existsSync(CLI))
    throw new Error('dist/apps/cli/src/main.js is missing: run `npm run build` first (npm test does)');
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    input,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
