import { rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafka, type KafkaCluster } from '../scripts/kafka/broker.ts';
import { eventually, startVigil, tempDir, type VigilProcess } from './support/vigil-process.ts';
import { startWebhookReceiver } from './support/webhook-receiver.ts';

// Two `vigil alerts` instances on a real broker: one leads; kill it, the other takes over and
// sends nothing the first one already sent.
let kafka: KafkaCluster;
let server: Server;
let received: any[] = [];
const dirs: string[] = [];
const instances: VigilProcess[] = [];
let config: Record<string, unknown>;

beforeAll(async () => {
  kafka = await startKafka();
  const receiver = await startWebhookReceiver();
  server = receiver.server;
  received = receiver.received;
  const base = tempDir('ha-files');
  dirs.push(base);
  writeFileSync(join(base, 'rules.yaml'), `groups:
  - name: always
    interval: 1s
    rules:
      - alert: Always
        kind: sql
        query: "SELECT arrayJoin(['db-1', 'db-2']) AS host, 1 AS value"
`);
  writeFileSync(join(base, 'notify.yaml'), `route: { receiver: hook, group_by: [host], group_wait: 1s, group_interval: 2s, repeat_interval: 1h }
receivers:
  - name: hook
    webhook_configs: [{ url: "${receiver.url}" }]
`);
  config = {
    log_level: 'warn',
    bus: { kafka: { brokers: [kafka.bootstrap], client_id: 'ha', session_timeout: '6s' } },
    alerts: { rule_files: [join(base, 'rules.yaml')], notification_file: join(base, 'notify.yaml'), ha: true },
  };
  for (let i = 0; i < 2; i++) {
    const dir = tempDir(`ha-${i}`);
    dirs.push(dir);
    instances.push(await startVigil(dir, config, 'alerts'));
  }
});
afterAll(async () => {
  for (const p of instances) await p.kill().catch(() => {});
  server?.close();
  await kafka?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const leads = async (p: VigilProcess) => ((await (await fetch(`${p.api}/api/v1/ha`)).json()) as { leader: boolean }).leader;
const perGroup = () => ['db-1', 'db-2'].map((h) => received.filter((r) => r.groupLabels.host === h).length);

describe('alerts HA through Kafka', () => {
  it('exactly one instance notifies; when the leader is killed the other takes over without re-sending', async () => {
    await eventually(async () => (await Promise.all(instances.map(leads))).filter(Boolean).length === 1, 60_000);
    await eventually(async () => perGroup().every((n) => n === 1), 30_000);
    const leader = (await leads(instances[0]!)) ? instances[0]! : instances[1]!;
    const standby = leader === instances[0] ? instances[1]! : instances[0]!;
    await new Promise((r) => setTimeout(r, 3000));
    expect(perGroup()).toEqual([1, 1]); // the standby evaluated and sent nothing

    await leader.kill();
    await eventually(() => leads(standby), 60_000, 500);
    await new Promise((r) => setTimeout(r, 8000)); // the new leader evaluates, groups and flushes
    expect(perGroup()).toEqual([1, 1]);
    const rules = (await (await fetch(`${standby.api}/api/v1/alerts`)).json()) as any;
    expect(rules.data.alerts.filter((a: any) => a.state === 'firing')).toHaveLength(2); // it is evaluating
  }, 240_000);
});
