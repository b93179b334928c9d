import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus } from '../../core/bus/index.ts';
import { encodeProtobuf } from '../../core/model/index.ts';
import { ChdbStore, StoreError, type Store } from '../../core/store/index.ts';
import { silentLogger } from '../../core/telemetry/index.ts';
import { Processor } from '../../processor/index.ts';
import { OtlpReceiver } from './otlp-receiver.ts';
import { embeddedPipeline } from '../../test/support/embedded-pipeline.ts';

// Partial success end to end on the real engine: the receiver, the in-process bus, the processor
// and chDB. Each case asserts what a client cares about: its answer, and the rows in SQL.
const root = createRequire(import.meta.url)('@opentelemetry/otlp-transformer/build/src/generated/root.js');
const LogsResponse = root.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;

const topics = { logs: 'ps_logs', metrics: 'ps_metrics', traces: 'ps_spans' };
const dir = mkdtempSync(join(tmpdir(), 'vigil-partial-'));
const chdb = new ChdbStore({ path: dir });

/** The real store, refusing for good (like a type error) any insert that holds a row whose Body is "poison". */
class PoisonStore implements Store {
  readonly kind = 'chdb' as const;
  readonly database = 'default';
  inserts = 0;
  constructor(private readonly inner: Store) {}
  start() { return this.inner.start(); }
  shutdown() { return this.inner.shutdown(); }
  exec(sql: string) { return this.inner.exec(sql); }
  query<T>(sql: string, params?: Record<string, unknown>) { return this.inner.query<T>(sql, params); }
  readOnlyQuery(sql: string, limits: { maxExecutionTimeMs: number; maxResultRows: number }, params?: Record<string, unknown>) { return this.inner.readOnlyQuery(sql, limits, params); }
  async insertRows(table: string, rows: readonly object[], options?: { dedupToken?: string }) {
    this.inserts += 1;
    if (rows.some((r) => (r as { Body?: string }).Body === 'poison')) throw new StoreError('Cannot parse input: poison (TYPE_MISMATCH)', false, 53);
    return this.inner.insertRows(table, rows, options);
  }
}
const store = new PoisonStore(chdb);
const bus = new InProcessBus({ maxPendingBytes: 64 * 1024 * 1024, retryAfterMs: 1000 });
// A long batch delay so concurrent requests share one insert, as they do under load.
const processor = new Processor({ bus, store, topics, batch: { maxRows: 10_000, maxDelayMs: 300, retryForMs: 1000 }, logger: silentLogger, ttlDays: 30 });
const receiver = new OtlpReceiver({
  host: '127.0.0.1',
  port: 0,
  maxRequestBytes: 1024 * 1024,
  maxDecompressedBytes: 4 * 1024 * 1024,
  maxInflightBytes: 20_000,
  retryAfterMs: 1000,
  bus,
  topics,
  logger: silentLogger,
  ttlDays: 30,
});

