// The house rule on file length (STYLE.md, issue 11): a source file under apps/ or libs/ longer
// than 600 lines says why within its first 40 lines, in a comment line starting "Why so long:".
// Test files (*.spec.ts, *.int-spec.ts, *.e2e-spec.ts) and test data are exempt. Exits 1 and
// names each file that breaks the rule.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const LIMIT = 600;
const root = new URL('..', import.meta.url).pathname;
const skip = new Set(['node_modules', 'dist', 'test-data', 'test-vectors']);

function* sources(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (/\.(ts|mjs|js)$/.test(e.name) && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(e.name)) yield p;
  }
}

const offenders = [];
for (const top of ['apps', 'libs']) {
  for (const file of sources(join(root, top))) {
    const lines = readFileSync(file, 'utf8').split('\n');
    if (lines.length <= LIMIT) continue;
    const head = lines.slice(0, 40);
    if (!head.some((l) => /^\s*(\/\/|\*|\/\*\*?)\s*Why so long:\s*\S/.test(l))) {
      offenders.push(`${relative(root, file)} (${lines.length} lines)`);
    }
  }
}
if (offenders.length) {
  console.error(
    `Over ${LIMIT} lines with no "Why so long:" line in the first 40: split the file, or say why it is one.`,
  );
  for (const o of offenders) console.error(`  ${o}`);
  process.exit(1);
}
console.log(`file length: every source file is at most ${LIMIT} lines or says why`);
