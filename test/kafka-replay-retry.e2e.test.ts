import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KafkaBus } from '../core/bus/kafka/index.ts';
import { encodeProtobuf } from '../core/model/index.ts';
import { ChdbStore, migrate, StoreError, type InsertOptions, type Store } from '../core/store/index.ts';
import { silentLogger } from '../core/telemetry/index.ts';
import { Processor } from '../processor/index.ts';
import { startKafka, type KafkaCluster } from '../scripts/kafka/broker.ts';
import { sequencedMetrics } from './support/sequenced-metrics.ts';

// A retried Kafka batch must be exactly the planned one (same boundaries, same dedup tokens),
// retried on a timer even when no new message arrives; a table that landed on the first attempt
// must not land twice. Real broker, real engine, real processor; only the failures are injected.

/** The real engine, with failures injected per table; records every insert's token. */
class FaultyStore implements Store {
  readonly kind = 'chdb' as const;
  readonly database = 'default';
  readonly tokens: Array<{ table: string; token?: string; failed: boolean }> = [];
  failNext: ((table: string) => Promise<boolean>) | undefined;
  constructor(private readonly inner: ChdbStore) {}
  start = () => this.inner.start();
  shutdown = () => this.inner.shutdown();
  exec = (sql: string) => this.inner.exec(sql);
  query = <T,>(sql: string, params?: Record<string, unknown>) => this.inner.query<T>(sql, params);
  readOnlyQuery: Store['readOnlyQuery'] = (sql, limits, params) => this.inner.readOnlyQuery(sql, limits, params);
  async insertRows(table: string, rows: readonly object[], options?: InsertOptions): Promise<void> {
    if (this.failNext && (await this.failNext(table))) {
      this.tokens.push({ table, token: options?.dedupToken, failed: true });
      throw new StoreError('Code: 241. DB::Exception: Memory limit (injected) exceeded', true, 241);
    }
    await this.inner.insertRows(table, rows, options);
    this.tokens.push({ table, token: options?.dedupToken, failed: false });
  }
}

const run = `${process.pid}-${Date.now()}`;
const dir = mkdtempSync(join(tmpdir(), 'vigil-replay-retry-'));
const engine = new ChdbStore({ path: dir });
const store = new FaultyStore(engine);
let kafka: KafkaCluster;
const cleanups: Array<() => Promise<unknown>> = [];

async function pipeline(name: string) {
  const topics = { logs: `rr_logs_${name}_${run}`, metrics: `rr_metrics_${name}_${run}`, traces: `rr_spans_${name}_${run}` };
  const groupId = `rr-${name}-${run}`;
  const bus = new KafkaBus({
    brokers: [kafka.bootstrap],
    clientId: `rr-${name}`,
    groupId,
    topics: Object.values(topics),
    partitions: 1,
    replicationFactor: 1,
    deadLetterTopic: `rr_dlq_${name}_${run}`,
    maxPendingBytes: 64 * 1024 * 1024,
    retryAfterMs: 1000,
    maxBatchMessages: 50,
    sessionTimeoutMs: 10_000,
    retryInitialMs: 200,
    retryMaxMs: 1000,
    logger: silentLogger,
  });
  await bus.start();
  // The processor gives up on a failing table quickly, so the bus's own retry is what is tested.
  const processor = new Processor({ bus, store, topics, batch: { maxRows: 10_000, maxDelayMs: 50, retryForMs: 300 }, logger: silentLogger });
  cleanups.push(async () => {
    await processor.shutdown();
    await bus.shutdown();
  });
  const publish = (first: number, messages: number, perMessage: number) =>
    bus.publish(
      topics.metrics,
      Array.from({ length: messages }, (_, m) => {
        const bytes = encodeProtobuf('metrics', sequencedMetrics(name, first + m * perMessage, perMessage));
        return { signal: 'metrics' as const, key: 'one-host', size: bytes.length, bytes: () => bytes };
      }),
    );
  return { bus, processor, publish, topics, groupId };
}

