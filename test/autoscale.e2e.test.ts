import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startVigil, tempDir, type VigilProcess } from './support/vigil-process.ts';
import { startWebhookReceiver } from './support/webhook-receiver.ts';

// The auto-scale example under real CPU load: the sustained-load rule over
// system.cpu.utilization fires, the hook starts one processor, and however long the load lasts
// (with a pause that may end and restart the incident) no second one is started. Shortened
// from the example's file to stay under a minute: rule interval 1s, window 10s, for 10s (the
// example: 15s, 1m, 2m), host metrics every second, load until the run + 5 s, a 10 s pause, 20 s more.
const EXAMPLE = join(import.meta.dirname, '../examples/autoscale');
const HOST = `autoscale-${process.pid}`;
let vigil: VigilProcess;
let humans: { url: string; received: any[]; server: Server };
const dirs: string[] = [];
const scaleDir = tempDir('autoscale-processors');
const burners: ChildProcess[] = [];

const processors = () => readdirSync(scaleDir).map((f) => JSON.parse(readFileSync(join(scaleDir, f), 'utf8')) as { pid: number; host: string });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function load(on: boolean) {
  if (!on) {
    for (const b of burners.splice(0)) b.kill('SIGKILL');
    return;
  }
  for (let i = 0; i < 2; i++) burners.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

beforeAll(async () => {
  humans = await startWebhookReceiver();
  const files = tempDir('autoscale-files');
  const dir = tempDir('autoscale');
  dirs.push(files, dir, scaleDir);
  const rules = readFileSync(join(EXAMPLE, 'rules.yaml'), 'utf8').replace('interval: 15s', 'interval: 1s').replace('window: 1m', 'window: 10s').replace('for: 2m', 'for: 10s');
  writeFileSync(join(files, 'rules.yaml'), rules);
  writeFileSync(join(files, 'notifications.yaml'), readFileSync(join(EXAMPLE, 'notifications.yaml'), 'utf8').replaceAll('http://127.0.0.1:7072/alerts', humans.url));
  process.env.SCALE_DIR = scaleDir; // the hook inherits it through env_allow
  vigil = await startVigil(dir, {
    log_level: 'warn',
    collector: { hostmetrics: { interval: '1s', host_name: HOST } },
    alerts: { rule_files: [join(files, 'rules.yaml')], notification_file: join(files, 'notifications.yaml') },
  });
}, 120_000);
afterAll(async () => {
  load(false);
  for (const p of (() => { try { return processors(); } catch { return []; } })()) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await vigil?.kill().catch(() => {});
  humans?.server.close();
  delete process.env.SCALE_DIR;
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const runs = async () => ((await (await fetch(`${vigil.api}/api/v1/hooks/runs?hook=scale-out`)).json()) as any).data as any[];

describe('auto-scale example under sustained CPU load', () => {
  it('starts exactly one processor; cooldown and max_runs keep it from looping', async () => {
    load(true);
    await eventually(async () => processors().length === 1, 45_000, 500);
    await eventually(async () => (await runs())[0]?.outcome !== 'running', 10_000, 200);
    const firstRun = (await runs())[0];
    expect(firstRun).toMatchObject({ outcome: 'ok', exitCode: 0, receiver: 'scale-out' });
    expect(firstRun.labels['host.name']).toBe(HOST);
    expect(firstRun.stdout).toMatch(/^started processor \d+ for autoscale-/);
    await sleep(5_000);
    load(false);
    await sleep(10_000); // on a quiet machine the incident resolves here; the next burst starts a new one
    load(true);
    await sleep(20_000);
    load(false);

    expect(processors()).toHaveLength(1);
    const all = await runs();
    process.stdout.write(`autoscale: hook decisions ${JSON.stringify(all.map((r) => [r.startsAt, r.outcome]))}\n`);
    expect(all.filter((r) => r.outcome === 'ok')).toHaveLength(1);
    // A second incident, if the pause ended the first, was recorded and skipped, not run.
    for (const r of all.filter((x) => x.outcome !== 'ok')) expect(r.outcome).toBe('skipped_cooldown');
    // The humans' notification says what the hook did.
    const told = humans.received.flatMap((b) => b.alerts).find((a: any) => a.labels['host.name'] === HOST);
    expect(told?.annotations.hook_outcome).toBe('scale-out: ok');
  }, 120_000);
});
