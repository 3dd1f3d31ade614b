import 'reflect-metadata';
import { ConfigError, loadConfig } from '@maxhub/config';

/**
 * The hub's tasks: work done through the hub's own feature services, in a process of its own.
 * The `maxhub` CLI starts this file (`node dist/apps/hub/src/tasks/main.js <task> [options as
 * JSON]`) for `admin bootstrap`, `demo seed` and `schema print`, so that apps/cli never imports
 * apps/hub (docs/adr/0008). Output, messages and exit codes are the CLI's own: the CLI passes
 * its standard streams through and exits with this process's code.
 */
const TASKS: Record<string, (options: Record<string, unknown>) => Promise<void>> = {
  'admin-bootstrap': async (o) => {
    const { adminBootstrapTask } = await import('./admin-bootstrap.task.js');
    await adminBootstrapTask(loadConfig(), o as { email: string; name: string; json?: boolean });
  },
  'demo-seed': async () => {
    const { demoSeedTask } = await import('./demo/demo-seed.task.js');
    await demoSeedTask(loadConfig());
  },
  'schema-print': async (o) => {
    const { schemaPrintTask } = await import('./schema-print.task.js');
    await schemaPrintTask(o);
  },
};

async function main(argv: string[]): Promise<void> {
  const [name, options = '{}'] = argv;
  const task = name === undefined ? undefined : TASKS[name];
  if (!task)
    throw new Error(`unknown hub task ${JSON.stringify(name)} (one of ${Object.keys(TASKS).join(', ')})`);
  await task(JSON.parse(options) as Record<string, unknown>);
}

// The same refusal format as apps/cli/src/main.ts: "maxhub: CODE: message", 78 for configuration.
main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`maxhub: configuration error: ${err.message}\n`);
    process.exit(78);
  }
  const e = err as { code?: string; safeMessage?: string; message?: string };
  process.stderr.write(
    `maxhub: ${e.code ? `${e.code}: ` : ''}${e.safeMessage ?? e.message ?? String(err)}\n`,
  );
  process.exit(1);
});
