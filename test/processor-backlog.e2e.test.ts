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
