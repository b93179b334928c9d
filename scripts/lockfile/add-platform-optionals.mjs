#!/usr/bin/env node
// npm on these machines leaves other platforms' optional packages (chdb's macOS engine,
// rollup's and esbuild's per-OS binaries) out of package-lock.json, and `npm ci` then refuses
// the lock as out of sync. This adds the entries `npm ci --dry-run` reports missing, as
// optional packages for their own OS/CPU, which npm ci skips on Linux x64.
// Run after every `npm install`: node scripts/lockfile/add-platform-optionals.mjs
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

let report = '';
try {
  execFileSync('npm', ['ci', '--dry-run'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
} catch (err) {
  report = `${err.stdout ?? ''}${err.stderr ?? ''}`;
}
const missing = [...new Set([...report.matchAll(/Missing: (\S+?)@\S* from lock file/g)].map((m) => m[1]))];
if (missing.length === 0) {
  console.log('package-lock.json: nothing missing');
  process.exit(0);
}
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const specOf = (name) => {
  for (const meta of Object.values(lock.packages)) {
    const spec = meta.optionalDependencies?.[name] ?? meta.dependencies?.[name];
    if (spec) return spec.replace(/^[\^~]/, '');
  }
  throw new Error(`no parent declares ${name}`);
};
const OSES = ['darwin', 'linux', 'win32', 'freebsd', 'openbsd', 'netbsd', 'android', 'openharmony', 'sunos', 'aix'];
const CPUS = ['arm64', 'x64', 'ia32', 'arm', 'loong64', 'ppc64', 'riscv64', 's390x', 'mips64el'];
for (const name of missing) {
  const base = name.split('/').pop();
  const entry = { version: specOf(name), optional: true };
  const os = OSES.find((o) => base.includes(o));
  const cpu = CPUS.find((c) => new RegExp(`-${c}(-|$)`).test(base));
  if (os) entry.os = [os];
  if (cpu) entry.cpu = [cpu];
  if (base.includes('musl')) entry.libc = ['musl'];
  else if (base.includes('-gnu')) entry.libc = ['glibc'];
  lock.packages[`node_modules/${name}`] = entry;
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
writeFileSync('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
console.log(`package-lock.json: added ${missing.length} platform-specific optional packages`);
