import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, makeGenericClientConstructor, Metadata, status as Status, type Client, type ServiceError } from '@grpc/grpc-js';
import protobuf from 'protobufjs/minimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthorizer } from '../../core/auth/index.ts';
import { InProcessBus } from '../../core/bus/index.ts';
import { encodeProtobuf, type Signal } from '../../core/model/index.ts';
import { ChdbStore, StoreError, type EncodedBlock, type Store } from '../../core/store/index.ts';
import { silentLogger } from '../../core/telemetry/index.ts';
import { Processor } from '../../processor/index.ts';
import { retryDelayMs } from './grpc-status.ts';
import { OtlpGrpcReceiver } from './otlp-grpc-receiver.ts';
import { exportServiceDefinition } from './service-definition.ts';
import { embeddedPipeline } from '../../test/support/embedded-pipeline.ts';

const topics = { logs: 'otlp_logs', metrics: 'otlp_metrics', traces: 'otlp_spans' };
const dir = mkdtempSync(join(tmpdir(), 'vigil-otlp-grpc-'));
const chdb = new ChdbStore({ path: dir });

/** The real store, with a gate tests can close (a slow ClickHouse) or a failure they can set (a down one). */
class GatedStore implements Store {
  readonly kind = 'chdb' as const;
  readonly database = 'default';
  gate: Promise<void> = Promise.resolve();
  failure: Error | undefined;
  constructor(private readonly inner: Store) {}
  start() { return this.inner.start(); }
  shutdown() { return this.inner.shutdown(); }
  exec(sql: string) { return this.inner.exec(sql); }
  query<T>(sql: string, params?: Record<string, unknown>) { return this.inner.query<T>(sql, params); }
  readOnlyQuery(sql: string, limits: { maxExecutionTimeMs: number; maxResultRows: number }, params?: Record<string, unknown>) { return this.inner.readOnlyQuery(sql, limits, params); }
  async insertRows(table: string, rows: readonly object[]) {
    await this.gate;
    if (this.failure) throw this.failure;
    return this.inner.insertRows(table, rows);
  }
  async insertEncoded(table: string, block: EncodedBlock) {
    await this.gate;
    if (this.failure) throw this.failure;
    return this.inner.insertEncoded!(table, block);
  }
}
const store = new GatedStore(chdb);
const bus = new InProcessBus({ maxPendingBytes: 64 * 1024, retryAfterMs: 2000 });
const processor = new Processor({ bus, store, topics, batch: { maxRows: 1000, maxDelayMs: 20, retryForMs: 300 }, logger: silentLogger });
const options = { host: '127.0.0.1', port: 0, maxRecvMsgBytes: 256 * 1024, retryAfterMs: 2000, bus, topics, logger: silentLogger, ttlDays: 30 };
const receiver = new OtlpGrpcReceiver(options);
const secured = new OtlpGrpcReceiver({
  ...options,
  auth: { authorizer: createAuthorizer([{ name: 'ingester', secret: 'i'.repeat(32), roles: ['ingest'] }, { name: 'reader', secret: 'r'.repeat(32), roles: ['read'] }]), allowAnonymous: false },
});

type ExportClient = Client & { Export(body: Buffer, metadata: Metadata, options: object, cb: (err: ServiceError | null, res?: Buffer) => void): void };
const clients: Client[] = [];
function client(port: number, signal: Signal, compression?: 'gzip'): ExportClient {
  const Ctor = makeGenericClientConstructor(exportServiceDefinition(signal), signal);
  const c = new Ctor(`127.0.0.1:${port}`, credentials.createInsecure(), compression ? { 'grpc.default_compression_algorithm': 2 } : {}) as unknown as ExportClient;
  clients.push(c);
  return c;
}
const call = (c: ExportClient, body: Buffer, metadata = new Metadata()) =>
  new Promise<{ error: ServiceError | null; response?: Buffer }>((resolve) => c.Export(body, metadata, { deadline: Date.now() + 20_000 }, (error, response) => resolve({ error, response })));

const logsRequest = (body: string, n = 1) =>
  Buffer.from(
    encodeProtobuf('logs', {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'grpc-receiver-test' } }] },
          scopeLogs: [{ logRecords: Array.from({ length: n }, () => ({ timeUnixNano: `${Date.now()}000000`, severityText: 'INFO', body: { stringValue: body } })) }],
        },
      ],
    }),
  );
const countBody = async (body: string) => {
  const [row] = await chdb.query<{ n: string }>('SELECT count() AS n FROM otel_logs WHERE Body = {b:String}', { b: body });
  return Number(row!.n);
};

const pipeline = embeddedPipeline({ dir, store, schemaStore: store, parts: [bus, processor, receiver, secured] });
beforeAll(() => pipeline.start(), 60_000);
afterAll(async () => {
  for (const c of clients) c.close();
  await pipeline.stop();
});

