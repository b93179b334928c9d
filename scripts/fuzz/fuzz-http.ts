import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { acceptRequest, decodeJson, decodeProtobuf, type Signal } from '../../core/model/index.ts';
import { startVigil, tempDir } from '../../test/support/vigil-process.ts';
import { mutate, prng } from './mutate.ts';
import type { Seed } from './sdk-seeds.ts';

const root = createRequire(import.meta.url)('@opentelemetry/otlp-transformer/build/src/generated/root.js');
const RESPONSES = {
  logs: { type: root.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse, field: 'rejectedLogRecords' },
  metrics: { type: root.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse, field: 'rejectedDataPoints' },
  traces: { type: root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse, field: 'rejectedSpans' },
} as const;
const TABLES = ['otel_logs', 'otel_traces', 'otel_metrics_gauge', 'otel_metrics_sum', 'otel_metrics_histogram', 'otel_metrics_exponential_histogram', 'otel_metrics_summary'];

export interface HttpFigures {
  inputs: number;
  byStatus: Record<string, number>;
  /** Records in 2xx requests, as the client counts them. */
  sent: number;
  /** Records the server reported rejected in partial_success. */
  rejected: number;
  /** Rows in the tables afterwards: must equal sent − rejected. */
  stored: number;
  failures: string[];
  seconds: number;
  vigilAlive: boolean;
}

/** Rejected count from a 2xx body, in the response's encoding. */
function rejectedIn(signal: Signal, body: Buffer, contentType: string): number {
  if (body.length === 0) return 0;
  if (contentType.includes('json')) {
    const partial = JSON.parse(body.toString('utf8')).partialSuccess;
    return partial ? Number(partial[RESPONSES[signal].field] ?? 0) : 0;
  }
  const partial = RESPONSES[signal].type.decode(body).partialSuccess;
  return partial ? Number(partial[RESPONSES[signal].field] ?? 0) : 0;
}

/**
 * Sends `inputs` mutated payloads to a real `vigil start` (embedded) with `concurrency` in
 * flight. Invariants: every answer is 2xx or 4xx; the process stays up; for every 2xx the
 * records the client sent minus those the server reported rejected are in the tables.
 */
export async function fuzzHttp(seeds: readonly Seed[], inputs: number, seed: number, concurrency: number): Promise<HttpFigures> {
  const dir = tempDir('fuzz-http');
  const vigil = await startVigil(dir, {
    collector: { hostmetrics: { enabled: false } },
    // Long retention so the golden requests of 2025 are stored, not all rejected as expired.
    store: { ttl_days: 3650 },
    telemetry: { enabled: false },
    alerts: { enabled: false },
  });
  const random = prng(seed);
  const figures: HttpFigures = { inputs, byStatus: {}, sent: 0, rejected: 0, stored: 0, failures: [], seconds: 0, vigilAlive: true };
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < inputs) {
      const index = next++;
      if (index > 0 && index % 5_000 === 0) console.error(JSON.stringify({ progress: 'http', ...figures, inputs: index, seconds: (performance.now() - started) / 1000 }));
      const input = mutate(random, seeds);
      const gzip = random() < 0.1;
      const path = { logs: '/v1/logs', metrics: '/v1/metrics', traces: '/v1/traces' }[input.signal];
      let records = 0;
      try {
        const request = input.encoding === 'json' ? decodeJson(input.signal, Buffer.from(input.bytes).toString('utf8')) : decodeProtobuf(input.signal, input.bytes);
        records = acceptRequest(input.signal, request).records;
      } catch {
        records = -1; // the client's decoder refuses it too: the server must answer 4xx
      }
      try {
        const response = await fetch(`${vigil.otlp}${path}`, {
          method: 'POST',
          headers: { 'content-type': input.encoding === 'json' ? 'application/json' : 'application/x-protobuf', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
          body: (gzip ? gzipSync(input.bytes) : Buffer.from(input.bytes)) as unknown as BodyInit,
        });
        const body = Buffer.from(await response.arrayBuffer());
        figures.byStatus[response.status] = (figures.byStatus[response.status] ?? 0) + 1;
        if (response.status >= 200 && response.status < 300) {
          if (records < 0) figures.failures.push(`#${index}: 2xx for a request the reference decoder refuses`);
          figures.sent += Math.max(0, records);
          figures.rejected += rejectedIn(input.signal, body, response.headers.get('content-type') ?? '');
        } else if (response.status >= 500 || response.status < 400) {
          figures.failures.push(`#${index}: ${response.status} ${body.toString('utf8').slice(0, 300)}`);
        }
      } catch (error) {
        figures.failures.push(`#${index}: ${(error as Error).message}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
    figures.seconds = (performance.now() - started) / 1000;
    figures.vigilAlive = vigil.child.exitCode === null;
    if (!figures.vigilAlive) figures.failures.push(`vigil exited with ${vigil.child.exitCode}`);
    const counts = await vigil.query<{ n: string }>(TABLES.map((t) => `SELECT count() AS n FROM ${t}`).join(' UNION ALL '));
    figures.stored = counts.reduce((n, r) => n + Number(r.n), 0);
    if (figures.stored !== figures.sent - figures.rejected) {
      figures.failures.push(`stored ${figures.stored} rows, but ${figures.sent} sent − ${figures.rejected} rejected = ${figures.sent - figures.rejected}`);
    }
  } finally {
    await vigil.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}
