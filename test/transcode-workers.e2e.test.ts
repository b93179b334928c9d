import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, makeGenericClientConstructor, Metadata, status as Status, type Client, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus } from '../core/bus/index.ts';
import { encodeProtobuf, type Signal } from '../core/model/index.ts';
import { ChdbStore } from '../core/store/index.ts';
import { silentLogger } from '../core/telemetry/index.ts';
import { OtlpReceiver } from '../collector/otlp/index.ts';
import { OtlpGrpcReceiver } from '../collector/otlp-grpc/index.ts';
import { exportServiceDefinition } from '../collector/otlp-grpc/service-definition.ts';
import { TranscodePool } from '../collector/transcode-pool/index.ts';
import { Processor } from '../processor/index.ts';
import { startVigil, tempDir } from './support/vigil-process.ts';
import { embeddedPipeline } from './support/embedded-pipeline.ts';

// Requests through the transcode workers against the same requests transcoded on the main
// thread, on real receivers (HTTP and gRPC), the in-process bus, the processor and chDB: the
// answers (partial_success) and the stored rows must be the same; a worker that dies takes only
// its own request down.
const topics = { logs: 'otlp_logs', metrics: 'otlp_metrics', traces: 'otlp_spans' };
const dir = mkdtempSync(join(tmpdir(), 'vigil-transcode-workers-'));
const store = new ChdbStore({ path: dir });
const bus = new InProcessBus({ maxPendingBytes: 64 * 1024 * 1024, retryAfterMs: 1000 });
const processor = new Processor({ bus, store, topics, batch: { maxRows: 5000, maxDelayMs: 20, retryForMs: 1000 }, logger: silentLogger, ttlDays: 30 });
// This worker entry dies (process.exit in the worker) on a request holding CRASH-THIS-TRANSCODE-WORKER.
const pool = new TranscodePool({ workers: 2, maxQueued: 64, retryAfterMs: 1000, logger: silentLogger, entry: new URL('../collector/transcode-pool/testdata/crash-on-cue-worker-entry.mjs', import.meta.url) });
const http = { host: '127.0.0.1', port: 0, maxRequestBytes: 16 << 20, maxDecompressedBytes: 16 << 20, retryAfterMs: 1000, bus, topics, logger: silentLogger, ttlDays: 30 };
const grpc = { host: '127.0.0.1', port: 0, maxRecvMsgBytes: 16 << 20, retryAfterMs: 1000, bus, topics, logger: silentLogger, ttlDays: 30 };
const receivers = {
  http: { pooled: new OtlpReceiver({ ...http, transcodePool: pool }), inline: new OtlpReceiver(http) },
  grpc: { pooled: new OtlpGrpcReceiver({ ...grpc, transcodePool: pool }), inline: new OtlpGrpcReceiver(grpc) },
};
type Route = 'pooled' | 'inline';

const NOW = BigInt(Date.now()) * 1_000_000n;
const DAY = 86_400_000_000_000n;
const resource = (path: string) => ({ attributes: [{ key: 'service.name', value: { stringValue: 'transcode-workers-test' } }, { key: 'path', value: { stringValue: path } }] });

/** Logs with every kind of field, and four records to reject (two expired, one past 2262, one bad severity). */
function logs(path: string, tag: string, n: number): Buffer {
  const records = Array.from({ length: n }, (_, i) => ({
    timeUnixNano: String(NOW - BigInt(i) * 1_000_000n),
    observedTimeUnixNano: String(NOW),
    severityNumber: (i % 24) + 1,
    severityText: 'INFO',
    body: i % 5 === 0 ? { kvlistValue: { values: [{ key: 'k', value: { intValue: i } }] } } : { stringValue: `${tag} line ${i} ${'x'.repeat(i % 300)}` },
    attributes: [{ key: 'i', value: { intValue: i } }, { key: 'tag', value: { stringValue: tag } }, { key: 'd', value: { doubleValue: i / 7 } }],
    traceId: Buffer.alloc(16, (i % 250) + 1),
    spanId: Buffer.alloc(8, (i % 250) + 1),
  }));
  records.push(
    { ...records[0]!, timeUnixNano: String(NOW - 40n * DAY), body: { stringValue: `${tag} expired` } },
    { ...records[0]!, timeUnixNano: String(NOW - 45n * DAY), body: { stringValue: `${tag} expired too` } },
    { ...records[0]!, timeUnixNano: '9300000000000000000', body: { stringValue: `${tag} past 2262` } },
    { ...records[0]!, severityNumber: 99, body: { stringValue: `${tag} bad severity` } },
  );
  return Buffer.from(encodeProtobuf('logs', { resourceLogs: [{ resource: resource(path), scopeLogs: [{ scope: { name: 'test', version: '1' }, logRecords: records }] }] }));
}

