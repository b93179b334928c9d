import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus } from '../../core/bus/index.ts';
import { encodeProtobuf } from '../../core/model/index.ts';
import { ChdbStore, type Store } from '../../core/store/index.ts';
import { silentLogger } from '../../core/telemetry/index.ts';
import { Processor } from '../../processor/index.ts';
import { OtlpReceiver } from './otlp-receiver.ts';
import { embeddedPipeline } from '../../test/support/embedded-pipeline.ts';

const topics = { logs: 'otlp_logs', metrics: 'otlp_metrics', traces: 'otlp_spans' };
const dir = mkdtempSync(join(tmpdir(), 'vigil-otlp-'));
const chdb = new ChdbStore({ path: dir });

/** The real store, with a gate tests can close to make inserts hang (a slow ClickHouse). */
class GatedStore implements Store {
  readonly kind = 'chdb' as const;
  readonly database = 'default';
  gate: Promise<void> = Promise.resolve();
  constructor(private readonly inner: Store) {}
  start() { return this.inner.start(); }
  shutdown() { return this.inner.shutdown(); }
  exec(sql: string) { return this.inner.exec(sql); }
  query<T>(sql: string, params?: Record<string, unknown>) { return this.inner.query<T>(sql, params); }
  readOnlyQuery(sql: string, limits: { maxExecutionTimeMs: number; maxResultRows: number }, params?: Record<string, unknown>) { return this.inner.readOnlyQuery(sql, limits, params); }
  async insertRows(table: string, rows: readonly object[]) {
    await this.gate;
    return this.inner.insertRows(table, rows);
  }
}
const store = new GatedStore(chdb);
const bus = new InProcessBus({ maxPendingBytes: 64 * 1024, retryAfterMs: 2000 });
const processor = new Processor({ bus, store, topics, batch: { maxRows: 1000, maxDelayMs: 20, retryForMs: 1000 }, logger: silentLogger });
const receiver = new OtlpReceiver({
  host: '127.0.0.1',
  port: 0,
  maxRequestBytes: 256 * 1024,
  maxDecompressedBytes: 1024 * 1024,
  retryAfterMs: 2000,
  bus,
  topics,
  logger: silentLogger,
});

const logsRequest = (body: string, n = 1) => ({
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'receiver-test' } }] },
      scopeLogs: [{ logRecords: Array.from({ length: n }, () => ({ timeUnixNano: `${Date.now()}000000`, severityText: 'INFO', body: { stringValue: body } })) }],
    },
  ],
});

const post = (path: string, body: Buffer | string, headers: Record<string, string>) =>
  fetch(`${receiver.address}${path}`, { method: 'POST', body: body as unknown as BodyInit, headers });

const countBody = async (body: string) => {
  const [row] = await chdb.query<{ n: string }>('SELECT count() AS n FROM otel_logs WHERE Body = {b:String}', { b: body });
  return Number(row!.n);
};

const pipeline = embeddedPipeline({ dir, store: store, schemaStore: chdb, parts: [bus, processor, receiver] });
beforeAll(() => pipeline.start());
afterAll(() => pipeline.stop());

describe('OTLP/HTTP receiver', () => {
  it('stores protobuf, JSON and gzipped requests before answering 200', async () => {
    const proto = Buffer.from(encodeProtobuf('logs', logsRequest('proto-ok', 3)));
    const r1 = await post('/v1/logs', proto, { 'Content-Type': 'application/x-protobuf' });
    expect(r1.status).toBe(200);
    // An empty ExportLogsServiceResponse, sized up front (not a chunked stream with no chunks).
    expect(r1.headers.get('content-type')).toBe('application/x-protobuf');
    expect(r1.headers.get('content-length')).toBe('0');
    expect(r1.headers.get('transfer-encoding')).toBeNull();
    expect((await r1.arrayBuffer()).byteLength).toBe(0);
    expect(await countBody('proto-ok')).toBe(3);

    const r2 = await post('/v1/logs', JSON.stringify(logsRequest('json-ok', 2)), { 'Content-Type': 'application/json; charset=utf-8' });
    expect(r2.status).toBe(200);
    expect(r2.headers.get('content-length')).toBe('2');
    expect(await r2.json()).toEqual({});
    expect(await countBody('json-ok')).toBe(2);

    const r3 = await post('/v1/logs', gzipSync(proto), { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'gzip' });
    expect(r3.status).toBe(200);
    expect(await countBody('proto-ok')).toBe(6);
  });

  it('answers malformed protobuf with 400 and a message saying what is wrong', async () => {
    const r = await post('/v1/logs', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), { 'Content-Type': 'application/x-protobuf' });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toBe('application/x-protobuf');
    expect(Buffer.from(await r.arrayBuffer()).toString('latin1')).toMatch(/invalid OTLP protobuf logs request/);
  });

  it.each([
    ['{"resourceLogs": [', /invalid JSON/],
    ['[1,2]', /expected a JSON object/],
    ['{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":"not an AnyValue"}]}]}]}', /object expected/],
    ['{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}', /traceId: expected a hex string/],
  ])('answers malformed JSON %j with 400 in OTLP\'s Status shape', async (body, message) => {
    const path = body.includes('resourceSpans') ? '/v1/traces' : '/v1/logs';
    const r = await post(path, body, { 'Content-Type': 'application/json' });
    expect(r.status).toBe(400);
    const status = (await r.json()) as { code: number; message: string };
    expect(status.code).toBe(3);
    expect(status.message).toMatch(message);
  });

  it('answers a wrong content type with 415, an unknown path with 404 and GET with 405', async () => {
    expect((await post('/v1/logs', 'hello', { 'Content-Type': 'text/plain' })).status).toBe(415);
    expect((await post('/v1/profiles', '{}', { 'Content-Type': 'application/json' })).status).toBe(404);
    expect((await fetch(`${receiver.address}/v1/logs`)).status).toBe(405);
  });

  it('answers an oversized body with 413', async () => {
    const r = await post('/v1/logs', Buffer.alloc(300 * 1024, 1), { 'Content-Type': 'application/x-protobuf' });
    expect(r.status).toBe(413);
  });

  it('answers a gzip bomb with 413 without inflating it all', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024)); // ~50 KB on the wire, 50 MB inflated
    expect(bomb.length).toBeLessThan(256 * 1024);
    const r = await post('/v1/logs', bomb, { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'gzip' });
    expect(r.status).toBe(413);
    expect(((await r.arrayBuffer()).byteLength)).toBeGreaterThan(0);
  });

  it('keeps serving after every kind of bad request', async () => {
    const r = await post('/v1/logs', JSON.stringify(logsRequest('after-errors')), { 'Content-Type': 'application/json' });
    expect(r.status).toBe(200);
    expect(await countBody('after-errors')).toBe(1);
  });

  it('answers 503 with Retry-After when the pipeline is saturated, and stores once it drains', async () => {
    let open!: () => void;
    store.gate = new Promise((resolve) => (open = resolve));
    const big = Buffer.from(encodeProtobuf('logs', logsRequest('x'.repeat(40 * 1024), 1)));
    const first = post('/v1/logs', big, { 'Content-Type': 'application/x-protobuf' }); // held by the gate
    await new Promise((r) => setTimeout(r, 100));
    const second = await post('/v1/logs', big, { 'Content-Type': 'application/x-protobuf' });
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('2');
    open();
    expect((await first).status).toBe(200);
    const retried = await post('/v1/logs', big, { 'Content-Type': 'application/x-protobuf' });
    expect(retried.status).toBe(200);
    expect(await countBody('x'.repeat(40 * 1024))).toBe(2);
  });
});
