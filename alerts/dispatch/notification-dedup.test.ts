import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock/index.ts';
import { ChdbStore, migrate } from '../../core/store/index.ts';
import { silentLogger } from '../../core/telemetry/index.ts';
import type { AlertTransition } from '../engine/alert-instance.ts';
import { fingerprint } from '../engine/fingerprint.ts';
import { notificationConfigSchema } from './notification-config.ts';
import { createNotificationPipeline } from './notification-pipeline.ts';

// The dedup stage against the notification log, as Alertmanager's DedupStage decides it: a new
// incident of the same alerts (resolved, then fired again within repeat_interval) is notified,
// whether or not the receiver sends resolved notifications; a group that only lost alerts is not.
// Real parts: chDB holds the notification log, a loopback HTTP server and an SMTP server receive.

const dir = mkdtempSync(join(tmpdir(), 'vigil-dedup-'));
const store = new ChdbStore({ path: dir });
const S = 1000;
const M = 60 * S;
const T0 = 1_800_000_000_000;
const clock = new FakeClock(T0);

let server: Server;
let url = '';
let smtp: SMTPServer;
let smtpPort = 0;
/** What the receivers got, in order: one entry per webhook post or mail. */
let received: Array<{ at: number; status: string; alerts: string[] }> = [];

beforeAll(async () => {
  await store.start();
  await migrate(store, { database: 'default', ttlDays: 30 });
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const body = JSON.parse(raw);
      received.push({ at: clock.now() - T0, status: body.status, alerts: body.alerts.map((a: any) => `${a.labels.host}:${a.status}@${(Date.parse(a.startsAt) - T0) / M}m`).sort() });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  smtp = new SMTPServer({
    authOptional: true,
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push({ at: clock.now() - T0, status: mail.subject ?? '', alerts: [] });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.close();
  await new Promise<void>((r) => smtp.close(() => r()));
  await store.shutdown();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  received = [];
  clock.set(T0);
  await store.exec('TRUNCATE TABLE vigil_notifications');
});

const route = { receiver: 'team', group_by: ['alertname'], group_wait: '30s', group_interval: '5m', repeat_interval: '1h' };

function webhookPipeline(sendResolved: boolean) {
  const config = notificationConfigSchema.parse({ route, receivers: [{ name: 'team', webhook_configs: [{ url, send_resolved: sendResolved, max_retry_time: '5s' }] }] });
  return createNotificationPipeline(config, store, clock, silentLogger).dispatcher;
}

/** An email receiver with Alertmanager's default for email: send_resolved false. */
function emailPipeline() {
  const config = notificationConfigSchema.parse({
    route,
    receivers: [{ name: 'team', email_configs: [{ to: ['oncall@example.com'], from: 'vigil@example.com', smarthost: `127.0.0.1:${smtpPort}`, security: 'none' }] }],
  });
  return createNotificationPipeline(config, store, clock, silentLogger).dispatcher;
}

/** A transition of alert Hot{host} now; `since` is when this incident fired (its startsAt). */
function transition(host: string, to: 'firing' | 'resolved', since: number): AlertTransition {
  const labels = { alertname: 'Hot', host };
  return {
    at: clock.now(), rule: 'Hot', group: 'g', fingerprint: fingerprint(labels), labels, annotations: {},
    from: to === 'firing' ? 'pending' : 'firing', to, value: 1, activeAt: since, firedAt: since, resolvedAt: to === 'resolved' ? clock.now() : undefined,
  };
}

/** Advances the fake clock second by second to T0 + `until`, ticking like the real dispatcher. */
async function runUntil(d: { tick(): Promise<void> }, until: number) {
  while (clock.now() < T0 + until) {
    clock.advance(S);
    await d.tick();
  }
}

/** A restart: a new dispatcher and notification log on the same store, loaded as start() does. */
async function restarted(make: () => ReturnType<typeof webhookPipeline>) {
  const d = make();
  await d.start();
  await d.shutdown();
  return d;
}

describe('a new incident of the same alert within repeat_interval', () => {
  it('send_resolved: false (webhook): the re-fire is notified, once', async () => {
    const d = webhookPipeline(false);
    await d.notify([transition('a', 'firing', T0)]);
    await runUntil(d, 10 * M);
    await d.notify([transition('a', 'resolved', T0)]);
    await runUntil(d, 20 * M);
    expect(received).toEqual([{ at: 30 * S, status: 'firing', alerts: ['a:firing@0m'] }]); // nothing says "resolved"
    await d.notify([transition('a', 'firing', T0 + 20 * M)]);
    await runUntil(d, 59 * M);
    expect(received.slice(1)).toEqual([{ at: 20 * M + 30 * S, status: 'firing', alerts: ['a:firing@20m'] }]);
  });

  it('send_resolved: false (email, the default): the re-fire is mailed, once', async () => {
    const d = emailPipeline();
    await d.notify([transition('a', 'firing', T0)]);
    await runUntil(d, 10 * M);
    await d.notify([transition('a', 'resolved', T0)]);
    await runUntil(d, 20 * M);
    await d.notify([transition('a', 'firing', T0 + 20 * M)]);
    await runUntil(d, 59 * M);
    expect(received.map((r) => [r.at, r.status])).toEqual([
      [30 * S, '[FIRING:1] alertname=Hot (1 alerts)'],
      [20 * M + 30 * S, '[FIRING:1] alertname=Hot (1 alerts)'],
    ]);
  });

  it('send_resolved: true: the resolved notification is sent once, and the re-fire once', async () => {
    const d = webhookPipeline(true);
    await d.notify([transition('a', 'firing', T0)]);
    await runUntil(d, 10 * M);
    await d.notify([transition('a', 'resolved', T0)]);
    await runUntil(d, 20 * M);
    await d.notify([transition('a', 'firing', T0 + 20 * M)]);
    await runUntil(d, 59 * M);
    expect(received).toEqual([
      { at: 30 * S, status: 'firing', alerts: ['a:firing@0m'] },
      { at: 10 * M + 30 * S, status: 'resolved', alerts: ['a:resolved@0m'] },
      { at: 20 * M + 30 * S, status: 'firing', alerts: ['a:firing@20m'] },
    ]);
  });

  it('a restart between the resolve and the re-fire: the persisted log still lets the re-fire through, once', async () => {
    const first = webhookPipeline(false);
    await first.notify([transition('a', 'firing', T0)]);
    await runUntil(first, 10 * M);
    await first.notify([transition('a', 'resolved', T0)]);
    await runUntil(first, 15 * M);
    expect(received).toHaveLength(1);

    const second = await restarted(() => webhookPipeline(false));
    clock.set(T0 + 20 * M);
    await second.notify([transition('a', 'firing', T0 + 20 * M)]);
    await runUntil(second, 30 * M);
    expect(received.slice(1)).toEqual([{ at: 20 * M + 30 * S, status: 'firing', alerts: ['a:firing@20m'] }]);

    // And the re-fire's notification holds across a restart too: the engine hands the firing alert back.
    const third = await restarted(() => webhookPipeline(false));
    await third.notify([{ ...transition('a', 'firing', T0 + 20 * M), from: 'firing' }]);
    await runUntil(third, 59 * M);
    expect(received).toHaveLength(2);
  });
});

describe('no false re-notifications', () => {
  it.each([false, true])('send_resolved: %s: one of two alerts resolves and stays resolved: no re-send within repeat_interval', async (sendResolved) => {
    const d = webhookPipeline(sendResolved);
    await d.notify([transition('a', 'firing', T0), transition('b', 'firing', T0)]);
    await runUntil(d, 10 * M);
    await d.notify([transition('b', 'resolved', T0)]);
    await runUntil(d, 60 * M);
    expect(received).toEqual([
      { at: 30 * S, status: 'firing', alerts: ['a:firing@0m', 'b:firing@0m'] },
      // Only a receiver that wants resolved notifications hears about b, once.
      ...(sendResolved ? [{ at: 10 * M + 30 * S, status: 'firing', alerts: ['a:firing@0m', 'b:resolved@0m'] }] : []),
    ]);
    await runUntil(d, 70 * M + 30 * S);
    // repeat_interval (1h) after the last notification, a is repeated.
    expect(received.at(-1)).toEqual({ at: (sendResolved ? 70 : 60) * M + 30 * S, status: 'firing', alerts: ['a:firing@0m'] });
    expect(received).toHaveLength(sendResolved ? 3 : 2);
  });
});
