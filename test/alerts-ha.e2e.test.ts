import { rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processorCaughtUp } from '../alerts/index.ts';
import { silentLogger } from '../core/telemetry/index.ts';
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

  // An embedded HA instance evaluates over what its own processor stored: one restarted with
  // 14 s of heartbeats still on the bus once led at once and promoted a standby while the primary
  // lived. It joins the leader group only when its processor group has committed (stored) what
  // was on the bus when it started waiting.
  it('an instance whose processor is behind the bus may not lead until the processor has stored what was there', async () => {
    const client = new Kafka({ clientId: 'catch-up-test', brokers: [kafka.bootstrap], logLevel: logLevel.NOTHING });
    const admin = client.admin();
    const producer = client.producer();
    await Promise.all([admin.connect(), producer.connect()]);
    const topic = `catch-up-${Date.now()}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }, { topic: `${topic}-empty`, numPartitions: 1 }], waitForLeaders: true });
    await producer.send({ topic, messages: Array.from({ length: 8 }, (_, i) => ({ partition: i % 2, value: 'heartbeat' })) });
    const ends = await admin.fetchTopicOffsets(topic);
    const groupId = `${topic}-processors`;
    const controller = new AbortController();
    let mayLead = false;
    const gate = processorCaughtUp({ brokers: [kafka.bootstrap], clientId: 'catch-up-test', groupId, topics: [topic, `${topic}-empty`], logger: silentLogger, pollMs: 100, signal: controller.signal }).then(() => (mayLead = true));
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    try {
      await sleep(1500);
      expect(mayLead).toBe(false); // nothing stored yet
      const [first, second] = ends;
      await admin.setOffsets({ groupId, topic, partitions: [{ partition: first!.partition, offset: first!.high }] });
      await sleep(1000);
      expect(mayLead).toBe(false); // one partition stored, the other not
      // What arrives meanwhile does not move the goal (it would never be reached under load).
      await producer.send({ topic, messages: Array.from({ length: 8 }, (_, i) => ({ partition: i % 2, value: 'heartbeat' })) });
      await admin.setOffsets({ groupId, topic, partitions: [{ partition: second!.partition, offset: second!.high }] });
      await eventually(async () => mayLead, 10_000, 100);
    } finally {
      controller.abort();
      await gate;
      await Promise.all([admin.disconnect(), producer.disconnect()]);
    }
  }, 60_000);
});
