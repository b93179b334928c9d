/**
 * npm run bench:ingest -- [--records N] [--batch B] [--concurrency C (clients sending at once, default 16)]
 *                          [--self-telemetry on|off (vigil's own metrics and traces; default on, as users run it)]
 *                          [--protocol http|grpc (OTLP/HTTP protobuf on 4318, or OTLP/gRPC on 4317; default http)]
 *
 * Sends N realistic OTLP log records (~400 B, a handful of attributes) through `vigil start`
 * over OTLP/HTTP protobuf (or OTLP/gRPC) and prints JSON: sustained records/s, p50/p99 request-to-queryable
 * latency at half that rate (a 200 means inserted, so queryable), vigil's CPU-seconds per
 * million records and peak RSS, and in the same run the chDB engine's own insert rate for the
 * same rows (the ceiling on this machine).
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { encodeProtobuf, requestToRows, type ExportLogsServiceRequest } from '../../core/model/index.ts';
import { ChdbStore, migrate } from '../../core/store/index.ts';
import { startVigil, tempDir } from '../../test/support/vigil-process.ts';
import { grpcLogSender } from './grpc-log-sender.ts';
import { procUsage } from './proc-usage.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '16' },
    'self-telemetry': { type: 'string', default: 'on' },
    protocol: { type: 'string', default: 'http' },
  },
});
const total = Number(values.records);
const batch = Number(values.batch);
const concurrency = Number(values.concurrency);
const protocol = values.protocol === 'grpc' ? 'grpc' : 'http';

const WORDS = ['GET', 'POST', '/api/orders', '/api/users', 'completed', 'failed', 'in', 'ms', 'status', 'upstream', 'cache', 'miss'];
function request(seq: number, count: number): ExportLogsServiceRequest {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceLogs: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: `svc-${seq % 8}` } },
            { key: 'host.name', value: { stringValue: `node-${seq % 16}` } },
            { key: 'k8s.pod.name', value: { stringValue: `pod-${seq % 64}-7f9c6d5b8-x2x9k` } },
          ],
        },
        scopeLogs: [
          {
            scope: { name: 'bench', version: '1.0.0' },
            logRecords: Array.from({ length: count }, (_, i) => ({
              timeUnixNano: String(now + BigInt(i)),
              severityNumber: i % 10 === 0 ? 17 : 9,
              severityText: i % 10 === 0 ? 'ERROR' : 'INFO',
              body: {
                stringValue: `${WORDS[i % 12]} ${WORDS[(i * 7) % 12]} request ${seq}-${i} ${WORDS[(i * 3) % 12]} in ${i % 997} ms; user=${(i * 31) % 10007} trace=${(seq * 1000 + i).toString(16).padStart(16, '0')} region=eu-west-1 az=b`,
              },
              attributes: [
                { key: 'http.method', value: { stringValue: i % 2 ? 'GET' : 'POST' } },
                { key: 'http.status_code', value: { intValue: i % 10 === 0 ? 500 : 200 } },
                { key: 'http.route', value: { stringValue: `/api/v1/orders/${i % 50}` } },
                { key: 'duration_ms', value: { doubleValue: (i % 997) + 0.25 } },
              ],
              traceId: Buffer.alloc(16, i % 256),
              spanId: Buffer.alloc(8, i % 256),
            })),
          },
        ],
      },
    ],
  };
}

const requests = Array.from({ length: Math.ceil(total / batch) }, (_, i) => Buffer.from(encodeProtobuf('logs', request(i, Math.min(batch, total - i * batch)))));
const bytesPerRecord = requests.reduce((n, r) => n + r.length, 0) / total;

async function sendHttp(otlp: string, body: Buffer): Promise<number> {
  const started = performance.now();
  for (;;) {
    const r = await fetch(`${otlp}/v1/logs`, { method: 'POST', body: body as unknown as BodyInit, headers: { 'Content-Type': 'application/x-protobuf' } });
    await r.arrayBuffer();
    if (r.status === 200) return performance.now() - started;
    if (r.status !== 503) throw new Error(`unexpected ${r.status}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const dir = tempDir('bench');
const selfTelemetry = values['self-telemetry'] !== 'off';
const vigil = await startVigil(dir, { log_level: 'warn', collector: { hostmetrics: { enabled: false } }, telemetry: { enabled: selfTelemetry } });
const pid = vigil.child.pid!;
const grpc = protocol === 'grpc' ? grpcLogSender(String(vigil.logs.find((l) => l.msg === 'vigil started')?.otlpGrpc)) : undefined;
const send = (otlp: string, body: Buffer) => (grpc ? grpc.send(body) : sendHttp(otlp, body));
const before = procUsage(pid);

// Phase 1: as fast as the pipeline takes it.
let next = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < requests.length) await send(vigil.otlp, requests[next++]!);
  }),
);
const seconds = (performance.now() - t0) / 1000;
const after = procUsage(pid);
const rate = total / seconds;

// Phase 2: latency at half the sustained rate, paced.
const paced = requests.slice(0, Math.min(requests.length, 100));
const interval = (batch / (rate / 2)) * 1000;
const latencies: number[] = [];
await Promise.all(paced.map((body, i) => new Promise<void>((res) => setTimeout(async () => {
  latencies.push(await send(vigil.otlp, body));
  res();
}, i * interval))));
latencies.sort((a, b) => a - b);

grpc?.close();
const [stored] = await vigil.query<{ n: string }>('SELECT count() AS n FROM otel_logs');
await vigil.stop();
rmSync(dir, { recursive: true, force: true });

// Baseline in the same run: the engine alone inserting the same rows, JS work excluded.
const engineDir = tempDir('bench-engine');
const engine = new ChdbStore({ path: engineDir });
await engine.start();
await migrate(engine, { database: 'default', ttlDays: 30 });
const rowBatches = requests.map((_, i) => requestToRows('logs', request(i, Math.min(batch, total - i * batch)))[0]!.rows);
const grouped: object[][] = [];
for (let i = 0; i < rowBatches.length; i += 20) grouped.push(rowBatches.slice(i, i + 20).flat());
const e0 = performance.now();
for (const rows of grouped) await engine.insertRows('otel_logs', rows);
const engineSeconds = (performance.now() - e0) / 1000;
await engine.shutdown();
rmSync(engineDir, { recursive: true, force: true });
const engineRate = total / engineSeconds;

process.stdout.write(
  JSON.stringify(
    {
      records: total,
      self_telemetry: selfTelemetry,
      protocol,
      // Phase 1 sends every record once; the latency phase resends the first requests.
      stored_exact: Number(stored!.n) === total + paced.reduce((n, _, i) => n + Math.min(batch, total - i * batch), 0),
      bytes_per_record_protobuf: Math.round(bytesPerRecord),
      records_per_second: Math.round(rate),
      engine_alone_records_per_second: Math.round(engineRate),
      ratio_to_engine: Number((rate / engineRate).toFixed(2)),
      vigil_cpu_seconds_per_million: Number((((after.cpuSeconds - before.cpuSeconds) / total) * 1e6).toFixed(1)),
      vigil_peak_rss_mb: Math.round(after.peakRssMb),
      latency_at_half_rate_ms: { p50: Math.round(percentile(latencies, 50)), p99: Math.round(percentile(latencies, 99)) },
    },
    null,
    2,
  ) + '\n',
);
