// Adds lock entries for other platforms' optional native binaries that this project's npm
// registry does not serve (it answers 404 for e.g. @swc/core-darwin-arm64). `npm install` then
// leaves them out of package-lock.json, and `npm ci` refuses the lock as "out of sync". An entry
// with `optional`, `os`, `cpu` (and `libc`) is enough: npm never fetches a package for another
// platform. Run after `npm install` changes the lock: `node scripts/lock-platform-entries.js`.
const fs = require('fs');

const lockPath = require('path').join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
const pkgs = lock.packages;

const OS = ['darwin', 'win32', 'android', 'freebsd', 'openharmony', 'linux'];
const CPU = [
  ['arm64', 'arm64'],
  ['x64', 'x64'],
  ['ia32', 'ia32'],
  ['ppc64', 'ppc64'],
  ['s390x', 's390x'],
  ['loong64', 'loong64'],
  ['riscv64', 'riscv64'],
  ['arm-', 'arm'],
];

function platformOf(name) {
  const base = name.split('/').pop();
  const os = OS.find((o) => base.includes(`-${o}-`));
  const cpu = CPU.find(([needle]) => base.includes(`-${needle}`))?.[1];
  if (!os || !cpu) return null;
  const out = { os: [os], cpu: [cpu] };
  if (os === 'linux') out.libc = [base.includes('musl') ? 'musl' : 'glibc'];
  return out;
}

let added = 0;
for (const [key, entry] of Object.entries(pkgs)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const at = `node_modules/${dep}`;
    if (pkgs[at]) continue;
    const platform = platformOf(dep);
    if (!platform) continue; // not a platform binary: leave it to npm
    pkgs[at] = { version, ...(entry.dev ? { dev: true } : {}), optional: true, ...platform };
    added += 1;
    void key;
  }
}
const sorted = Object.fromEntries(
  Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
lock.packages = sorted;
fs.writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
console.log(`added ${added} platform entries to package-lock.json`);
