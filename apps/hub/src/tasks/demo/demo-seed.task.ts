import type { HubConfig } from '@maxhub/config';

/**
 * `maxhub demo seed`: creates the demo alliance when missing (idempotent) and issues a fresh
 * 7-day token for every demo person, printed as JSON lines {email, roles, token}.
 */
export async function demoSeedTask(config: HubConfig): Promise<void> {
  const { seedDemo } = await import('./demo-seed.js');
  const tokens = await seedDemo(config);
  // The signed demo grant (hanbit-motors → ai-factory): before the views, which need it ACTIVE.
  const { seedDemoGrant } = await import('./demo-grant.js');
  const grant = await seedDemoGrant(config);
  process.stderr.write(`maxhub: ${grant.status === 'ACTIVE' ? '' : 'note: '}${grant.note}\n`);
  // The demo grant's view must be READY before the hub starts answering the README's query.
  const { materializeDemoViews } = await import('./demo-views.js');
  for (const v of await materializeDemoViews(config)) {
    if (v.status !== 'READY')
      process.stderr.write(`maxhub: a demo view is ${v.status} (${v.errorCode ?? 'no code'})\n`);
  }
  for (const line of tokens) process.stdout.write(JSON.stringify(line) + '\n');
}
