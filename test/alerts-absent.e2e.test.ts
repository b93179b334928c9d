import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafka, type KafkaCluster } from '../scripts/kafka/broker.ts';
import { eventually, startVigil, tempDir, type VigilProcess } from './support/vigil-process.ts';

// Node-down detection end to end: a real collector process's heartbeats stop when it is killed.
let kafka: KafkaCluster;
let central: VigilProcess;
const dirs: string[] = [];
const collectors: VigilProcess[] = [];
const WINDOW_S = 5;
const INTERVAL_S = 1;

const bus = () => ({ kind: 'kafka', kafka: { brokers: [kafka.bootstrap], partitions: 3, client_id: 'absent', session_timeout: '6s' } });
async function startCollector(): Promise<VigilProcess> {
  const dir = tempDir('absent-collector');
  dirs.push(dir);
  const p = await startVigil(dir, { log_level: 'warn', bus: bus(), collector: { hostmetrics: { host_name: 'node-x', interval: '10s', heartbeat_interval: '1s' } } }, 'collector');
  collectors.push(p);
  return p;
}

beforeAll(async () => {
  kafka = await startKafka();
  const dir = tempDir('absent-central');
  dirs.push(dir);
  const rules = join(dir, '..', `${dir.split('/').pop()}-rules.yaml`);
  writeFileSync(
    rules,
    `groups:
  - name: nodes
    interval: ${INTERVAL_S}s
    rules:
      - alert: NodeDown
        kind: absent
        window: ${WINDOW_S}s
        labels: { severity: critical }
`,
  );
  // Processor, alerts and API in one process (chDB: one process per data directory).
  central = await startVigil(dir, { log_level: 'warn', bus: bus(), collector: { hostmetrics: { enabled: false } }, alerts: { rule_files: [rules] } });
});
afterAll(async () => {
  for (const p of [...collectors, central]) await p?.kill().catch(() => {});
  await kafka?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function nodeDown(): Promise<string | undefined> {
  const response = await fetch(`${central.api}/api/v1/alerts`);
  const body = (await response.json()) as { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } };
  return body.data.alerts.find((a) => a.labels.alertname === 'NodeDown' && a.labels['host.name'] === 'node-x')?.state;
}

describe('absent rule against a real collector', () => {
  it('fires within window + interval after the collector is killed, and resolves after it restarts', async () => {
    const collector = await startCollector();
    await eventually(async () => {
      const [row] = await central.query<{ n: string }>("SELECT count() AS n FROM otel_metrics_gauge WHERE MetricName = 'vigil.agent.up' AND ResourceAttributes['host.name'] = 'node-x'");
      return Number(row!.n) >= 3;
    }, 60_000);
    expect(await nodeDown()).toBeUndefined();
    await collector.kill();
    const killedAt = Date.now();
    await eventually(async () => (await nodeDown()) === 'firing', 60_000, 200);
    const firedAfter = (Date.now() - killedAt) / 1000;
    // window + interval, plus the last heartbeat's trip through Kafka and a batch.
    expect(firedAfter).toBeLessThanOrEqual(WINDOW_S + INTERVAL_S + 5);
    const rules = (await (await fetch(`${central.api}/api/v1/rules`)).json()) as any;
    expect(rules.data.groups[0].rules[0]).toMatchObject({ name: 'NodeDown', health: 'ok', state: 'firing' });
    await startCollector();
    await eventually(async () => (await nodeDown()) === undefined, 60_000, 200);
    // The API serves the engine's state, which moves on before the evaluation's transitions are
    // written to vigil_alerts (and a write the store refused is retried at the next evaluation):
    // the history catches up within an evaluation or two, so wait for it rather than race it.
    const history = async () =>
      (
        await central.query<{ to_state: string }>(
          "SELECT to_state FROM vigil_alerts WHERE rule = 'NodeDown' AND labels['host.name'] = 'node-x' ORDER BY at, to_state = 'firing'",
        )
      ).map((h) => h.to_state);
    await eventually(async () => (await history()).includes('resolved'), 30_000, 200);
    expect(await history()).toEqual(['pending', 'firing', 'resolved']);
  }, 240_000);
});
