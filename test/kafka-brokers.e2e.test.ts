import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startKafka, type KafkaCluster } from '../scripts/kafka/broker.ts';
import { sendLogs } from './support/otlp-load.ts';
import { eventually, startVigil, tempDir, type VigilProcess } from './support/vigil-process.ts';

// Broker outages: nothing a collector acknowledged (2xx) may be lost.
const dirs: string[] = [];
const running: VigilProcess[] = [];
const clusters: KafkaCluster[] = [];
const DOWN_MS = Number(process.env.VIGIL_TEST_KAFKA_DOWN_MS ?? 15_000);
// VIGIL_TEST_KAFKA_CLIENT=platformatic runs these outages with the producer on @platformatic/kafka.
const CLIENT = process.env.VIGIL_TEST_KAFKA_CLIENT ? { client: process.env.VIGIL_TEST_KAFKA_CLIENT } : {};

async function start(brokers: string, name: string, command: 'collector' | 'processor', extra: Record<string, unknown> = {}) {
  const dir = tempDir(`${name}-${command}`);
  dirs.push(dir);
  const p = await startVigil(
    dir,
    {
      log_level: 'warn',
      bus: { kind: 'kafka', kafka: { brokers: brokers.split(','), partitions: 3, client_id: name, session_timeout: '6s', ...CLIENT, ...extra } },
      collector: { hostmetrics: { enabled: false } },
    },
    command,
  );
  running.push(p);
  return p;
}
async function expectExactly(processor: VigilProcess, service: string, total: number) {
  const count = async () => {
    const [row] = await processor.query<{ n: string; d: string }>(`SELECT count() AS n, uniqExact(Body) AS d FROM otel_logs WHERE ServiceName = '${service}'`);
    return { n: Number(row!.n), distinct: Number(row!.d) };
  };
  await eventually(async () => (await count()).n >= total, 180_000, 500);
  await new Promise((r) => setTimeout(r, 1500));
  expect(await count()).toEqual({ n: total, distinct: total });
}

afterAll(async () => {
  for (const p of running) await p.kill().catch(() => {});
  for (const c of clusters) await c.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('broker outages', () => {
  it(`Kafka down when the collector starts and for ${DOWN_MS / 1000} s: clients see 503, everything acknowledged arrives`, async () => {
    const port = await freePort();
    const brokers = `127.0.0.1:${port}`;
    const collector = await start(brokers, 'late', 'collector');
    // One record: an empty request has nothing to make durable and is answered 200 at once.
    const one = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: String(Date.now() * 1e6), body: { stringValue: 'probe' } }] }] }] };
    const status = await fetch(`${collector.otlp}/v1/logs`, { method: 'POST', body: JSON.stringify(one), headers: { 'Content-Type': 'application/json' } });
    expect(status.status).toBe(503);
    expect(status.headers.get('retry-after')).toBeTruthy();
    const sending = sendLogs(() => collector.otlp, 'late', 3000, 100, 2);
    await new Promise((r) => setTimeout(r, DOWN_MS));
    expect(collector.child.exitCode).toBeNull(); // never crashed
    const kafka = await startKafka({ ports: [port] });
    clusters.push(kafka);
    const { retries } = await sending;
    expect(retries).toBeGreaterThan(0);
    const processor = await start(brokers, 'late', 'processor');
    await expectExactly(processor, 'late', 3000);
  }, 300_000);

  it('a broker restart mid-run loses nothing', async () => {
    const kafka = await startKafka();
    clusters.push(kafka);
    const collector = await start(kafka.bootstrap, 'restart', 'collector');
    const processor = await start(kafka.bootstrap, 'restart', 'processor');
    await sendLogs(() => collector.otlp, 'restart', 10_000, 200, 2);
    await kafka.stopNode(1, 'SIGTERM');
    // Sent while the broker is down: refused with 503 until it is back, then accepted.
    const during = sendLogs(() => collector.otlp, 'restart', 10_000, 200, 2, 10_000);
    await new Promise((r) => setTimeout(r, 3000));
    await kafka.startNode(1);
    const { retries } = await during;
    await expectExactly(processor, 'restart', 20_000);
    // kafkajs gives up within its retry budget, so clients get 503 and retry; @platformatic/kafka's
    // budget (20 × 500 ms) outlasts a 3 s restart, so its clients only wait longer for their 200.
    if (!CLIENT.client) expect(retries).toBeGreaterThan(0);
  }, 300_000);

  it('3 brokers, replication 3, one broker killed mid-run: nothing lost', async () => {
    const kafka = await startKafka({ brokers: 3 });
    clusters.push(kafka);
    const collector = await start(kafka.bootstrap, 'replicated', 'collector', { replication_factor: 3 });
    const processor = await start(kafka.bootstrap, 'replicated', 'processor', { replication_factor: 3 });
    const before = sendLogs(() => collector.otlp, 'replicated', 10_000, 200, 2);
    await new Promise((r) => setTimeout(r, 300));
    await kafka.stopNode(3, 'SIGKILL');
    await before;
    await sendLogs(() => collector.otlp, 'replicated', 10_000, 200, 2, 10_000);
    await expectExactly(processor, 'replicated', 20_000);
  }, 300_000);
});
