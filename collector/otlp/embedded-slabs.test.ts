import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus } from '../../core/bus/index.ts';
import { encodeProtobuf } from '../../core/model/index.ts';
import { ChdbStore } from '../../core/store/index.ts';
import { silentLogger } from '../../core/telemetry/index.ts';
import { Processor } from '../../processor/index.ts';
import { OtlpReceiver } from './otlp-receiver.ts';
import { embeddedPipeline } from '../../test/support/embedded-pipeline.ts';

// Embedded mode as `vigil start` runs it: the real engine with encoded inserts, so bodies and
// their RowBinary blocks live in the receiver's reused slabs (slab-pool.ts) and group-commit
// batches reach the INFILE as their blocks. Waves of concurrent requests reuse every slab many
// times; a piece handed out twice, or reused before its insert, would show as wrong or lost rows.
const topics = { logs: 'slab_logs', metrics: 'slab_metrics', traces: 'slab_spans' };
const dir = mkdtempSync(join(tmpdir(), 'vigil-slabs-'));
const store = new ChdbStore({ path: dir });
const bus = new InProcessBus({ maxPendingBytes: 64 * 1024 * 1024, retryAfterMs: 1000 });
const processor = new Processor({ bus, store, topics, batch: { maxRows: 20_000, maxDelayMs: 0, retryForMs: 1000 }, logger: silentLogger, ttlDays: 30 });
const receiver = new OtlpReceiver({
  host: '127.0.0.1',
  port: 0,
  maxRequestBytes: 16 * 1024 * 1024,
  maxDecompressedBytes: 64 * 1024 * 1024,
  retryAfterMs: 1000,
  bus,
  topics,
  logger: silentLogger,
  ttlDays: 30,
});

/** Request `id`: `records` records whose bodies name the request and the record, padded to vary sizes. */
function logsRequest(id: number, records: number) {
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: `slab-${id % 7}` } }] },
        scopeLogs: [
          {
            logRecords: Array.from({ length: records }, (_, i) => ({
              timeUnixNano: `${Date.now()}000000`,
              body: { stringValue: `r${id}-${i}-${'x'.repeat((id * 31 + i) % 400)}` },
              attributes: [{ key: 'request', value: { intValue: id } }],
            })),
          },
        ],
      },
    ],
  };
}

/** POSTs without Content-Length (chunked), which takes the join path instead of the slab. */
function postChunked(body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${receiver.address}/v1/logs`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf', 'Transfer-Encoding': 'chunked' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.write(body.subarray(0, body.length >> 1));
    req.end(body.subarray(body.length >> 1));
  });
}

async function send(id: number, records: number): Promise<number> {
  const body = Buffer.from(encodeProtobuf('logs', logsRequest(id, records)));
  if (id % 5 === 3) return postChunked(body);
  const gzip = id % 5 === 4;
  const r = await fetch(`${receiver.address}/v1/logs`, {
    method: 'POST',
    body: (gzip ? gzipSync(body) : body) as unknown as BodyInit,
    headers: { 'Content-Type': 'application/x-protobuf', ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) },
  });
  await r.arrayBuffer();
  return r.status;
}

const pipeline = embeddedPipeline({ dir, store, schemaStore: store, parts: [bus, processor, receiver] });
beforeAll(() => pipeline.start());
afterAll(() => pipeline.stop());

describe('embedded receiver with slabs', () => {
  it('stores every record of many concurrent requests exactly once, byte for byte', async () => {
    const sizes = new Map<number, number>();
    let id = 0;
    for (let wave = 0; wave < 6; wave++) {
      const ids = Array.from({ length: 24 }, () => id++);
      for (const i of ids) sizes.set(i, 1 + ((i * 37) % 300));
      const statuses = await Promise.all(ids.map((i) => send(i, sizes.get(i)!)));
      expect(statuses.every((s) => s === 200)).toBe(true);
    }
    const rows = await store.query<{ request: string; n: string; bad: string }>(
      `SELECT LogAttributes['request'] AS request, count() AS n,
              countIf(Body != concat('r', request, '-', splitByChar('-', Body)[2], '-', repeat('x', (toUInt32(request) * 31 + toUInt32(splitByChar('-', Body)[2])) % 400))) AS bad
       FROM otel_logs GROUP BY request`,
    );
    expect(rows.length).toBe(sizes.size);
    for (const row of rows) {
      expect(Number(row.n)).toBe(sizes.get(Number(row.request)));
      expect(Number(row.bad)).toBe(0);
    }
  });
});
