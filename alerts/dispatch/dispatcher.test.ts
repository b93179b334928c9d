import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock/index.ts';
import { ChdbStore, migrate } from '../../core/store/index.ts';
import { silentLogger } from '../../core/telemetry/index.ts';
import type { AlertTransition } from '../engine/alert-instance.ts';
import { fingerprint } from '../engine/fingerprint.ts';
import { notificationConfigSchema } from './notification-config.ts';
import { createNotificationPipeline } from './notification-pipeline.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-dispatch-'));
const store = new ChdbStore({ path: dir });
const S = 1000;
const M = 60 * S;
const T0 = 1_800_000_000_000;

/** A real HTTP webhook receiver; `plan` decides each answer (status, headers). */
let server: Server;
let url = '';
let received: Array<{ body: any; raw: string; signature?: string; timestamp?: string; at: number }> = [];
let attempts = 0;
let plan: (attempt: number) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 });
const clock = new FakeClock(T0);

beforeAll(async () => {
  await store.start();
  await migrate(store, { database: 'default', ttlDays: 30 });
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      attempts += 1;
      const answer = plan(attempts);
      if (answer.status < 300) received.push({ body: JSON.parse(raw), raw, signature: req.headers['x-vigil-signature'] as string, timestamp: req.headers['x-vigil-timestamp'] as string, at: clock.now() });
      res.writeHead(answer.status, answer.headers).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  server.close();
  await store.shutdown();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  received = [];
  attempts = 0;
  plan = () => ({ status: 200 });
  clock.set(T0);
  for (const t of ['vigil_notifications', 'vigil_silences']) await store.exec(`TRUNCATE TABLE ${t}`);
});

function pipeline(extra: Record<string, unknown> = {}, webhook: Record<string, unknown> = {}) {
  const config = notificationConfigSchema.parse({
    external_url: 'http://vigil.example:8080',
    route: { receiver: 'team', group_by: ['alertname'], group_wait: '30s', group_interval: '5m', repeat_interval: '1h' },
    receivers: [{ name: 'team', webhook_configs: [{ url, hmac_secret: 's3cret', max_retry_time: '5s', ...webhook }] }],
    ...extra,
  });
  return createNotificationPipeline(config, store, clock, silentLogger);
}

const alert = (labels: Record<string, string>, to: 'firing' | 'resolved' = 'firing'): AlertTransition => {
  const all = { alertname: 'Hot', ...labels };
  return {
    at: clock.now(), rule: all.alertname, group: 'g', fingerprint: fingerprint(all), labels: all, annotations: { summary: `${labels.host} is hot` },
    from: to === 'firing' ? 'pending' : 'firing', to, value: 1, activeAt: T0, firedAt: T0, resolvedAt: to === 'resolved' ? clock.now() : undefined,
  };
};

/** Advances the fake clock second by second to `until`, ticking like the real dispatcher. */
async function runUntil(d: { tick(): Promise<void> }, until: number) {
  while (clock.now() < T0 + until) {
    clock.advance(S);
    await d.tick();
  }
}

const hosts = (n: number) => received[n]!.body.alerts.map((a: any) => `${a.labels.host}:${a.status}`).sort();

