import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/vigil-process.ts';

// `vigil hooks list|test` as users run them, on the example files and on a command hook whose
// sample alert carries shell metacharacters.
const ROOT = resolve(import.meta.dirname, '..');
const dir = tempDir('hooks-cli');
const out = join(dir, 'runs.jsonl');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const vigil = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/vigil.js'), 'hooks', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

writeFileSync(
  join(dir, 'notifications.yaml'),
  JSON.stringify({
    route: { receiver: 'r' },
    receivers: [{ name: 'r', hook_configs: [{ name: 'record', command: [process.execPath, join(ROOT, 'alerts/notify/hook/testdata/record-run.mjs'), out, 'ok', '{{ $labels.host }}'] }] }],
  }),
);
writeFileSync(join(dir, 'alert.json'), JSON.stringify({ labels: { alertname: 'PrimaryDown', host: 'x; rm -rf / $(id)' }, startsAt: '2026-11-30T12:00:00Z' }));

describe('vigil hooks', () => {
  it('list shows each hook with its safety settings', () => {
    const r = vigil('list', '--notifications', 'examples/failover/notifications.yaml');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('promote-standby  (receiver failover)');
    expect(r.stdout).toContain('cooldown 10m, max_runs 20/60m, max_concurrent 1, storm_guard >5 firing');
  });

  it('test is a dry run by default: it shows the literal argv and runs nothing; --run runs it once', () => {
    const dry = vigil('test', 'record', '--notifications', join(dir, 'notifications.yaml'), '--alert', join(dir, 'alert.json'));
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain('dry run: nothing is run');
    expect(dry.stdout).toContain('"x; rm -rf / $(id)"]');
    expect(existsSync(out)).toBe(false);

    const run = vigil('test', 'record', '--notifications', join(dir, 'notifications.yaml'), '--alert', join(dir, 'alert.json'), '--run');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('result ok (exit 0)');
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0].argv).toEqual([out, 'ok', 'x; rm -rf / $(id)']);
    expect(lines[0].env.VIGIL_HOOK_DRY_RUN).toBe('0');
  });

  it('unknown hooks, unreadable alerts and invalid config fail with a clear message', () => {
    const unknown = vigil('test', 'nope', '--notifications', join(dir, 'notifications.yaml'), '--alert', join(dir, 'alert.json'));
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('no hook named "nope"');
    const badAlert = vigil('test', 'record', '--notifications', join(dir, 'notifications.yaml'), '--alert', join(dir, 'missing.json'));
    expect(badAlert.status).toBe(1);
    expect(badAlert.stderr).toContain('--alert');
    writeFileSync(join(dir, 'bad.yaml'), JSON.stringify({ route: { receiver: 'r' }, receivers: [{ name: 'r', hook_configs: [{ command: ['x'], http: { url: 'http://a' } }] }] }));
    const bad = vigil('list', '--notifications', join(dir, 'bad.yaml'));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('receivers[0].hook_configs[0].command: a hook needs exactly one of command or http');
  });
});
