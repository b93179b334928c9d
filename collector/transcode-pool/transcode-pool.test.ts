import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusSaturatedError } from '../../core/bus/index.ts';
import { decodeJson, encodeProtobuf, MalformedOtlpError, RECORD_NOUN, RejectionTally, transcodeRequest, type Signal } from '../../core/model/index.ts';
import { silentLogger } from '../../core/telemetry/index.ts';
import { sdkSeeds } from '../../scripts/fuzz/sdk-seeds.ts';
import { replayRejections } from './replayable-tally.ts';
import { TranscodePool, TranscodeWorkerLostError } from './transcode-pool.ts';

const CRASHING = new URL('./testdata/crash-on-cue-worker-entry.mjs', import.meta.url);
const NOW_MS = Date.now();
const nanos = (msAgo: number) => String(BigInt(NOW_MS - msAgo) * 1_000_000n);
const encode = (signal: Signal, request: object) => Buffer.from(encodeProtobuf(signal, request as never));
const golden = (signal: Signal) => encode(signal, decodeJson(signal, readFileSync(join(import.meta.dirname, `../../core/model/testdata/${signal}.json`), 'utf8')));
const logs = (bodies: string[], extra: object[] = []) =>
  encode('logs', {
    resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'pool-test' } }] }, scopeLogs: [{ logRecords: [...bodies.map((b, i) => ({ timeUnixNano: nanos(i), body: { stringValue: b } })), ...extra] }] }],
  });
const threads = () => readdirSync('/proc/self/task').length;

/** What the receiver gets in-process: rows, records and the tally's report. */
function inProcess(signal: Signal, bytes: Buffer, ttlDays?: number) {
  const tally = new RejectionTally(RECORD_NOUN[signal]);
  const result = transcodeRequest(signal, Buffer.from(bytes), { ttlDays, nowMs: NOW_MS, tally });
  return { tables: result.tables.map((t) => ({ table: t.table, columns: [...t.columns], data: Buffer.from(t.data), offsets: [...t.offsets] })), records: result.records, rejected: tally.toJSON() };
}

async function pooled(pool: TranscodePool, signal: Signal, bytes: Buffer, ttlDays?: number) {
  const result = await pool.transcode(signal, Buffer.from(bytes), { ttlDays, nowMs: NOW_MS });
  const tally = new RejectionTally(RECORD_NOUN[signal]);
  replayRejections(result.rejections, tally);
  expect(result.body.equals(bytes)).toBe(true); // the request's bytes come back whole
  return { tables: result.tables.map((t) => ({ table: t.table, columns: [...t.columns], data: Buffer.from(t.data), offsets: [...t.offsets] })), records: result.records, rejected: tally.toJSON() };
}

