import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The hub's task runner in the build (dist/apps/hub/src/tasks/main.js). A path, not an import:
 * apps/cli never imports apps/hub (docs/adr/0008), it starts the hub's code as a process, the
 * way scripts/start.sh starts the hub itself.
 */
const HUB_TASKS = path.resolve(__dirname, '../../../hub/src/tasks/main.js');

/**
 * Runs a task of the hub (`admin-bootstrap`, `demo-seed`, `schema-print`) in a child process
 * with this process's environment, working directory and standard streams, and exits with its
 * code when it fails (it has printed its own "maxhub: …" message by then).
 */
export async function runHubTask(task: string, options: Record<string, unknown> = {}): Promise<void> {
  if (!existsSync(HUB_TASKS))
    throw new Error(`${HUB_TASKS} is missing: the hub's tasks run from the build (npm run build)`);
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, [HUB_TASKS, task, JSON.stringify(options)], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0)));
  });
  if (code !== 0) process.exit(code);
}
