import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookConfig } from '../dispatch/notification-config.ts';
import type { GroupMessage } from '../dispatch/group-message.ts';
import { WebhookIntegration, webhookPayload } from './webhook.ts';
import { verifySignature } from './webhook-signature.ts';

const SECRET = 'webhook-hmac-secret';
const message: GroupMessage = {
  receiver: 'chat',
  groupKey: '{}:{alertname="Hot"}',
  groupLabels: { alertname: 'Hot' },
  status: 'firing',
  externalURL: 'http://vigil.example:8080',
  alerts: [{ fingerprint: 'abc', labels: { alertname: 'Hot' }, annotations: {}, startsAt: 1_800_000_000_000, generatorURL: 'http://vigil.example:8080/api/v1/rules' }],
};

/** A real receiver that records each delivery as it arrived: headers and raw body. */
let server: Server;
let base = '';
let answer = 200;
const deliveries: Array<{ timestamp?: string; signature?: string; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      deliveries.push({ timestamp: req.headers['x-vigil-timestamp'] as string, signature: req.headers['x-vigil-signature'] as string, body });
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const config = (url: string): WebhookConfig => ({ url, timeout: 2000, max_retry_time: 300, hmac_secret: SECRET, headers: {}, max_alerts: 0, send_resolved: true });

describe('signed webhooks', () => {
  it('signs the send time and the body, and keeps the Alertmanager v4 body as it was', async () => {
    deliveries.length = 0;
    const sentAt = 1_900_000_000_000;
    await new WebhookIntegration(config(`${base}/hook`), () => sentAt).notify(message);
    const [d] = deliveries;
    expect(d!.timestamp).toBe(String(sentAt / 1000));
    expect(JSON.parse(d!.body)).toEqual(webhookPayload(message, 0));
    expect(verifySignature(SECRET, d!, d!.body, sentAt + 1000)).toBe('ok');
  });

  // How a receiver tells a fresh delivery from a replayed, stale or forged one.
  it('lets a receiver refuse a replay after the tolerance window, a changed body or timestamp, and a wrong secret', async () => {
    deliveries.length = 0;
    const sentAt = 1_900_000_000_000;
    await new WebhookIntegration(config(`${base}/hook`), () => sentAt).notify(message);
    const d = deliveries[0]!;
    const fiveMinutes = 5 * 60_000;
    expect(verifySignature(SECRET, d, d.body, sentAt + fiveMinutes - 1000)).toBe('ok');
    expect(verifySignature(SECRET, d, d.body, sentAt + fiveMinutes + 1000)).toBe('stale');
    expect(verifySignature(SECRET, d, d.body.replace('firing', 'resolved'), sentAt)).toBe('bad_signature');
    // Moving the timestamp forward to pass the window breaks the signature.
    expect(verifySignature(SECRET, { ...d, timestamp: String(Number(d.timestamp) + 3600) }, d.body, sentAt + 3600_000)).toBe('bad_signature');
    expect(verifySignature('another-secret', d, d.body, sentAt)).toBe('bad_signature');
    expect(verifySignature(SECRET, { signature: d.signature }, d.body, sentAt)).toBe('bad_signature');
  });

  it('signs each retry afresh, so a delivery that succeeds late is not stale', async () => {
    deliveries.length = 0;
    answer = 503;
    let now = 1_900_000_000_000;
    const clock = () => (now += 60_000);
    await expect(new WebhookIntegration({ ...config(`${base}/hook`), max_retry_time: 1500 }, clock).notify(message)).rejects.toThrow();
    answer = 200;
    expect(deliveries.length).toBeGreaterThan(1);
    expect(new Set(deliveries.map((d) => d.timestamp)).size).toBe(deliveries.length);
    for (const d of deliveries) expect(verifySignature(SECRET, d, d.body, Number(d.timestamp) * 1000)).toBe('ok');
  });

  it('names only the scheme and host of the URL when a delivery fails', async () => {
    answer = 404;
    const secretUrl = `${base}/services/T000/B000/XXXXsecretXXXX?token=query-secret`;
    const error = await new WebhookIntegration(config(secretUrl)).notify(message).then(() => undefined, (e: Error) => e);
    answer = 200;
    expect(error?.message).toBe(`webhook ${base} answered 404`);
    const refused = await new WebhookIntegration(config('http://user:pw@127.0.0.1:9/secret-path')).notify(message).then(() => undefined, (e: Error) => e);
    expect(refused?.message).toMatch(/^webhook http:\/\/127\.0\.0\.1:9: /);
    expect(refused?.message).not.toMatch(/secret-path|pw/);
  });
});
