import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSampleService, startVigil, tempDir, type VigilProcess } from './support/vigil-process.ts';

// The real @opentelemetry/sdk-node with its OTLP/gRPC exporters (the protocol the Python, Java
// and .NET SDKs use by default), against a real `vigil start`: every record arrives, exactly once.
const dir = tempDir('sdk-grpc');
let vigil: VigilProcess;
let endpoint = '';
beforeAll(async () => {
  vigil = await startVigil(dir, { collector: { hostmetrics: { enabled: false } } });
  endpoint = String(vigil.logs.find((l) => l.msg === 'vigil started')!.otlpGrpc);
  expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
}, 60_000);
afterAll(async () => {
  await vigil?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(['none', 'gzip'] as const)('an SDK-instrumented service over OTLP/gRPC (compression %s)', (compression) => {
  const runId = `grpc-${compression}-${Date.now()}`;
  const service = `sample-${runId}`;
  let sent: Awaited<ReturnType<typeof runSampleService>>;
  beforeAll(async () => {
    sent = await runSampleService(endpoint, 'grpc', runId, 25, compression);
  }, 60_000);

  it('stores every log record exactly once, with its trace context', async () => {
    const [row] = await vigil.query<{ n: string; distinct: string }>(
      `SELECT count() AS n, uniqExact(LogAttributes['seq']) AS distinct FROM otel_logs WHERE ServiceName = '${service}'`,
    );
    expect([Number(row!.n), Number(row!.distinct)]).toEqual([25, 25]);
    const [first] = await vigil.query<Record<string, any>>(`SELECT Body, TraceId, SpanId FROM otel_logs WHERE ServiceName = '${service}' AND LogAttributes['seq'] = '0'`);
    expect(first).toEqual({ Body: 'order 0 processed', TraceId: sent.spans[0]!.traceId, SpanId: sent.spans[0]!.spanId });
  });

  it('stores both spans with their parent link', async () => {
    const rows = await vigil.query<Record<string, any>>(`SELECT SpanName, SpanId, ParentSpanId FROM otel_traces WHERE ServiceName = '${service}' ORDER BY SpanName`);
    expect(rows).toEqual([
      { SpanName: 'charge-card', SpanId: sent.spans[1]!.spanId, ParentSpanId: sent.spans[0]!.spanId },
      { SpanName: 'checkout', SpanId: sent.spans[0]!.spanId, ParentSpanId: '' },
    ]);
  });

  it('stores the counter, up-down counter, histogram and gauge', async () => {
    const sums = await vigil.query<{ MetricName: string; Value: number }>(`SELECT MetricName, Value FROM otel_metrics_sum WHERE ServiceName = '${service}' ORDER BY MetricName`);
    expect(sums).toEqual([{ MetricName: 'sample.orders', Value: 5 }, { MetricName: 'sample.queue.depth', Value: 7 }]);
    const [hist] = await vigil.query<{ Count: string; Sum: number }>(`SELECT Count, Sum FROM otel_metrics_histogram WHERE ServiceName = '${service}' AND MetricName = 'sample.latency'`);
    expect([Number(hist!.Count), hist!.Sum]).toEqual([4, 106]);
    const gauges = await vigil.query<{ Value: number }>(`SELECT Value FROM otel_metrics_gauge WHERE ServiceName = '${service}' AND MetricName = 'sample.temperature'`);
    expect(gauges).toEqual([{ Value: 42.5 }]);
  });
});
