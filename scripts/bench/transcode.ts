import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { acceptRequest, decodeProtobuf, encodeProtobuf, type Signal } from '../../core/model/index.ts';
import { TABLE_COLUMNS, transcodeRequest } from '../../core/model/transcode/index.ts';
import { RowBinaryEncoder } from '../../core/store/row-binary/row-binary-encoder.ts';

/**
 * CPU-seconds per million records: the reference path (protobufjs decode → acceptRequest →
 * requestToRows → RowBinaryEncoder) against the transcoder (protobuf → RowBinary), per signal,
 * on the same requests in the same process, rounds alternating. Prints JSON.
 *   npm run bench:transcode -- [--records 200000] [--batch 100] [--rounds 3]
 */
const { values } = parseArgs({ options: { records: { type: 'string', default: '200000' }, batch: { type: 'string', default: '100' }, rounds: { type: 'string', default: '3' } } });
const total = Number(values.records);
const batch = Number(values.batch);
const rounds = Number(values.rounds);
const nowNs = BigInt(Date.now()) * 1_000_000n;
const id = (n: number, i: number) => Buffer.alloc(n, (i % 255) + 1);
const WORDS = ['GET', 'POST', '/api/orders', '/api/users', 'completed', 'failed', 'in', 'ms', 'status', 'upstream', 'cache', 'miss'];
const resource = (seq: number) => ({
  attributes: [
    { key: 'service.name', value: { stringValue: `svc-${seq % 8}` } },
    { key: 'host.name', value: { stringValue: `node-${seq % 16}` } },
    { key: 'k8s.pod.name', value: { stringValue: `pod-${seq % 64}-7f9c6d5b8-x2x9k` } },
  ],
});
const attrs = (i: number) => [
  { key: 'http.method', value: { stringValue: i % 2 ? 'GET' : 'POST' } },
  { key: 'http.status_code', value: { intValue: i % 10 === 0 ? 500 : 200 } },
  { key: 'http.route', value: { stringValue: `/api/v1/orders/${i % 50}` } },
  { key: 'duration_ms', value: { doubleValue: (i % 997) + 0.25 } },
];

// The shapes of bench:ingest's log records (~400 B), SDK-like spans and the common metric kinds.
const BUILD: Record<Signal, (seq: number, count: number) => object> = {
  logs: (seq, count) => ({
    resourceLogs: [{ resource: resource(seq), scopeLogs: [{ scope: { name: 'bench', version: '1.0.0' }, logRecords: Array.from({ length: count }, (_, i) => ({
      timeUnixNano: String(nowNs + BigInt(i)),
      severityNumber: i % 10 === 0 ? 17 : 9,
      severityText: i % 10 === 0 ? 'ERROR' : 'INFO',
      body: { stringValue: `${WORDS[i % 12]} ${WORDS[(i * 7) % 12]} request ${seq}-${i} ${WORDS[(i * 3) % 12]} in ${i % 997} ms; user=${(i * 31) % 10007} trace=${(seq * 1000 + i).toString(16).padStart(16, '0')} region=eu-west-1 az=b` },
      attributes: attrs(i),
      traceId: id(16, i),
      spanId: id(8, i),
    })) }] }],
  }),
  traces: (seq, count) => ({
    resourceSpans: [{ resource: resource(seq), scopeSpans: [{ scope: { name: 'bench', version: '1.0.0' }, spans: Array.from({ length: count }, (_, i) => ({
      traceId: id(16, i), spanId: id(8, i + 1), parentSpanId: i % 4 ? id(8, i + 2) : undefined,
      name: `GET /api/v1/orders/${i % 50}`, kind: 2, startTimeUnixNano: String(nowNs + BigInt(i)), endTimeUnixNano: String(nowNs + BigInt(i) + 1_250_000n),
      attributes: attrs(i), events: i % 5 === 0 ? [{ timeUnixNano: String(nowNs), name: 'exception', attributes: [{ key: 'exception.type', value: { stringValue: 'Timeout' } }] }] : [],
      status: { code: i % 10 === 0 ? 2 : 1 },
    })) }] }],
  }),
  metrics: (seq, count) => {
    const point = (i: number) => ({ attributes: attrs(i).slice(0, 3), startTimeUnixNano: String(nowNs - 60_000_000_000n), timeUnixNano: String(nowNs + BigInt(i)) });
    const third = Math.ceil(count / 3);
    return {
      resourceMetrics: [{ resource: resource(seq), scopeMetrics: [{ scope: { name: 'bench' }, metrics: [
        { name: 'queue.depth', unit: '1', gauge: { dataPoints: Array.from({ length: third }, (_, i) => ({ ...point(i), asDouble: i * 0.5 })) } },
        { name: 'requests', unit: '1', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: Array.from({ length: third }, (_, i) => ({ ...point(i), asInt: i * 7 })) } },
        { name: 'latency', unit: 'ms', histogram: { aggregationTemporality: 2, dataPoints: Array.from({ length: count - 2 * third }, (_, i) => ({ ...point(i), count: 10, sum: 55.5, bucketCounts: [1, 2, 3, 4, 0], explicitBounds: [5, 10, 25, 50], min: 1, max: 49 })) } },
      ] }] }],
    };
  },
};

