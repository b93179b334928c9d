import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus, type BatchHandler, type Bus, type IncomingMessage } from '../core/bus/index.ts';
import { encodeProtobuf, type ExportLogsServiceRequest } from '../core/model/index.ts';
import { ChdbStore, migrate, StoreError } from '../core/store/index.ts';
import { silentLogger } from '../core/telemetry/index.ts';
import { Processor } from './processor.ts';

const topics = { logs: 'otlp_logs', metrics: 'otlp_metrics', traces: 'otlp_spans' };
const dir = mkdtempSync(join(tmpdir(), 'vigil-processor-'));
const store = new ChdbStore({ path: dir });

const logs = (service: string, n: number): ExportLogsServiceRequest => ({
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeLogs: [{ logRecords: Array.from({ length: n }, (_, i) => ({ timeUnixNano: `${Date.now()}00000${i % 10}`, body: { stringValue: `m${i}` } })) }],
    },
  ],
});
const count = async (service: string, table = 'otel_logs') => {
  const [row] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE ServiceName = {s:String}`, { s: service });
  return Number(row!.n);
};

beforeAll(async () => {
  await store.start();
  await migrate(store, { database: 'default', ttlDays: 30 });
});
afterAll(async () => {
  await store.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('processor on the in-process bus', () => {
  it('merges many small requests into few inserts and acknowledges each after its insert', async () => {
    const bus = new InProcessBus({ maxPendingBytes: 1 << 30, retryAfterMs: 1000 });
    const processor = new Processor({ bus, store, topics, batch: { maxRows: 100_000, maxDelayMs: 50, retryForMs: 1000 }, logger: silentLogger });
    await processor.start();
    const request = logs('merge', 10);
    await Promise.all(
      Array.from({ length: 50 }, () =>
        bus.publish('otlp_logs', [{ signal: 'logs', key: 'k', decoded: request, size: 100, bytes: () => encodeProtobuf('logs', request) }]),
      ),
    );
    expect(await count('merge')).toBe(500);
    const stats = processor.stats().tables.otel_logs!;
    expect(stats.insertedRows).toBe(500);
    expect(stats.inserts).toBeLessThanOrEqual(3);
    await processor.shutdown();
    await processor.shutdown();
  });

  it('shutdown without start is safe', async () => {
    const bus = new InProcessBus({ maxPendingBytes: 1, retryAfterMs: 1 });
    await new Processor({ bus, store, topics, batch: { maxRows: 1, maxDelayMs: 1, retryForMs: 1 }, logger: silentLogger }).shutdown();
  });
});

/** A bus that hands the processor replay-stable batches, as the Kafka bus does after a crash. */
class ReplayBus implements Bus {
  readonly kind = 'kafka' as const;
  handler!: BatchHandler;
  async start() {}
  async shutdown() {}
  async publish() {}
  async subscribe(_topics: string[], handler: BatchHandler) {
    this.handler = handler;
  }
}

describe('processor on replay-stable batches', () => {
  it('stores a replayed batch once, rollups included, and dead-letters undecodable messages', async () => {
    const bus = new ReplayBus();
    const deadLetters: Array<{ offset: string; error: string }> = [];
    const processor = new Processor({
      bus,
      store,
      topics,
      batch: { maxRows: 1000, maxDelayMs: 10, retryForMs: 1000 },
      logger: silentLogger,
      onMalformed: async (m, e) => void deadLetters.push({ offset: m.offset, error: e.message }),
    });
    await processor.start();
    const messages: IncomingMessage[] = [
      { topic: 'otlp_logs', partition: 0, offset: '0', value: encodeProtobuf('logs', logs('replay', 7)) },
      { topic: 'otlp_logs', partition: 0, offset: '1', value: Buffer.from('not protobuf at all') },
      { topic: 'otlp_logs', partition: 0, offset: '2', value: encodeProtobuf('logs', logs('replay', 5)) },
    ];
    await bus.handler('otlp_logs', 0, messages, 'otlp_logs/0/0-2');
    await bus.handler('otlp_logs', 0, messages, 'otlp_logs/0/0-2'); // the crash-and-replay
    expect(await count('replay')).toBe(12);
    const [rollup] = await store.query<{ n: string }>("SELECT sum(Count) AS n FROM vigil_logs_1m WHERE ServiceName = 'replay'");
    expect(Number(rollup!.n)).toBe(12);
    expect(deadLetters.map((d) => d.offset)).toEqual(['1', '1']);
    expect(deadLetters[0]!.error).toMatch(/invalid OTLP protobuf logs request/);
    await bus.handler('otlp_logs', 0, messages.slice(0, 1), 'otlp_logs/0/3-3'); // a new batch is stored
    expect(await count('replay')).toBe(19);
  });
});

describe('processor: a row the store refuses for good', () => {
  it('is found by splitting; the good rows land and only that row is dead-lettered, from the message that fed it', async () => {
    const bus = new ReplayBus();
    const deadLetters: Array<{ offset: string; value: string; error: string }> = [];
    // The real store, refusing for good (as a type error would) any insert holding a "poison" row.
    const poisoned = Object.create(store) as typeof store;
    poisoned.insertRows = async (table, rows, options) => {
      if (rows.some((r) => (r as { Body?: string }).Body === 'poison')) throw new StoreError('Cannot parse input: poison', false, 27);
      return store.insertRows(table, rows, options);
    };
    poisoned.insertEncoded = async (table, block, options) => {
      if (Buffer.from(block.data).includes('poison')) throw new StoreError('Cannot parse input: poison', false, 27);
      return store.insertEncoded(table, block, options);
    };
    const processor = new Processor({
      bus,
      store: poisoned,
      topics,
      batch: { maxRows: 1000, maxDelayMs: 10, retryForMs: 1000 },
      logger: silentLogger,
      onMalformed: async (m, e) => void deadLetters.push({ offset: m.offset, value: Buffer.from(m.value).toString('utf8'), error: e.message }),
    });
    await processor.start();
    const withPoison = logs('isolate', 4);
    withPoison.resourceLogs![0]!.scopeLogs![0]!.logRecords![2]!.body = { stringValue: 'poison' };
    const messages: IncomingMessage[] = [
      { topic: 'otlp_logs', partition: 0, offset: '10', value: encodeProtobuf('logs', logs('isolate', 6)) },
      { topic: 'otlp_logs', partition: 0, offset: '11', value: encodeProtobuf('logs', withPoison) },
      { topic: 'otlp_logs', partition: 0, offset: '12', value: encodeProtobuf('logs', logs('isolate', 5)) },
    ];
    await bus.handler('otlp_logs', 0, messages, 'otlp_logs/0/10-12');
    expect(await count('isolate')).toBe(6 + 3 + 5);
    expect(deadLetters.map((d) => d.offset)).toEqual(['11']);
    const rows = deadLetters[0]!.value.trim().split('\n').map((line) => JSON.parse(line));
    expect(rows.map((r) => r.Body)).toEqual(['poison']);
    expect(deadLetters[0]!.error).toMatch(/1 otel_logs rows refused by the store/);
    // A replay of the same batch (a crash before the commit) splits the same way: no duplicates.
    await bus.handler('otlp_logs', 0, messages, 'otlp_logs/0/10-12');
    expect(await count('isolate')).toBe(14);
  });
});