describe('OTLP/gRPC receiver', () => {
  it('stores plain and gzipped requests before answering OK with an empty response', async () => {
    const plain = await call(client(receiver.port, 'logs'), logsRequest('grpc-plain', 3));
    expect(plain.error).toBeNull();
    expect(plain.response!.length).toBe(0);
    expect(await countBody('grpc-plain')).toBe(3);
    const gzipped = await call(client(receiver.port, 'logs', 'gzip'), logsRequest('grpc-gzip', 4));
    expect(gzipped.error).toBeNull();
    expect(await countBody('grpc-gzip')).toBe(4);
  });

  it('stores the valid records and reports the rejected ones in partial_success', async () => {
    const request = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'grpc-receiver-test' } }] },
          scopeLogs: [
            {
              logRecords: [
                { timeUnixNano: `${Date.now()}000000`, body: { stringValue: 'grpc-partial' } },
                // Older than store.ttl_days: ClickHouse would drop it silently at insert.
                { timeUnixNano: '946684800000000000', body: { stringValue: 'grpc-partial' } },
              ],
            },
          ],
        },
      ],
    };
    const { error, response } = await call(client(receiver.port, 'logs'), Buffer.from(encodeProtobuf('logs', request)));
    expect(error).toBeNull();
    // ExportLogsServiceResponse { partial_success = 1 { rejected_log_records = 1, error_message = 2 } }
    const partial = protobuf.Reader.create(response!);
    expect(partial.uint32()).toBe(10);
    const inner = protobuf.Reader.create(partial.bytes());
    expect(inner.uint32()).toBe(8);
    expect(Number(inner.int64())).toBe(1);
    expect(inner.uint32()).toBe(18);
    expect(inner.string()).toMatch(/expired/);
    expect(await countBody('grpc-partial')).toBe(1);
    expect(receiver.records.rejected).toBe(1);
  });

  it('answers malformed protobuf with INVALID_ARGUMENT (not retryable) and keeps serving', async () => {
    const bad = await call(client(receiver.port, 'logs'), Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    expect(bad.error?.code).toBe(Status.INVALID_ARGUMENT);
    expect(bad.error?.details).toMatch(/invalid OTLP protobuf logs request/);
    expect(retryDelayMs(bad.error?.metadata.get('grpc-status-details-bin')[0] as Buffer | undefined)).toBeUndefined();
    expect((await call(client(receiver.port, 'logs'), logsRequest('grpc-after-bad'))).error).toBeNull();
  });

  it('answers a message over max_recv_msg_bytes with RESOURCE_EXHAUSTED and no RetryInfo, also when gzip hides the size', async () => {
    const huge = logsRequest('x'.repeat(300 * 1024));
    const plain = await call(client(receiver.port, 'logs'), huge);
    expect(plain.error?.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(plain.error?.metadata.get('grpc-status-details-bin')).toEqual([]);
    // ~300 KiB of one letter gzips to a few hundred bytes: the limit applies to the inflated size.
    const bomb = await call(client(receiver.port, 'logs', 'gzip'), huge);
    expect(bomb.error?.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(await countBody('x'.repeat(300 * 1024))).toBe(0);
  });

  it('answers RESOURCE_EXHAUSTED with RetryInfo while the pipeline is saturated, and stores once it drains', async () => {
    let open!: () => void;
    store.gate = new Promise((resolve) => (open = resolve));
    const held = call(client(receiver.port, 'logs'), logsRequest('grpc-held', 2000)); // ~70 KiB: over the 64 KiB bound
    await new Promise((r) => setTimeout(r, 200));
    const refused = await call(client(receiver.port, 'logs'), logsRequest('grpc-refused', 200));
    expect(refused.error?.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(retryDelayMs(refused.error!.metadata.get('grpc-status-details-bin')[0] as Buffer)).toBe(2000);
    open();
    expect((await held).error).toBeNull();
    expect(await countBody('grpc-held')).toBe(2000);
    expect(await countBody('grpc-refused')).toBe(0);
  });

  it('answers UNAVAILABLE with RetryInfo while the store fails, and partial_success when it refuses the rows', async () => {
    store.failure = new StoreError('connection refused', true);
    try {
      const down = await call(client(receiver.port, 'logs'), logsRequest('grpc-store-down'));
      expect(down.error?.code).toBe(Status.UNAVAILABLE);
      expect(retryDelayMs(down.error!.metadata.get('grpc-status-details-bin')[0] as Buffer)).toBe(2000);
      store.failure = new StoreError('Cannot parse input', false, 27);
      // Rows the store refuses as such are not retryable: OK, reported in partial_success.
      const refused = await call(client(receiver.port, 'logs'), logsRequest('grpc-store-refused'));
      expect(refused.error).toBeNull();
      expect(refused.response!.length).toBeGreaterThan(0);
    } finally {
      store.failure = undefined;
    }
    expect(receiver.stats.failed).toBeGreaterThanOrEqual(1);
  });

  it('takes bearer tokens from metadata: none is UNAUTHENTICATED, a token without ingest is PERMISSION_DENIED', async () => {
    const c = client(secured.port, 'logs');
    expect((await call(c, logsRequest('grpc-anon'))).error?.code).toBe(Status.UNAUTHENTICATED);
    const reader = new Metadata();
    reader.set('authorization', `Bearer ${'r'.repeat(32)}`);
    expect((await call(c, logsRequest('grpc-reader'), reader)).error?.code).toBe(Status.PERMISSION_DENIED);
    const ingester = new Metadata();
    ingester.set('authorization', `Bearer ${'i'.repeat(32)}`);
    expect((await call(c, logsRequest('grpc-ingester'), ingester)).error).toBeNull();
    expect(await countBody('grpc-ingester')).toBe(1);
    expect(await countBody('grpc-anon')).toBe(0);
    expect(secured.stats.unauthorized).toBe(2);
  });

  it('refuses a non-loopback bind without tokens, and shuts down twice or without start', async () => {
    await expect(new OtlpGrpcReceiver({ ...options, host: '0.0.0.0' }).start()).rejects.toThrow(/no auth token is configured/);
    const idle = new OtlpGrpcReceiver(options);
    await idle.shutdown();
    await idle.start();
    await idle.shutdown();
    await idle.shutdown();
  });
});