function traces(path: string, tag: string, n: number): Buffer {
  const spans = Array.from({ length: n }, (_, i) => ({
    traceId: Buffer.alloc(16, (i % 250) + 1),
    spanId: Buffer.alloc(8, (i % 250) + 1),
    name: `${tag} span ${i}`,
    kind: 2,
    startTimeUnixNano: String(NOW - 5_000_000n),
    endTimeUnixNano: String(NOW - BigInt(i)),
    attributes: [{ key: 'http.route', value: { stringValue: `/r/${i % 9}` } }],
    events: [{ timeUnixNano: String(NOW - 1000n), name: 'ev', attributes: [{ key: 'n', value: { intValue: i } }] }],
  }));
  spans.push({ ...spans[0]!, traceId: Buffer.alloc(5, 1), name: `${tag} bad trace id` });
  return Buffer.from(encodeProtobuf('traces', { resourceSpans: [{ resource: resource(path), scopeSpans: [{ spans }] }] }));
}

async function postHttp(route: Route, signal: Signal, body: Buffer): Promise<{ status: number; body: Buffer; retryAfter: string | null }> {
  const response = await fetch(`${receivers.http[route].address}/v1/${signal}`, { method: 'POST', body: body as unknown as BodyInit, headers: { 'content-type': 'application/x-protobuf' } });
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()), retryAfter: response.headers.get('retry-after') };
}

type ExportClient = Client & { Export(body: Buffer, metadata: Metadata, options: object, cb: (err: ServiceError | null, res?: Buffer) => void): void };
const clients: Client[] = [];
function callGrpc(route: Route, signal: Signal, body: Buffer): Promise<{ error: ServiceError | null; response?: Buffer }> {
  const Ctor = makeGenericClientConstructor(exportServiceDefinition(signal), signal);
  const client = new Ctor(`127.0.0.1:${receivers.grpc[route].port}`, credentials.createInsecure()) as unknown as ExportClient;
  clients.push(client);
  return new Promise((resolve) => client.Export(body, new Metadata(), { deadline: Date.now() + 20_000 }, (error, response) => resolve({ error, response })));
}

/** The rows a route stored, every column but the resource attribute naming the route. */
const rows = (table: string, path: string) =>
  store.query<Record<string, unknown>>(
    `SELECT * EXCEPT (ResourceAttributes), mapFilter((k, v) -> k != 'path', ResourceAttributes) AS resource FROM ${table} WHERE ResourceAttributes['path'] = {p:String} ORDER BY ${table === 'otel_logs' ? "Timestamp, Body, LogAttributes['tag']" : 'SpanName'}`,
    { p: path },
  );
const countBody = async (text: string) => Number((await store.query<{ n: string }>(`SELECT count() AS n FROM otel_logs WHERE Body = {b:String}`, { b: text }))[0]!.n);

const pipeline = embeddedPipeline({ dir, store, schemaStore: store, parts: [bus, processor, pool, receivers.http.pooled, receivers.http.inline, receivers.grpc.pooled, receivers.grpc.inline] });
beforeAll(() => pipeline.start(), 60_000);
afterAll(async () => {
  for (const c of clients) c.close();
  await pipeline.stop();
});

