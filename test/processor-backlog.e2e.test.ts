import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '../core/bus/kafka/index.ts';
import { parseConfig } from '../core/config/index.ts';
import { ChdbStore, migrate } from '../core/store/index.ts';
import { silentLogger } from '../core/telemetry/index.ts';
import { Processor, type ProcessorStats } from '../processor/index.ts';
import { startKafka, type KafkaCluster } from '../scripts/kafka/broker.ts';
import { encodedLogRequests } from '../scripts/bench/log-request.ts';

// A backlog several times processor.max_bytes_in_flight drains completely and exactly once
// into the real engine, across a processor handing its partitions over mid-drain, while the
// bytes it holds (messages being stored and their encoded rows) never pass the budget.

const BUDGET = 4 * 1024 * 1024;
const REQUESTS = 300; // 100 records of ~400 B each: ~12.7 MB of OTLP, ~3× the budget
const PER_REQUEST = 100;
const RECORDS = REQUESTS * PER_REQUEST;

const run = `${process.pid}-${Date.now()}`;
const topics = { logs: `backlog_logs_${run}`, metrics: `backlog_metrics_${run}`, traces: `backlog_spans_${run}` };
const dir = mkdtempSync(join(tmpdir(), 'vigil-backlog-'));
const engine = new ChdbStore({ path: dir });
let kafka: KafkaCluster;

function kafkaBus(name: string): KafkaBus {
  return new KafkaBus({
    brokers: [kafka.bootstrap],
    clientId: `backlog-${name}`,
    groupId: `backlog-${run}`,
    topics: Object.values(topics),
    partitions: 3,
    replicationFactor: 1,
    deadLetterTopic: `backlog_dlq_${run}`,
    maxPendingBytes: 256 * 1024 * 1024,
    retryAfterMs: 1000,
    maxBatchMessages: 500,
    // As bin/instance.ts derives them from the budget.
    maxPlannedBatchBytes: BUDGET / 4,
    fetchBytesPerPartition: 256 * 1024,
    sessionTimeoutMs: 10_000,
    logger: silentLogger,
  });
}

async function startProcessor(name: string) {
  const bus = kafkaBus(name);
  await bus.start();
  const processor = new Processor({ bus, store: engine, topics, batch: { maxRows: 20_000, maxDelayMs: 0, retryForMs: 60_000 }, logger: silentLogger, maxBytesInFlight: BUDGET });
  await processor.start();
  return {
    processor,
    stop: async () => {
      await processor.shutdown();
      await bus.shutdown();
    },
  };
}

async function stored(): Promise<{ rows: number; distinct: number }> {
  const [row] = await engine.query<{ rows: string; distinct: string }>('SELECT count() AS rows, uniqExact(Body) AS distinct FROM otel_logs');
  return { rows: Number(row!.rows), distinct: Number(row!.distinct) };
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  kafka = await startKafka();
  await engine.start();
  await migrate(engine, { database: 'default', ttlDays: 7 });
}, 180_000);