describe('grouping timeline (Alertmanager semantics)', () => {
  it('waits group_wait, batches by group_interval, repeats after repeat_interval, sends resolved', async () => {
    const { dispatcher } = pipeline();
    await dispatcher.notify([alert({ host: 'a' })]);
    await runUntil(dispatcher, 29 * S);
    expect(received).toHaveLength(0);
    await runUntil(dispatcher, 30 * S);
    expect(received.map((r) => (r.at - T0) / S)).toEqual([30]);
    expect(hosts(0)).toEqual(['a:firing']);

    clock.set(T0 + 40 * S);
    await dispatcher.notify([alert({ host: 'b' })]);
    await runUntil(dispatcher, 5 * M + 29 * S);
    expect(received).toHaveLength(1); // b waits for the group interval
    await runUntil(dispatcher, 5 * M + 30 * S);
    expect(hosts(1)).toEqual(['a:firing', 'b:firing']);

    await runUntil(dispatcher, 60 * M + 29 * S);
    expect(received).toHaveLength(2); // nothing new: quiet until repeat_interval
    await runUntil(dispatcher, 65 * M + 30 * S);
    expect(received.map((r) => (r.at - T0) / S)).toEqual([30, 330, 3930]);

    await dispatcher.notify([alert({ host: 'a' }, 'resolved')]);
    await runUntil(dispatcher, 70 * M + 30 * S);
    expect(hosts(3)).toEqual(['a:resolved', 'b:firing']);
    expect(received[3]!.body.status).toBe('firing');
  });

  it('never re-sends after a restart: the notification log holds', async () => {
    const first = pipeline();
    await first.dispatcher.notify([alert({ host: 'a' })]);
    await runUntil(first.dispatcher, 31 * S);
    expect(received).toHaveLength(1);
    // A restart: new dispatcher and log on the same store, the engine hands the firing alert back.
    const second = pipeline();
    await second.dispatcher.start();
    await second.dispatcher.shutdown();
    await second.dispatcher.notify([{ ...alert({ host: 'a' }), from: 'firing' }]);
    await runUntil(second.dispatcher, 30 * M);
    expect(received).toHaveLength(1);
    await runUntil(second.dispatcher, 61 * M + 30 * S); // repeat_interval still counts from the first send
    expect(received).toHaveLength(2);
  });
});

describe('inhibition and silences', () => {
  it('a critical alert inhibits warnings on the same host only', async () => {
    const { dispatcher } = pipeline({
      route: { receiver: 'team', group_by: ['...'], group_wait: '1s', group_interval: '1m', repeat_interval: '1h' },
      inhibit_rules: [{ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['host'] }],
    });
    await dispatcher.notify([alert({ host: 'a', severity: 'critical' }), alert({ host: 'a', severity: 'warning' }), alert({ host: 'b', severity: 'warning' })]);
    await runUntil(dispatcher, 5 * S);
    const sent = received.flatMap((r) => r.body.alerts.map((a: any) => `${a.labels.host}/${a.labels.severity}`)).sort();
    expect(sent).toEqual(['a/critical', 'b/warning']);
  });

  it('silenced alerts are not sent while the silence lasts, and are after it expires', async () => {
    const { dispatcher, silences } = pipeline({ route: { receiver: 'team', group_by: ['host'], group_wait: '1s', group_interval: '1m', repeat_interval: '1h' } });
    const silence = await silences.add({ matchers: ['host=~"c|d"'], endsAt: T0 + 10 * M, createdBy: 'ops', comment: 'maintenance' });
    expect(silence.status).toBe('active');
    await dispatcher.notify([alert({ host: 'c' }), alert({ host: 'e' })]);
    await runUntil(dispatcher, 5 * M);
    expect(received.map((r) => r.body.groupLabels.host)).toEqual(['e']);
    await silences.expire(silence.id);
    expect(silences.list()[0]!.status).toBe('expired');
    await runUntil(dispatcher, 7 * M);
    expect(received.map((r) => r.body.groupLabels.host)).toEqual(['e', 'c']);
  });

  it('rejects silences without matchers or with an end before the start', async () => {
    const { silences } = pipeline();
    await expect(silences.add({ matchers: [], endsAt: T0 + M, createdBy: 'x', comment: '' })).rejects.toThrow(/matcher/);
    await expect(silences.add({ matchers: ['a="b"'], endsAt: T0 - M, createdBy: 'x', comment: '' })).rejects.toThrow(/endsAt/);
    await expect(silences.add({ matchers: ['a=~"("'], endsAt: T0 + M, createdBy: 'x', comment: '' })).rejects.toThrow(/regex/);
  });
});