async function counts(service: string) {
  const [row] = await engine.query<{ gauge: string; gauge_distinct: string; sum: string; rollup_sum: string; rollup_count: string }>(
    `SELECT
       (SELECT count() FROM otel_metrics_gauge WHERE ServiceName = {s:String}) AS gauge,
       (SELECT uniqExact(Value) FROM otel_metrics_gauge WHERE ServiceName = {s:String}) AS gauge_distinct,
       (SELECT count() FROM otel_metrics_sum WHERE ServiceName = {s:String}) AS sum,
       (SELECT sum(Sum) FROM vigil_metrics_1m WHERE ServiceName = {s:String} AND MetricName = 'seq_gauge') AS rollup_sum,
       (SELECT sum(Count) FROM vigil_metrics_1m WHERE ServiceName = {s:String}) AS rollup_count`,
    { s: service },
  );
  return { gauge: Number(row!.gauge), gaugeDistinct: Number(row!.gauge_distinct), sum: Number(row!.sum), rollupSum: Number(row!.rollup_sum), rollupCount: Number(row!.rollup_count) };
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function committedOffset(groupId: string, topic: string): Promise<number> {
  const admin = new Kafka({ clientId: 'rr-check', brokers: [kafka.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Number(entry?.partitions.find((p) => p.partition === 0)?.offset ?? -1);
  } finally {
    await admin.disconnect();
  }
}

const sumTo = (n: number) => (n * (n - 1)) / 2;

beforeAll(async () => {
  kafka = await startKafka();
  await engine.start();
  await migrate(engine, { database: 'default', ttlDays: 7 });
}, 180_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  await kafka?.stop();
  await engine.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('replay-stable retries on a real broker', () => {
  it('retries a batch whose second table failed with the same boundaries and tokens, though new messages arrived meanwhile', async () => {
    const { processor, publish } = await pipeline('onetable');
    let secondWave: () => void = () => {};
    const secondWaveSent = new Promise<void>((r) => (secondWave = r));
    let failures = 0;
    // otel_metrics_sum fails until the second wave of messages is in Kafka (and twice more),
    // after otel_metrics_gauge of the same batch has landed.
    store.failNext = async (table) => {
      if (table !== 'otel_metrics_sum' || failures >= 3) return false;
      failures += 1;
      if (failures === 1) await secondWaveSent;
      return true;
    };
    await processor.start();
    await publish(0, 5, 20); // points 0..99
    await until(async () => failures >= 1 || store.tokens.some((t) => t.table === 'otel_metrics_gauge'), 60_000, 'the first batch');
    await publish(100, 5, 20); // points 100..199, while the first batch is failing
    secondWave();
    await until(async () => (await counts('onetable')).sum >= 200, 60_000, 'every point in otel_metrics_sum');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await counts('onetable')).toEqual({ gauge: 200, gaugeDistinct: 200, sum: 200, rollupSum: sumTo(200), rollupCount: 400 });
    // The failed sum insert was retried with exactly the token it first had.
    const sums = store.tokens.filter((t) => t.table === 'otel_metrics_sum' && t.token?.includes('onetable') !== false);
    const firstFailed = sums.find((t) => t.failed)!;
    expect(sums.filter((t) => !t.failed).map((t) => t.token)).toContain(firstFailed.token);
    store.failNext = undefined;
  }, 120_000);

  it('after a commit failure with every insert landed, retries on a timer with no new message and stores nothing twice', async () => {
    const { bus, processor, publish, topics, groupId } = await pipeline('commit');
    const commit = vi.spyOn(bus as unknown as { commit: (t: string, p: number, o: string, m: string | null) => Promise<void> }, 'commit');
    let failedCommits = 0;
    const original = commit.getMockImplementation();
    commit.mockImplementation(async function (this: unknown, ...args) {
      // The commit that moves past the batch (no plan metadata) fails once.
      if (args[3] === null && failedCommits === 0) {
        failedCommits += 1;
        throw new Error('injected: the coordinator did not answer');
      }
      return (original ?? (KafkaBus.prototype as unknown as { commit: (...a: unknown[]) => Promise<void> }).commit).apply(this, args);
    });
    await processor.start();
    await publish(0, 3, 10); // 30 points, and nothing after them
    await until(async () => failedCommits === 1, 60_000, 'the injected commit failure');
    const failedAt = Date.now();
    // kafkajs alone would retry only when a new message arrives (or after restarting the
    // consumer, ~10 s later): the bus's own timer must get the offset committed well before.
    await until(async () => (await committedOffset(groupId, topics.metrics)) === 3, 8_000, 'the offset committed past the batch');
    expect(Date.now() - failedAt).toBeLessThan(8_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await counts('commit')).toEqual({ gauge: 30, gaugeDistinct: 30, sum: 30, rollupSum: sumTo(30), rollupCount: 60 });
    // The handler ran twice on the same batch: same tokens both times.
    const gaugeTokens = store.tokens.filter((t) => t.table === 'otel_metrics_gauge' && t.token && !t.failed).map((t) => t.token);
    const mine = gaugeTokens.filter((t) => t!.includes(topics.metrics));
    expect(mine.length).toBeGreaterThanOrEqual(2);
    expect(new Set(mine).size).toBe(1);
    commit.mockRestore();
  }, 120_000);
});
