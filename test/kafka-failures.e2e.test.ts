import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { logs as sdkLogs, resources } from '@opentelemetry/sdk-node';
import { startKafka, type KafkaCluster } from '../scripts/kafka/broker.ts';
import { sendLogs } from './support/otlp-load.ts';
import { eventually, startVigil, tempDir, type VigilProcess } from './support/vigil-process.ts';

const dirs: string[] = [];
const running: VigilProcess[] = [];
const clusters: KafkaCluster[] = [];

const config = (brokers: string, name: string, extra: Record<string, unknown> = {}) => ({
  log_level: 'warn',
  bus: { kind: 'kafka', kafka: { brokers: brokers.split(','), partitions: 3, client_id: name, session_timeout: '6s', ...extra } },
  collector: { hostmetrics: { enabled: false } },
});
async function start(brokers: string, name: string, command: 'collector' | 'processor', extra: Record<string, unknown> = {}) {
  const dir = tempDir(`${name}-${command}`);
  dirs.push(dir);
  const p = await startVigil(dir, config(brokers, name, extra), command);
  running.push(p);
  return p;
}
const count = async (processor: VigilProcess, service: string) => {
  const [row] = await processor.query<{ n: string; d: string }>(
    `SELECT count() AS n, uniqExact(Body) AS d FROM otel_logs WHERE ServiceName = '${service}'`,
  );
  return { n: Number(row!.n), distinct: Number(row!.d) };
};
const exactly = async (processor: VigilProcess, service: string, total: number) => {
  await eventually(async () => (await count(processor, service)).n >= total, 120_000, 500);
  await new Promise((r) => setTimeout(r, 1500));
  expect(await count(processor, service)).toEqual({ n: total, distinct: total });
};

afterAll(async () => {
  for (const p of running) await p.kill().catch(() => {});
  for (const c of clusters) await c.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('on one broker', () => {
  let kafka: KafkaCluster;
  beforeAll(async () => {
    kafka = await startKafka();
    clusters.push(kafka);
  });

  it('dead-letters a garbage message with its origin in headers, and the pipeline continues', async () => {
    const collector = await start(kafka.bootstrap, 'dlq', 'collector');
    const processor = await start(kafka.bootstrap, 'dlq', 'processor');
    const client = new Kafka({ clientId: 'garbage', brokers: [kafka.bootstrap], logLevel: logLevel.NOTHING });
    const producer = client.producer();
    await producer.connect();
    await producer.send({ topic: 'otlp_logs', messages: [{ key: 'x', value: Buffer.from('definitely not OTLP \xff\xfe') }] });
    await producer.disconnect();
    await sendLogs(() => collector.otlp, 'after-garbage', 1000);
    await exactly(processor, 'after-garbage', 1000);
    const consumer = client.consumer({ groupId: `dlq-reader-${Date.now()}` });
    await consumer.connect();
    await consumer.subscribe({ topics: ['vigil_dead_letter'], fromBeginning: true });
    const headers = await new Promise<Record<string, string>>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) =>
          resolve(Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]))),
      });
    });
    await consumer.disconnect();
    expect(headers['vigil.source.topic']).toBe('otlp_logs');
    expect(headers['vigil.source.offset']).toMatch(/^\d+$/);
    expect(headers['vigil.error']).toMatch(/invalid OTLP protobuf logs request/);
  });

  it('interoperates with the OpenTelemetry JS serializer (the Collector\'s otlp_proto encoding)', async () => {
    const collector = await start(kafka.bootstrap, 'interop', 'collector');
    const processor = await start(kafka.bootstrap, 'interop', 'processor');
    // A message as the OpenTelemetry libraries serialize it, produced straight into otlp_logs.
    const exporter = new sdkLogs.InMemoryLogRecordExporter();
    const provider = new sdkLogs.LoggerProvider({
      resource: resources.resourceFromAttributes({ 'service.name': 'interop' }),
      processors: [new sdkLogs.SimpleLogRecordProcessor(exporter)],
    });
    for (let i = 0; i < 5; i++) provider.getLogger('interop').emit({ body: `interop ${i}`, severityText: 'WARN' });
    await provider.forceFlush();
    const bytes = ProtobufLogsSerializer.serializeRequest(exporter.getFinishedLogRecords())!;
    const client = new Kafka({ clientId: 'interop', brokers: [kafka.bootstrap], logLevel: logLevel.NOTHING });
    const producer = client.producer();
    await producer.connect();
    await producer.send({ topic: 'otlp_logs', messages: [{ value: Buffer.from(bytes) }] });
    await producer.disconnect();
    await exactly(processor, 'interop', 5);

    // And what vigil's collector writes decodes with the OpenTelemetry libraries' generated code.
    await sendLogs(() => collector.otlp, 'interop-out', 3, 3, 1);
    const consumer = client.consumer({ groupId: `interop-reader-${Date.now()}` });
    await consumer.connect();
    await consumer.subscribe({ topics: ['otlp_logs'], fromBeginning: true });
    const root = createRequire(import.meta.url)('@opentelemetry/otlp-transformer/build/src/generated/root.js');
    const decoded = await new Promise<any>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          try {
            const request = root.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest.decode(message.value);
            const service = request.resourceLogs[0]?.resource?.attributes?.find((a: any) => a.key === 'service.name')?.value?.stringValue;
            if (service === 'interop-out') resolve(request);
          } catch {
            // the garbage message of the previous test
          }
        },
      });
    });
    await consumer.disconnect();
    expect(decoded.resourceLogs[0].scopeLogs[0].logRecords.map((r: any) => r.body.stringValue)).toEqual(['record 0', 'record 1', 'record 2']);
  });

  it('two processors share the partitions; when one is killed the other takes over, counts exact', async () => {
    const collector = await start(kafka.bootstrap, 'pair', 'collector', { partitions: 4 });
    const a = await start(kafka.bootstrap, 'pair', 'processor', { partitions: 4 });
    const b = await start(kafka.bootstrap, 'pair', 'processor', { partitions: 4 });
    // Records from many hosts spread over the partitions; both members get some.
    await sendLogs(() => collector.otlp, 'pair', 8000, 100, 4);
    await eventually(async () => (await count(a, 'pair')).n + (await count(b, 'pair')).n >= 8000, 120_000, 500);
    await new Promise((r) => setTimeout(r, 1500));
    const [inA, inB] = [await count(a, 'pair'), await count(b, 'pair')];
    expect(inA.n + inB.n).toBe(8000);
    expect(inA.n).toBeGreaterThan(0);
    expect(inB.n).toBeGreaterThan(0);
    // Each embedded processor has its own store here (chDB: one process per directory); with a
    // shared ClickHouse server the same dedup tokens make takeover replays exact as well.
    await b.kill();
    await sendLogs(() => collector.otlp, 'pair-after', 6000, 100, 4);
    await exactly(a, 'pair-after', 6000);
  });
});
