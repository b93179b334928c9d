import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../core/clock/index.ts';
import { ChdbStore, migrate } from '../../../core/store/index.ts';
import { silentLogger } from '../../../core/telemetry/index.ts';
import { notificationConfigSchema } from '../../dispatch/notification-config.ts';
import { createNotificationPipeline } from '../../dispatch/notification-pipeline.ts';
import type { AlertTransition } from '../../engine/alert-instance.ts';
import { fingerprint } from '../../engine/fingerprint.ts';
import { readHookRuns } from './hook-ledger.ts';

// The hook stages as a timeline: real dispatcher, real chDB ledger, real child processes and a
// real HTTP server; only the clock is fake.
const dir = mkdtempSync(join(tmpdir(), 'vigil-hook-'));
const store = new ChdbStore({ path: join(dir, 'store') });
const S = 1000;
const M = 60 * S;
const T0 = 1_800_000_000_000;
const clock = new FakeClock(T0);
const SCRIPT = join(import.meta.dirname, 'testdata/record-run.mjs');
let out = '';
let runs = 0;
let server: Server;
let url = '';
let webhookBodies: any[] = [];
let httpCalls: Array<{ body: string; signature?: string; timestamp?: string; key?: string }> = [];

beforeAll(async () => {
  await store.start();
  await migrate(store, { database: 'default', ttlDays: 30 });
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      if (req.url === '/promote') {
        httpCalls.push({ body: raw, signature: req.headers['x-vigil-signature'] as string, timestamp: req.headers['x-vigil-timestamp'] as string, key: req.headers['idempotency-key'] as string });
        res.writeHead(req.headers['x-fail'] ? 500 : 200).end('promoted');
      } else {
        webhookBodies.push(JSON.parse(raw));
        res.writeHead(200).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await store.shutdown();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  out = join(dir, `runs-${++runs}.jsonl`);
  webhookBodies = [];
  httpCalls = [];
  clock.set(T0);
  for (const t of ['vigil_notifications', 'vigil_hook_runs']) await store.exec(`TRUNCATE TABLE ${t}`);
});

const started = () => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.phase === 'start') : []);

function pipeline(hook: Record<string, unknown>, extra: { webhook?: boolean; repeat?: string } = {}) {
  const config = notificationConfigSchema.parse({
    route: { receiver: 'failover', group_by: ['...'], group_wait: '0s', group_interval: '1s', repeat_interval: extra.repeat ?? '1m' },
    receivers: [
      {
        name: 'failover',
        hook_configs: [{ name: 'promote', command: [process.execPath, SCRIPT, out, 'ok', '{{ $labels.host }}'], cooldown: '10m', ...hook }],
        webhook_configs: extra.webhook ? [{ url: `${url}/human` }] : [],
      },
    ],
  });
  return createNotificationPipeline(config, store, clock, silentLogger);
}

const alert = (labels: Record<string, string>, opts: { to?: 'firing' | 'resolved'; startsAt?: number } = {}): AlertTransition => {
  const all = { alertname: 'PrimaryDown', ...labels };
  const to = opts.to ?? 'firing';
  const startsAt = opts.startsAt ?? clock.now();
  return {
    at: clock.now(), rule: all.alertname, group: 'g', fingerprint: fingerprint(all), labels: all, annotations: { summary: 'primary is silent' },
    from: to === 'firing' ? 'pending' : 'firing', to, value: 1, activeAt: startsAt, firedAt: startsAt, resolvedAt: to === 'resolved' ? clock.now() : undefined,
  };
};

async function step(d: { tick(): Promise<void> }, ms: number) {
  for (let t = 0; t < ms; t += S) {
    clock.advance(S);
    await d.tick();
  }
}

const outcomes = async () => (await readHookRuns(store)).map((r) => r.outcome).sort();

