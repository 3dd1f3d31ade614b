import { Command } from 'commander';
import { loadConfig } from '@maxhub/config';

/** The fictional demo alliance: three member companies and people in every role. */
export const DEMO = {
  operator: { email: 'ops@alliance.demo', name: 'Demo alliance operator' },
  companies: [
    { slug: 'hanbit-motors', name: 'Hanbit Motors', nameKo: '한빛모터스', brn: '1248100998' },
    { slug: 'daehan-shipbuilding', name: 'Daehan Shipbuilding', nameKo: '대한조선', brn: '2208162517' },
    { slug: 'nuri-robotics', name: 'Nuri Robotics', nameKo: '누리로보틱스', brn: '1078614075' },
  ],
  companyMembers: [
    {
      email: 'publisher@hanbit-motors.demo',
      name: 'Kim Min-jun (publisher)',
      company: 'hanbit-motors',
      role: 'PUBLISHER',
    },
    {
      email: 'legal@hanbit-motors.demo',
      name: 'Lee Seo-yeon (legal)',
      company: 'hanbit-motors',
      role: 'LEGAL',
    },
    {
      email: 'publisher@daehan-shipbuilding.demo',
      name: 'Park Ji-ho (publisher)',
      company: 'daehan-shipbuilding',
      role: 'PUBLISHER',
    },
    {
      email: 'legal@daehan-shipbuilding.demo',
      name: 'Choi Yu-na (legal)',
      company: 'daehan-shipbuilding',
      role: 'LEGAL',
    },
    {
      email: 'publisher@nuri-robotics.demo',
      name: 'Jung Do-yun (publisher)',
      company: 'nuri-robotics',
      role: 'PUBLISHER',
    },
    {
      email: 'legal@nuri-robotics.demo',
      name: 'Kang Ha-eun (legal)',
      company: 'nuri-robotics',
      role: 'LEGAL',
    },
  ],
  groupMembers: [
    { email: 'analyst@ai-factory.demo', name: 'Yoon Ji-woo (analyst)', group: 'ai-factory', role: 'ANALYST' },
    { email: 'legal@ai-factory.demo', name: 'Han Su-bin (legal)', group: 'ai-factory', role: 'LEGAL' },
    { email: 'analyst@humanoids.demo', name: 'Shin Ye-jin (analyst)', group: 'humanoids', role: 'ANALYST' },
    { email: 'legal@humanoids.demo', name: 'Oh Jun-seo (legal)', group: 'humanoids', role: 'LEGAL' },
    {
      email: 'analyst@autonomous-ships.demo',
      name: 'Seo Min-seo (analyst)',
      group: 'autonomous-ships',
      role: 'ANALYST',
    },
  ],
} as const;

/**
 * `maxhub demo seed`: creates the demo alliance when missing (idempotent) and issues a fresh
 * 7-day token for every demo person, printed as JSON lines {email, roles, token}.
 */
export function demoSeedCommand(): Command {
  return new Command('seed')
    .description('seed the fictional demo alliance (idempotent) and print fresh demo tokens as JSON lines')
    .action(async () => {
      const config = loadConfig();
      const { seedDemo } = await import('./demo-seed.js');
      const tokens = await seedDemo(config);
      // The demo grant's view must be READY before the hub starts answering the README's query.
      const { materializeDemoViews } = await import('./demo-views.js');
      for (const v of await materializeDemoViews(config)) {
        if (v.status !== 'READY') process.stderr.write(`maxhub: a demo view is ${v.status} (${v.errorCode ?? 'no code'})\n`);
      }
      for (const line of tokens) process.stdout.write(JSON.stringify(line) + '\n');
    });
}