describe('OTLP through transcode workers (real receivers, real chDB)', () => {
  it('over HTTP: the same answers and the same rows as transcoding on the main thread', async () => {
    const answers: Record<Route, Array<{ status: number; body: Buffer }>> = { pooled: [], inline: [] };
    for (const route of ['pooled', 'inline'] as const) {
      // Several at once, so both workers and the queue take part.
      const sent = await Promise.all([
        ...Array.from({ length: 6 }, (_, i) => postHttp(route, 'logs', logs(`http-${route}`, `h${i}`, 50 + i * 40))),
        postHttp(route, 'traces', traces(`http-${route}`, 'ht', 60)),
      ]);
      answers[route] = sent.map(({ status, body }) => ({ status, body }));
    }
    for (const answer of answers.pooled) expect(answer.status).toBe(200);
    expect(answers.pooled[0]!.body.length).toBeGreaterThan(0); // a partial_success is there
    expect(answers.pooled).toEqual(answers.inline);
    const logRows = await rows('otel_logs', 'http-pooled');
    expect(logRows).toHaveLength(6 * 50 + 40 * 15);
    expect(logRows).toEqual(await rows('otel_logs', 'http-inline'));
    const spanRows = await rows('otel_traces', 'http-pooled');
    expect(spanRows).toHaveLength(60);
    expect(spanRows).toEqual(await rows('otel_traces', 'http-inline'));
  });

  it('over gRPC: the same answers and the same rows as transcoding on the main thread', async () => {
    const answers: Record<Route, Array<{ code: number | undefined; response: string }>> = { pooled: [], inline: [] };
    for (const route of ['pooled', 'inline'] as const) {
      const sent = await Promise.all([
        ...Array.from({ length: 4 }, (_, i) => callGrpc(route, 'logs', logs(`grpc-${route}`, `g${i}`, 30 + i * 70))),
        callGrpc(route, 'traces', traces(`grpc-${route}`, 'gt', 25)),
      ]);
      answers[route] = sent.map(({ error, response }) => ({ code: error?.code, response: response?.toString('hex') ?? '' }));
    }
    for (const answer of answers.pooled) expect(answer.code).toBeUndefined();
    expect(answers.pooled[0]!.response).not.toBe('');
    expect(answers.pooled).toEqual(answers.inline);
    expect(await rows('otel_logs', 'grpc-pooled')).toHaveLength(4 * 30 + 70 * 6);
    expect(await rows('otel_logs', 'grpc-pooled')).toEqual(await rows('otel_logs', 'grpc-inline'));
    expect(await rows('otel_traces', 'grpc-pooled')).toEqual(await rows('otel_traces', 'grpc-inline'));
  });

  it('a worker that dies fails only the requests it held (503 / UNAVAILABLE, nothing of them stored) and is replaced', async () => {
    const crash = (tag: string) =>
      Buffer.from(encodeProtobuf('logs', { resourceLogs: [{ resource: resource('crash'), scopeLogs: [{ logRecords: [{ timeUnixNano: String(NOW), body: { stringValue: 'CRASH-THIS-TRANSCODE-WORKER' } }, { timeUnixNano: String(NOW), body: { stringValue: tag } }] }] }] }));
    const deaths = pool.stats.worker_deaths;
    const neighbours = Array.from({ length: 8 }, (_, i) => postHttp('pooled', 'logs', logs('neighbours', `n${i}`, 100)));
    const [viaHttp, viaGrpc] = await Promise.all([postHttp('pooled', 'logs', crash('crashed-http')), callGrpc('pooled', 'logs', crash('crashed-grpc'))]);
    const grpcNeighbour = callGrpc('pooled', 'logs', logs('neighbours', 'ng', 100));
    expect(viaHttp.status).toBe(503);
    expect(viaHttp.retryAfter).toBe('1');
    expect(viaHttp.body.toString()).toMatch(/transcode worker .* exited \(code 70\)/);
    expect(viaGrpc.error?.code).toBe(Status.UNAVAILABLE);
    expect(viaGrpc.error?.details).toMatch(/transcode worker/);
    // A worker holds at most two requests: the one it dies on and at most one waiting behind it,
    // which fails with it (retryable); every other neighbour is stored.
    const answers = await Promise.all(neighbours);
    const grpcAnswer = await grpcNeighbour;
    const lost = answers.filter((a) => a.status !== 200);
    for (const answer of lost) expect(answer.body.toString()).toMatch(/transcode worker .* exited \(code 70\)/);
    if (grpcAnswer.error) expect(grpcAnswer.error.code).toBe(Status.UNAVAILABLE);
    const lostCount = lost.length + (grpcAnswer.error ? 1 : 0);
    expect(lostCount).toBeLessThanOrEqual(2);
    // Two deaths, or one when both crashing requests were handed to the same worker.
    expect(pool.stats.worker_deaths - deaths).toBeGreaterThanOrEqual(1);
    expect(pool.stats.worker_deaths - deaths).toBeLessThanOrEqual(2);
    expect(await countBody('crashed-http')).toBe(0);
    expect(await countBody('crashed-grpc')).toBe(0);
    expect(await rows('otel_logs', 'neighbours')).toHaveLength((9 - lostCount) * 100);
    await expect.poll(() => pool.size, { timeout: 15_000 }).toBe(2);
    expect((await postHttp('pooled', 'logs', logs('after-crash', 'a', 10))).status).toBe(200);
    expect(await rows('otel_logs', 'after-crash')).toHaveLength(10);
  });
});

describe('vigil start with collector.otlp.transcode_workers', () => {
  it('starts the workers (the entry loads under bin/vigil.cjs as under vitest), stores through them, stops them', async () => {
    const dataDir = tempDir('transcode-workers');
    try {
      const vigil = await startVigil(dataDir, { collector: { hostmetrics: { enabled: false }, otlp: { transcode_workers: 1 } } });
      expect(vigil.logs.find((l) => l.msg === 'transcode workers started')).toMatchObject({ workers: 1 });
      const response = await fetch(`${vigil.otlp}/v1/logs`, { method: 'POST', body: logs('vigil-start', 'v', 20) as unknown as BodyInit, headers: { 'content-type': 'application/x-protobuf' } });
      expect(response.status).toBe(200);
      expect(Number((await vigil.query<{ n: string }>("SELECT count() AS n FROM otel_logs WHERE ResourceAttributes['path'] = 'vigil-start'"))[0]!.n)).toBe(20);
      expect(await vigil.stop()).toBe(0);
      expect(vigil.logs.find((l) => l.msg === 'transcode workers stopped')).toMatchObject({ transcoded: 1 });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a bad setting at startup, naming it', async () => {
    const dataDir = tempDir('transcode-workers-bad');
    try {
      await expect(startVigil(dataDir, { collector: { otlp: { transcode_workers: 'lots' } } })).rejects.toThrow(/collector\.otlp\.transcode_workers/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