describe('exactly once per incident', () => {
  it('runs once per incident; repeats, re-sends and a restart do not run it again; cooldown skips the next incident', async () => {
    const first = pipeline({});
    const incident = alert({ host: 'db-1' });
    await first.dispatcher.notify([incident]);
    await step(first.dispatcher, 2 * S);
    expect(started()).toHaveLength(1);
    await step(first.dispatcher, 3 * M); // repeat_interval re-sends the group: the hook sees the same incident
    expect(started()).toHaveLength(1);

    // A restart: a new pipeline on the same store, the engine hands the same firing alert back.
    const second = pipeline({});
    await second.dispatcher.notify([{ ...incident, from: 'firing' }]);
    await step(second.dispatcher, 5 * S);
    expect(started()).toHaveLength(1);

    // A new incident of the same alert within the cooldown is skipped, and recorded as such.
    await second.dispatcher.notify([alert({ host: 'db-1' }, { to: 'resolved', startsAt: incident.firedAt })]);
    await step(second.dispatcher, 2 * S);
    clock.advance(M);
    await second.dispatcher.notify([alert({ host: 'db-1' })]);
    await step(second.dispatcher, 2 * S);
    expect(started()).toHaveLength(1);
    expect(await outcomes()).toEqual(['ok', 'skipped_cooldown']);

    // After the cooldown, the next incident runs.
    clock.advance(10 * M);
    await second.dispatcher.notify([alert({ host: 'db-1' }, { to: 'resolved' })]);
    await step(second.dispatcher, 2 * S);
    await second.dispatcher.notify([alert({ host: 'db-1' })]);
    await step(second.dispatcher, 2 * S);
    expect(started()).toHaveLength(2);
    const rows = await readHookRuns(store, { hook: 'promote' });
    expect(rows[0]).toMatchObject({ outcome: 'ok', exitCode: 0, stdout: 'promoted\n', hook: 'promote', receiver: 'failover', attempt: 1, status: 'firing' });
    expect(rows[0]!.labels).toMatchObject({ host: 'db-1', alertname: 'PrimaryDown' });
    expect(rows[0]!.ended).toBeGreaterThanOrEqual(rows[0]!.started);
  });

  it('a run in flight when the process died is reported unknown and never repeated', async () => {
    const first = pipeline({});
    const incident = alert({ host: 'db-2' });
    // What a crash between "record written" and "outcome written" leaves behind.
    const ledger = first.hookLedger;
    await ledger.load(clock.now());
    await ledger.write({
      key: `promote|${incident.fingerprint}|${new Date(incident.firedAt!).toISOString()}`, hook: 'promote', receiver: 'failover', fingerprint: incident.fingerprint,
      status: 'firing', labels: incident.labels, startsAt: incident.firedAt!, started: clock.now(), ended: 0, outcome: 'running', exitCode: -1,
      stdout: '', stderr: '', error: '', attempt: 1, instance: 'dead-host:1',
    });
    clock.advance(5 * S);
    const second = pipeline({}, { webhook: true });
    await second.dispatcher.notify([{ ...incident, from: 'firing' }]);
    await step(second.dispatcher, 5 * S);
    expect(started()).toHaveLength(0);
    const [row] = await readHookRuns(store);
    expect(row).toMatchObject({ outcome: 'unknown', instance: 'dead-host:1' });
    expect(row!.error).toContain('not repeated');
  });

  // The notification log knows a group's fingerprints, not its incidents: within repeat_interval
  // a new incident of the same alert looked already sent, and never reached the hook.
  it('a new incident of the same alert reaches the hook within repeat_interval: it fired again after resolving', async () => {
    const p = pipeline({}, { repeat: '4h' });
    const first = alert({ host: 'db-4' });
    await p.dispatcher.notify([first]);
    await step(p.dispatcher, 2 * S);
    await p.dispatcher.notify([alert({ host: 'db-4' }, { to: 'resolved', startsAt: first.firedAt })]);
    await step(p.dispatcher, 2 * S);
    clock.advance(30 * M); // past the 10 m cooldown, well within the 4 h repeat_interval
    await p.dispatcher.notify([alert({ host: 'db-4' })]);
    await step(p.dispatcher, 2 * S);
    expect(started()).toHaveLength(2);
    expect(await outcomes()).toEqual(['ok', 'ok']);
  });

  it('a new HA leader that re-detects a taken incident records it as taken (skipped_cooldown), though the notification log says sent', async () => {
    // The old leader ran the hook; its ledger records and notification log entries reached the
    // store the new leader reads (with embedded stores, through Kafka: the same entries).
    const old = pipeline({}, { repeat: '1h' });
    const incident = alert({ host: 'db-5' });
    await old.dispatcher.notify([incident]);
    await step(old.dispatcher, 2 * S);
    expect(started()).toHaveLength(1);
    clock.advance(8 * S);
    // The new leader evaluates afresh: the same alert (same fingerprint, same group), a new startsAt.
    const successor = pipeline({}, { repeat: '1h' });
    await successor.dispatcher.log.load();
    await successor.dispatcher.notify([alert({ host: 'db-5' })]);
    await step(successor.dispatcher, 3 * S);
    expect(started()).toHaveLength(1);
    expect(await outcomes()).toEqual(['ok', 'skipped_cooldown']);
  });

  it('resolved hooks are keyed apart and run once on resolution', async () => {
    const p = pipeline({ on: ['firing', 'resolved'] });
    const incident = alert({ host: 'db-3' });
    await p.dispatcher.notify([incident]);
    await step(p.dispatcher, 2 * S);
    await p.dispatcher.notify([alert({ host: 'db-3' }, { to: 'resolved', startsAt: incident.firedAt })]);
    await step(p.dispatcher, 3 * S);
    const runs = started();
    expect(runs.map((r) => r.env.VIGIL_ALERT_STATUS)).toEqual(['firing', 'resolved']);
    expect(new Set((await readHookRuns(store)).map((r) => r.key)).size).toBe(2);
  });
});