describe('webhook receiver', () => {
  it('posts every Alertmanager v4 field, signed with HMAC-SHA256', async () => {
    const { dispatcher } = pipeline();
    await dispatcher.notify([alert({ host: 'a', team: 'db' })]);
    await runUntil(dispatcher, 31 * S);
    const [{ body, raw, signature, timestamp }] = received as [any];
    // Signed over the send time and the body (see alerts/notify/webhook-signature.ts).
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(signature).toBe(`sha256=${createHmac('sha256', 's3cret').update(`${timestamp}.${raw}`).digest('hex')}`);
    expect(body).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'team',
      groupLabels: { alertname: 'Hot' },
      commonLabels: { alertname: 'Hot', host: 'a', team: 'db' },
      commonAnnotations: { summary: 'a is hot' },
      externalURL: 'http://vigil.example:8080',
      truncatedAlerts: 0,
    });
    expect(body.groupKey).toContain('alertname');
    expect(body.alerts[0]).toEqual({
      status: 'firing',
      labels: { alertname: 'Hot', host: 'a', team: 'db' },
      annotations: { summary: 'a is hot' },
      startsAt: new Date(T0).toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://vigil.example:8080/api/v1/rules',
      fingerprint: fingerprint({ alertname: 'Hot', host: 'a', team: 'db' }),
    });
  });

  it('a receiver that fails three times then succeeds gets exactly one delivery', async () => {
    plan = (n) => (n <= 2 ? { status: 503 } : n === 3 ? { status: 429, headers: { 'Retry-After': '1' } } : { status: 200 });
    const { dispatcher } = pipeline();
    await dispatcher.notify([alert({ host: 'a' })]);
    await runUntil(dispatcher, 31 * S);
    expect(attempts).toBe(4);
    expect(received).toHaveLength(1);
    expect(dispatcher.status.get('team')).toMatchObject({ sent: 1, failed: 0 });
  });

  it('a 400 is not retried and the error is recorded', async () => {
    plan = () => ({ status: 400 });
    const { dispatcher } = pipeline();
    await dispatcher.notify([alert({ host: 'a' })]);
    await runUntil(dispatcher, 31 * S);
    expect(attempts).toBe(1);
    expect(dispatcher.status.get('team')).toMatchObject({ sent: 0, failed: 1, lastError: expect.stringMatching(/answered 400/) });
    const rows = await store.query<{ status: string; error: string }>('SELECT status, error FROM vigil_notifications');
    expect(rows).toEqual([{ status: 'failed', error: expect.stringMatching(/answered 400/) }]);
  });

  it('max_alerts truncates and says how many were left out', async () => {
    const { dispatcher } = pipeline({}, { max_alerts: 2 });
    await dispatcher.notify(['a', 'b', 'c'].map((host) => alert({ host })));
    await runUntil(dispatcher, 31 * S);
    expect(received[0]!.body.alerts).toHaveLength(2);
    expect(received[0]!.body.truncatedAlerts).toBe(1);
  });
});

describe('mute time intervals', () => {
  it('a route muted on weekends sends nothing then, and sends once the interval is over', async () => {
    const saturday = Date.UTC(2027, 0, 16, 10, 0, 0); // a Saturday, 10:00 UTC
    clock.set(saturday);
    const { dispatcher } = pipeline({
      route: { receiver: 'team', group_by: ['host'], group_wait: '30s', group_interval: '1m', repeat_interval: '1h', mute_time_intervals: ['weekend'] },
      time_intervals: [{ name: 'weekend', time_intervals: [{ weekdays: ['saturday:sunday'] }] }],
    });
    await dispatcher.notify([alert({ host: 'a' })]);
    const step = async (to: number) => {
      while (clock.now() < to) {
        clock.advance(S);
        await dispatcher.tick();
      }
    };
    await step(saturday + 10 * M);
    expect(received).toHaveLength(0);
    await step(Date.UTC(2027, 0, 17, 23, 59, 0)); // still Sunday
    expect(received).toHaveLength(0);
    await step(Date.UTC(2027, 0, 18, 0, 2, 0)); // Monday 00:02
    expect(received).toHaveLength(1);
  });

  it('rejects a route that names an unknown interval, with its path', () => {
    const result = notificationConfigSchema.safeParse({
      route: { receiver: 'team', routes: [{ matchers: ['a="b"'], mute_time_intervals: ['nope'] }] },
      receivers: [{ name: 'team' }],
    });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toContain('route.routes.0.mute_time_intervals.0: unknown time interval "nope"');
  });
});