const encoders = new Map<string, RowBinaryEncoder>();
function reference(signal: Signal, bytes: Buffer): number {
  const accepted = acceptRequest(signal, decodeProtobuf(signal, bytes));
  let size = 0;
  for (const t of accepted.rows) {
    if (t.rows.length === 0) continue;
    let encoder = encoders.get(t.table);
    if (!encoder) encoders.set(t.table, (encoder = new RowBinaryEncoder(Object.keys(t.rows[0]!), new Map(TABLE_COLUMNS[t.table]!.map(([n, ty]) => [n, ty])))));
    size += encoder.encode(t.rows).length;
  }
  return size;
}
function transcoder(signal: Signal, bytes: Buffer): number {
  const result = transcodeRequest(signal, bytes);
  if (result.path !== 'transcoder') throw new Error('bench request left the transcoder path');
  return result.tables.reduce((n, t) => n + t.data.length, 0);
}

/** With --expose-gc (npm run bench:transcode), each round starts on a collected heap, so neither path pays for the other's garbage. */
const collect = (globalThis as { gc?: () => void }).gc ?? (() => {});

function cpuSeconds(run: () => void): { cpu: number; wall: number } {
  collect();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  run();
  const cpu = process.cpuUsage(cpu0);
  return { cpu: (cpu.user + cpu.system) / 1e6, wall: (performance.now() - t0) / 1000 };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const loadBefore = loadavg();
const results: Record<string, unknown> = {};
for (const signal of ['logs', 'traces', 'metrics'] as const) {
  const records = signal === 'logs' ? total : Math.ceil(total / 2);
  const requests = Array.from({ length: Math.ceil(records / batch) }, (_, i) => Buffer.from(encodeProtobuf(signal, BUILD[signal](i, Math.min(batch, records - i * batch)) as never)));
  // Same bytes out of both (the differential tests check this on everything; here on the bench load).
  if (reference(signal, requests[0]!) !== transcoder(signal, requests[0]!)) throw new Error(`${signal}: the two paths disagree on the bench request`);
  // One untimed full pass of each path: with only a few requests, the first timed rounds still
  // paid for JIT compilation (the transcoder's rounds fell by half from the first to the last).
  requests.forEach((b) => reference(signal, b));
  requests.forEach((b) => transcoder(signal, b));
  const ref: number[] = [];
  const fast: number[] = [];
  const refWall: number[] = [];
  const fastWall: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const a = cpuSeconds(() => requests.forEach((b) => reference(signal, b)));
    const b = cpuSeconds(() => requests.forEach((b2) => transcoder(signal, b2)));
    ref.push(a.cpu);
    refWall.push(a.wall);
    fast.push(b.cpu);
    fastWall.push(b.wall);
  }
  const perMillion = (s: number) => Number(((s * 1e6) / records).toFixed(2));
  results[signal] = {
    records,
    recordsPerRequest: batch,
    bytesPerRecord: Math.round(requests.reduce((n, r) => n + r.length, 0) / records),
    referenceCpuSecondsPerMillion: perMillion(median(ref)),
    transcoderCpuSecondsPerMillion: perMillion(median(fast)),
    speedup: Number((median(ref) / median(fast)).toFixed(2)),
    referenceRecordsPerSecond: Math.round(records / median(refWall)),
    transcoderRecordsPerSecond: Math.round(records / median(fastWall)),
    roundsCpuSeconds: { reference: ref.map((x) => Number(x.toFixed(3))), transcoder: fast.map((x) => Number(x.toFixed(3))) },
  };
}
console.log(JSON.stringify({ node: process.version, rounds, loadAverageBefore: loadBefore.map((x) => Number(x.toFixed(2))), loadAverageAfter: loadavg().map((x) => Number(x.toFixed(2))), ...results }, null, 2));