describe('guards', () => {
  it('max_runs caps runs across alerts within the window', async () => {
    const p = pipeline({ max_runs: { count: 2, per: '1h' } });
    for (const host of ['a', 'b', 'c']) {
      await p.dispatcher.notify([alert({ host })]);
      await step(p.dispatcher, 2 * S);
    }
    expect(started()).toHaveLength(2);
    expect(await outcomes()).toEqual(['ok', 'ok', 'skipped_rate']);
    clock.advance(61 * M);
    await p.dispatcher.notify([alert({ host: 'd' })]);
    await step(p.dispatcher, 2 * S);
    expect(started()).toHaveLength(3);
  });

  it('storm guard: more firing alerts than max_firing runs none, and the notification says so', async () => {
    const p = pipeline({ storm_guard: { max_firing: 2 } }, { webhook: true });
    await p.dispatcher.notify(['a', 'b', 'c'].map((host) => alert({ host })));
    await step(p.dispatcher, 2 * S);
    expect(started()).toHaveLength(0);
    expect(await outcomes()).toEqual(['skipped_storm', 'skipped_storm', 'skipped_storm']);
    expect(webhookBodies).toHaveLength(3);
    for (const body of webhookBodies) expect(body.alerts[0].annotations.hook_outcome).toMatch(/^promote: skipped_storm \(3 firing alerts/);
  });

  it('resolved alerts leave the storm count, though a firing-only hook never sees them resolve', async () => {
    const p = pipeline({ storm_guard: { max_firing: 1 } });
    for (const host of ['a', 'b', 'c']) {
      const firing = alert({ host });
      await p.dispatcher.notify([firing]);
      await step(p.dispatcher, 2 * S);
      await p.dispatcher.notify([alert({ host }, { to: 'resolved', startsAt: firing.firedAt })]);
      await step(p.dispatcher, 2 * S);
    }
    expect(await outcomes()).toEqual(['ok', 'ok', 'ok']);
  });

  it('max_concurrent: runs never overlap beyond the cap', async () => {
    const config = notificationConfigSchema.parse({
      route: { receiver: 'failover', group_by: ['alertname'], group_wait: '0s', group_interval: '1s', repeat_interval: '1m' },
      receivers: [{ name: 'failover', hook_configs: [{ name: 'slow', command: [process.execPath, SCRIPT, out, 'slow'], max_concurrent: 1 }] }],
    });
    const p = createNotificationPipeline(config, store, clock, silentLogger);
    await p.dispatcher.notify(['a', 'b', 'c'].map((host) => alert({ host })));
    await step(p.dispatcher, S);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.phase)).toEqual(['start', 'end', 'start', 'end', 'start', 'end']);
  });

  it('dry run records what would run and runs nothing', async () => {
    const p = pipeline({ dry_run: true });
    await p.dispatcher.notify([alert({ host: 'db-9' })]);
    await step(p.dispatcher, 2 * S);
    expect(started()).toHaveLength(0);
    const [row] = await readHookRuns(store);
    expect(row!.outcome).toBe('dry_run');
    expect(row!.stdout).toContain('"db-9"');
  });
});