describe('TranscodePool', () => {
  const pool = new TranscodePool({ workers: 2, maxQueued: 64, retryAfterMs: 1000, logger: silentLogger, entry: CRASHING });

  beforeAll(() => pool.start());
  afterAll(() => pool.shutdown());

  it('gives byte for byte the rows, records and rejections of the in-process transcoder', async () => {
    const cases: Array<[Signal, Buffer, number?]> = [
      ['logs', golden('logs')],
      ['traces', golden('traces')],
      ['metrics', golden('metrics')],
      // Rejections of several reasons (message: counts and first examples, in order).
      ['logs', logs(['ok', 'ok too'], [{ timeUnixNano: '9300000000000000000', body: { stringValue: 'past 2262' } }, { timeUnixNano: nanos(0), severityNumber: 99 }, { timeUnixNano: nanos(40 * 86_400_000) }, { timeUnixNano: nanos(50 * 86_400_000) }]), 30],
      ['traces', encode('traces', { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2), name: 'ok', startTimeUnixNano: nanos(5), endTimeUnixNano: nanos(1) }, { traceId: Buffer.alloc(3), spanId: Buffer.alloc(8, 2), name: 'bad id', startTimeUnixNano: nanos(5) }] }] }] })],
    ];
    for (const seed of (await sdkSeeds()).filter((s) => s.encoding === 'protobuf')) cases.push([seed.signal, Buffer.from(seed.bytes)]);
    const results = await Promise.all(cases.map(([signal, bytes, ttl]) => pooled(pool, signal, bytes, ttl)));
    cases.forEach(([signal, bytes, ttl], i) => expect(results[i]).toEqual(inProcess(signal, bytes, ttl)));
    expect(results[3]!.rejected.count).toBe(4);
    expect(results[4]!.rejected.reasons).toEqual({ invalid_trace_id: 1 });
  });

  it('refuses malformed protobuf as the in-process path does', async () => {
    const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2]);
    expect(() => transcodeRequest('logs', garbage)).toThrow(MalformedOtlpError);
    await expect(pool.transcode('logs', garbage, { nowMs: NOW_MS })).rejects.toThrow(MalformedOtlpError);
  });

  it('a worker that dies fails only the requests it held (the one it was on, and at most one waiting in its port), and is replaced', async () => {
    const deathsBefore = pool.stats.worker_deaths;
    const fine = Array.from({ length: 20 }, (_, i) => pool.transcode('logs', logs([`fine ${i}`]), { nowMs: NOW_MS }));
    const doomed = pool.transcode('logs', logs(['CRASH-THIS-TRANSCODE-WORKER']), { nowMs: NOW_MS });
    const more = Array.from({ length: 20 }, (_, i) => pool.transcode('logs', logs([`more ${i}`]), { nowMs: NOW_MS }));
    await expect(doomed).rejects.toThrow(TranscodeWorkerLostError);
    await expect(doomed).rejects.toThrow(/exited \(code 70\)/);
    const settled = await Promise.allSettled([...fine, ...more]);
    const lost = settled.filter((s) => s.status === 'rejected');
    expect(lost.length).toBeLessThanOrEqual(1);
    for (const l of lost) expect((l as PromiseRejectedResult).reason).toBeInstanceOf(TranscodeWorkerLostError);
    expect(pool.stats.worker_deaths).toBe(deathsBefore + 1);
    await expect.poll(() => pool.size, { timeout: 10_000 }).toBe(2);
    expect((await pool.transcode('logs', logs(['after']), { nowMs: NOW_MS })).records).toBe(1);
  });

  it('bounds the requests waiting for a worker, refusing the rest as saturation', async () => {
    const small = new TranscodePool({ workers: 1, maxQueued: 3, retryAfterMs: 1000, logger: silentLogger });
    await small.start();
    try {
      const big = logs(Array.from({ length: 2000 }, (_, i) => `record ${i} `.repeat(20)));
      // A copy each: the pool moves a request's buffer to the worker.
      const settled = await Promise.allSettled(Array.from({ length: 12 }, () => small.transcode('logs', Buffer.from(big), { nowMs: NOW_MS })));
      const refused = settled.filter((s) => s.status === 'rejected');
      // Two handed to the worker, three waiting; the rest refused at once, retryable, and counted.
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(5);
      expect(refused).toHaveLength(7);
      for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(BusSaturatedError);
      expect(small.stats.refused_queue_full).toBe(7);
    } finally {
      await small.shutdown();
    }
  });

  it('leaves a body it cannot own to its caller: a slice of a larger buffer is copied, not moved', async () => {
    const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), logs(['framed'.repeat(1000)])]);
    const body = framed.subarray(5); // as gRPC hands a message over: after its 5-byte frame header
    expect((await pool.transcode('logs', body, { nowMs: NOW_MS })).records).toBe(1);
    expect(framed.length).toBeGreaterThan(5); // not detached
    expect(body.equals(logs(['framed'.repeat(1000)]))).toBe(true);
  });

  it('shutdown ends every worker thread and refuses later requests', async () => {
    const other = new TranscodePool({ workers: 3, maxQueued: 8, retryAfterMs: 1000, logger: silentLogger });
    await expect.poll(() => pool.size).toBe(2); // no replacement of the other pool still starting
    const before = threads();
    await other.start();
    expect(threads()).toBeGreaterThanOrEqual(before + 3);
    await other.shutdown();
    await other.shutdown(); // twice is fine
    expect(other.size).toBe(0);
    await expect.poll(threads, { timeout: 5_000 }).toBeLessThanOrEqual(before);
    await expect(other.transcode('logs', logs(['late']), { nowMs: NOW_MS })).rejects.toThrow(TranscodeWorkerLostError);
  });

  it('a worker entry that cannot load fails start() with its error and leaves no worker behind', async () => {
    const broken = new TranscodePool({ workers: 2, maxQueued: 8, retryAfterMs: 1000, logger: silentLogger, entry: new URL('./testdata/no-such-entry.mjs', import.meta.url) });
    await expect(broken.start()).rejects.toThrow(/could not start/);
    expect(broken.size).toBe(0);
  });
});