afterAll(async () => {
  await kafka?.stop();
  await engine.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('draining a Kafka backlog larger than processor.max_bytes_in_flight', () => {
  it('stores every record exactly once, across a hand-over mid-drain, with the bytes in flight never over the budget', async () => {
    // The backlog, put in Kafka while no processor runs (keys spread it over the 3 partitions).
    const producer = kafkaBus('producer');
    await producer.start();
    const bodies = encodedLogRequests(REQUESTS, PER_REQUEST, 'realistic');
    await producer.publish(
      topics.logs,
      bodies.map((bytes, i) => ({ signal: 'logs' as const, key: `node-${i % 16}`, size: bytes.length, bytes: () => bytes })),
    );
    await producer.shutdown();
    const backlogBytes = bodies.reduce((n, b) => n + b.length, 0);
    expect(backlogBytes).toBeGreaterThan(2.5 * BUDGET);

    // The first processor drains part of it and stops (its partitions go to the next one).
    const first = await startProcessor('first');
    await until(async () => (await stored()).rows >= RECORDS / 4, 90_000, 'a quarter of the backlog');
    await first.stop();
    const firstStats = first.processor.stats();
    expect((await stored()).rows).toBeLessThan(RECORDS);

    const second = await startProcessor('second');
    await until(async () => (await stored()).rows >= RECORDS, 90_000, 'the whole backlog');
    await new Promise((r) => setTimeout(r, 1000)); // anything stored twice would land by now
    await second.stop();
    const secondStats = second.processor.stats();

    expect(await stored()).toEqual({ rows: RECORDS, distinct: RECORDS });
    for (const stats of [firstStats, secondStats] as ProcessorStats[]) {
      expect(stats.inFlight.limitBytes).toBe(BUDGET);
      expect(stats.inFlight.peakBytes).toBeGreaterThan(0);
      expect(stats.inFlight.peakBytes).toBeLessThanOrEqual(BUDGET);
      expect(stats.inFlight.overruns).toBe(0);
      expect(stats.inFlight.bytes).toBe(0); // everything held was given back
    }
    // The budget was what paced the drain: batches waited for room.
    expect(firstStats.inFlight.waits + secondStats.inFlight.waits).toBeGreaterThan(0);
  }, 200_000);

  it('inserts full batches from a backlog whose fetches end mid-batch: the tail is fetched again, never lost or stored twice, across a hand-over', async () => {
    // Incompressible 2 KiB messages, 50 per batch, fetches of ~1.5 batches: every fetch of the
    // backlog ends in a tail, which must go out with what follows it, not as a small batch.
    // (Without the tail rule a fetch gave 50 + 25: 37.5 messages per batch on average.)
    const tailTopic = `backlog_tail_${run}`;
    const PER_BATCH = 50;
    const COUNT = 3000;
    const bus = (name: string) =>
      new KafkaBus({
        brokers: [kafka.bootstrap],
        clientId: `tail-${name}`,
        groupId: `tail-${run}`,
        topics: [tailTopic],
        partitions: 3,
        replicationFactor: 1,
        deadLetterTopic: `tail_dlq_${run}`,
        maxPendingBytes: 64 * 1024 * 1024,
        retryAfterMs: 1000,
        maxBatchMessages: PER_BATCH,
        maxPlannedBatchBytes: 16 * 1024 * 1024,
        // Producer record batches well under a fetch, as vigil's collectors write them.
        maxBatchBytes: 32 * 1024,
        fetchBytesPerPartition: 150 * 1024,
        sessionTimeoutMs: 10_000,
        logger: silentLogger,
      });
    const producer = bus('producer');
    await producer.start();
    const values = Array.from({ length: COUNT }, (_, i) => Buffer.concat([Buffer.from(`${i}:`), randomBytes(2048)]));
    await producer.publish(
      tailTopic,
      values.map((bytes, i) => ({ signal: 'logs' as const, key: `k-${i % 24}`, size: bytes.length, bytes: () => bytes })),
    );
    await producer.shutdown();

    const batches: { partition: number; offsets: bigint[]; id: string }[] = [];
    const seen = () => new Set(batches.flatMap((b) => b.offsets.map((o) => `${b.partition}/${o}`))).size;
    const consume = async (name: string, enough: number) => {
      const consumer = bus(name);
      await consumer.start();
      await consumer.subscribe([tailTopic], async (_topic, partition, messages, id) => {
        batches.push({ partition, offsets: messages.map((m) => BigInt(m.offset)), id: id! });
      });
      await until(async () => seen() >= enough, 90_000, `${name} to consume ${enough} messages`);
      await consumer.shutdown();
    };
    await consume('first', COUNT / 3);
    await consume('second', COUNT);
    await new Promise((r) => setTimeout(r, 500));

    // A batch handled but not committed when the first consumer stopped is handed to the next
    // one again with the same id and messages (the store drops it by that token). Past those
    // replays: each partition's offsets 0..n-1, none missing, none twice.
    const byId = new Map<string, bigint[]>();
    for (const b of batches) {
      if (byId.has(b.id)) expect(b.offsets).toEqual(byId.get(b.id));
      byId.set(b.id, b.offsets);
    }
    const unique = batches.filter((b, i) => batches.findIndex((o) => o.id === b.id) === i);
    const byPartition = new Map<number, bigint[]>();
    for (const b of unique) byPartition.set(b.partition, [...(byPartition.get(b.partition) ?? []), ...b.offsets]);
    expect([...byPartition.values()].reduce((n, o) => n + o.length, 0)).toBe(COUNT);
    for (const offsets of byPartition.values()) expect(offsets).toEqual(offsets.map((_, i) => BigInt(i)));
    // Nearly all full: short ones only where a partition or a consumer's turn ended, or where a
    // fetch alone was short (kafkajs splits a fetch's bytes across partitions).
    expect(COUNT / unique.length).toBeGreaterThan(0.88 * PER_BATCH);
  }, 200_000);

  it('refuses a budget too small for a batch at startup, with its path', () => {
    expect(parseConfig({ processor: { max_bytes_in_flight: 1000 } }, {})).toEqual({
      ok: false,
      problems: [{ path: 'processor.max_bytes_in_flight', message: 'must be at least 4194304 (4 MiB): a batch holds a quarter of it' }],
    });
    expect(parseConfig({ bus: { kafka: { fetch_bytes_per_partition: 0 } } }, {})).toEqual({
      ok: false,
      problems: [{ path: 'bus.kafka.fetch_bytes_per_partition', message: 'expected a positive integer' }],
    });
    const ok = parseConfig({ processor: { max_bytes_in_flight: 8 * 1024 * 1024 }, bus: { kafka: { fetch_bytes_per_partition: 65536 } } }, {});
    expect(ok.ok && [ok.config.processor.max_bytes_in_flight, ok.config.bus.kafka.fetch_bytes_per_partition]).toEqual([8 * 1024 * 1024, 65536]);
    const defaults = parseConfig({}, {});
    expect(defaults.ok && [defaults.config.processor.max_bytes_in_flight, defaults.config.bus.kafka.fetch_bytes_per_partition]).toEqual([128 * 1024 * 1024, 4 * 1024 * 1024]);
  });
});