describe('the action', () => {
  it('label values reach the program as single literal argv elements; alert as VIGIL_ALERT_* and v4 JSON on stdin; only env_allow inherited', async () => {
    process.env.VIGIL_TEST_SECRET = 'do-not-leak';
    const p = pipeline({ command: [process.execPath, SCRIPT, out, 'ok', '--node', '{{ $labels.host }}', 'pre-{{ $labels.evil }}'], env_allow: ['PATH'] });
    const evil = '$(id)';
    await p.dispatcher.notify([alert({ host: 'x; rm -rf /', evil })]);
    await step(p.dispatcher, 2 * S);
    const [run] = started();
    expect(run.argv).toEqual([out, 'ok', '--node', 'x; rm -rf /', 'pre-$(id)']);
    expect(run.env.VIGIL_ALERT_LABEL_HOST).toBe('x; rm -rf /');
    expect(run.env.VIGIL_ALERT_LABEL_EVIL).toBe('$(id)');
    expect(run.env.VIGIL_ALERT_NAME).toBe('PrimaryDown');
    expect(run.env.VIGIL_ALERT_STATUS).toBe('firing');
    expect(run.env.PATH).toBe(process.env.PATH);
    expect(run.env.VIGIL_TEST_SECRET).toBeUndefined();
    expect(Object.keys(run.env).filter((k) => !k.startsWith('VIGIL_') && k !== 'PATH')).toEqual([]);
    const payload = JSON.parse(run.stdin);
    expect(payload).toMatchObject({ version: '4', status: 'firing', receiver: 'failover' });
    expect(payload.alerts).toHaveLength(1);
    expect(payload.alerts[0].labels.host).toBe('x; rm -rf /');
    delete process.env.VIGIL_TEST_SECRET;
  });

  it('a failed run escalates: the receiver\'s webhook carries hook_outcome with the exit code; stderr is audited', async () => {
    const p = pipeline({ command: [process.execPath, SCRIPT, out, 'fail'] }, { webhook: true });
    await p.dispatcher.notify([alert({ host: 'db-4' })]);
    await step(p.dispatcher, 2 * S);
    expect(webhookBodies[0].alerts[0].annotations.hook_outcome).toBe('promote: failed (exit code 3)');
    const [row] = await readHookRuns(store);
    expect(row).toMatchObject({ outcome: 'failed', exitCode: 3, stderr: 'promotion failed: replica is lagging\n' });
  });

  it('a hanging run is killed at the timeout and escalated', async () => {
    const p = pipeline({ command: [process.execPath, SCRIPT, out, 'hang'], timeout: '500ms' }, { webhook: true });
    const t = Date.now();
    await p.dispatcher.notify([alert({ host: 'db-5' })]);
    await step(p.dispatcher, 2 * S);
    expect(Date.now() - t).toBeLessThan(10_000);
    expect(webhookBodies[0].alerts[0].annotations.hook_outcome).toBe('promote: timeout (killed after 500 ms)');
    expect((await readHookRuns(store))[0]!.outcome).toBe('timeout');
  });

  it('stdout and stderr are kept up to max_output_bytes (the tail)', async () => {
    const p = pipeline({ command: [process.execPath, SCRIPT, out, 'noisy'], max_output_bytes: 100 });
    await p.dispatcher.notify([alert({ host: 'db-6' })]);
    await step(p.dispatcher, 2 * S);
    const [row] = await readHookRuns(store);
    expect(row!.outcome).toBe('ok');
    expect(row!.stdout).toMatch(/^\[… 99903 bytes dropped\]\nx+END$/);
    expect(row!.stdout.split('\n')[1]).toHaveLength(100);
  });

  it('a missing program is a failed run, not a crash', async () => {
    const p = pipeline({ command: ['/nonexistent/promote.sh'] }, { webhook: true });
    await p.dispatcher.notify([alert({ host: 'db-7' })]);
    await step(p.dispatcher, 2 * S);
    const [row] = await readHookRuns(store);
    expect(row!.outcome).toBe('failed');
    expect(row!.error).toContain('ENOENT');
    expect(webhookBodies).toHaveLength(1);
  });

  it('HTTP hooks: v4 JSON body, HMAC signature, idempotency key header; a 500 is a failure, never retried', async () => {
    const p = pipeline({ command: undefined, http: { url: `${url}/promote`, hmac_secret: 'k' } });
    await p.dispatcher.notify([alert({ host: 'db-8' })]);
    await step(p.dispatcher, 2 * S);
    expect(httpCalls).toHaveLength(1);
    const call = httpCalls[0]!;
    expect(call.signature).toBe(`sha256=${createHmac('sha256', 'k').update(`${call.timestamp}.${call.body}`).digest('hex')}`);
    expect(JSON.parse(call.body).alerts[0].labels.host).toBe('db-8');
    expect(call.key).toMatch(/^promote\|[0-9a-f]{16}\|/);
    expect((await readHookRuns(store))[0]).toMatchObject({ outcome: 'ok', exitCode: 200, stdout: 'promoted' });

    const failing = pipeline({ command: undefined, name: 'promote', http: { url: `${url}/promote`, headers: { 'X-Fail': '1' } } });
    await failing.dispatcher.notify([alert({ host: 'db-10' })]);
    await step(failing.dispatcher, 3 * S);
    expect(httpCalls).toHaveLength(2);
    expect((await readHookRuns(store, { limit: 1 }))[0]).toMatchObject({ outcome: 'failed', exitCode: 500 });
  });
});