const PAST_2262 = '9300000000000000000';
const now = () => `${Date.now()}000000`;
const logs = (records: Array<{ body: string; time?: string }>) => ({
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'partial-success-test' } }] },
      scopeLogs: [{ logRecords: records.map((r) => ({ timeUnixNano: r.time ?? now(), body: { stringValue: r.body } })) }],
    },
  ],
});
const postJson = (body: string) => fetch(`${receiver.address}/v1/logs`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
const postProtobuf = (message: object) =>
  fetch(`${receiver.address}/v1/logs`, { method: 'POST', body: Buffer.from(encodeProtobuf('logs', message)) as unknown as BodyInit, headers: { 'content-type': 'application/x-protobuf' } });
const count = async (prefix: string) => {
  const [row] = await chdb.query<{ n: string }>('SELECT count() AS n FROM otel_logs WHERE startsWith(Body, {p:String})', { p: prefix });
  return Number(row!.n);
};

const pipeline = embeddedPipeline({ dir, store: store, schemaStore: chdb, parts: [bus, processor, receiver] });
beforeAll(() => pipeline.start());
afterAll(() => pipeline.stop());

describe('OTLP partial success', () => {
  it('JSON: a record past 2262 is rejected and reported; its neighbours are stored', async () => {
    const res = await postJson(JSON.stringify(logs([{ body: 'json-a' }, { body: 'json-bad', time: PAST_2262 }, { body: 'json-b' }])));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.partialSuccess.rejectedLogRecords).toBe('1');
    expect(body.partialSuccess.errorMessage).toMatch(/timestamp_out_of_range.*logRecords\[1\]/);
    expect(await count('json-')).toBe(2);
  });

  it('protobuf: two good requests and one with a bad record, sharing a batch, all store their good records', async () => {
    const [a, bad, b] = await Promise.all([
      postProtobuf(logs([{ body: 'pb-a1' }, { body: 'pb-a2' }])),
      postProtobuf(logs([{ body: 'pb-c1' }, { body: 'pb-bad', time: PAST_2262 }])),
      postProtobuf(logs([{ body: 'pb-b1' }])),
    ]);
    expect([a.status, bad.status, b.status]).toEqual([200, 200, 200]);
    // A bare 2xx (empty body) means every record is stored.
    expect((await a.arrayBuffer()).byteLength).toBe(0);
    expect((await b.arrayBuffer()).byteLength).toBe(0);
    const partial = LogsResponse.decode(new Uint8Array(await bad.arrayBuffer())).partialSuccess;
    expect(Number(partial.rejectedLogRecords)).toBe(1);
    expect(partial.errorMessage).toContain('timestamp_out_of_range');
    expect(await count('pb-')).toBe(4);
  });

  it('reports records older than store.ttl_days as expired instead of letting the engine drop them unseen', async () => {
    const old = `${Date.now() - 40 * 86_400_000}000000`;
    const res = await postJson(JSON.stringify(logs([{ body: 'ttl-old', time: old }, { body: 'ttl-new' }])));
    expect((await res.json()).partialSuccess).toMatchObject({ rejectedLogRecords: '1', errorMessage: expect.stringContaining('expired') });
    expect(await count('ttl-')).toBe(1);
    expect(receiver.records.reasons.expired).toBeGreaterThanOrEqual(1);
  });

  it('a row the store refuses is found by splitting the batch: neighbours land, its sender hears of it', async () => {
    const before = store.inserts;
    const [good, mixed] = await Promise.all([
      postJson(JSON.stringify(logs([{ body: 'split-g1' }, { body: 'split-g2' }, { body: 'split-g3' }]))),
      postJson(JSON.stringify(logs([{ body: 'split-m1' }, { body: 'poison' }, { body: 'split-m2' }]))),
    ]);
    expect(await good.json()).toEqual({});
    const partial = (await mixed.json()).partialSuccess;
    expect(partial.rejectedLogRecords).toBe('1');
    expect(partial.errorMessage).toContain('refused_by_store');
    expect(await count('split-')).toBe(5);
    expect(await count('poison')).toBe(0);
    // Bisection, not one insert per row: 6 rows need at most 1 + 2·log2(6)·1 + 1 inserts.
    expect(store.inserts - before).toBeLessThanOrEqual(8);
  });

  it('answers a deeply nested 28 KB JSON body with 400 (not 503: the client must not retry it) and keeps serving', async () => {
    const deep = '{"resourceLogs":' + '['.repeat(14_000) + ']'.repeat(14_000) + '}';
    expect(deep.length).toBeGreaterThan(28_000);
    const res = await postJson(deep);
    expect(res.status).toBe(400);
    expect((await res.json()).message).toMatch(/nested deeper/);
    expect((await postJson(JSON.stringify(logs([{ body: 'after-deep' }])))).status).toBe(200);
  });

  it('refuses a request beyond the in-flight byte budget with 503 + Retry-After before reading its body', async () => {
    // A slow client holds 15,000 of the 20,000 bytes budget: it announced them and sends slowly.
    const payload = Buffer.from(JSON.stringify(logs([{ body: 'slow-' + 'x'.repeat(14_800) }])));
    const slow = request(`${receiver.address}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': payload.length } });
    const slowAnswer = new Promise<number>((resolve, reject) => {
      slow.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      slow.on('error', reject);
    });
    slow.write(payload.subarray(0, 100));
    await new Promise((r) => setTimeout(r, 200));
    const second = Buffer.from(JSON.stringify(logs([{ body: 'budget-' + 'y'.repeat(9_000) }])));
    const refused = await postJson(second.toString());
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    slow.end(payload.subarray(100));
    expect(await slowAnswer).toBe(200);
    // Once the slow one is done, the same request fits.
    expect((await postJson(second.toString())).status).toBe(200);
    expect(await count('budget-')).toBe(1);
  });
});