describe('config', () => {
  const parse = (hook: Record<string, unknown>) => notificationConfigSchema.safeParse({ route: { receiver: 'r' }, receivers: [{ name: 'r', hook_configs: [hook] }] });
  it.each([
    [{}, 'receivers.0.hook_configs.0.command', 'exactly one of command or http'],
    [{ command: ['x'], http: { url: 'http://a' } }, 'receivers.0.hook_configs.0.command', 'exactly one'],
    [{ command: ['x', '{{ $value }}'] }, 'receivers.0.hook_configs.0.command.1', '$labels only'],
    [{ command: ['x', '{{ .Labels }}'] }, 'receivers.0.hook_configs.0.command.1', 'unsupported'],
    [{ command: ['x'], env_allow: ['A=B'] }, 'receivers.0.hook_configs.0.env_allow.0', 'variable name'],
    [{ command: ['x'], timeout: 'soon' }, 'receivers.0.hook_configs.0.timeout', 'duration'],
    [{ command: ['x'], shell: true }, 'receivers.0.hook_configs.0', 'shell'],
  ])('%j is refused at %s', (hook, path, message) => {
    const result = parse(hook);
    expect(result.success).toBe(false);
    const issue = result.error!.issues.find((i) => i.path.join('.') === path);
    expect(issue?.message ?? JSON.stringify(result.error!.issues)).toContain(message);
  });
});
