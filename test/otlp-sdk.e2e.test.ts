import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, runSampleService, startVigil, tempDir, type VigilProcess } from './support/vigil-process.ts';

// The real @opentelemetry/sdk-node with its OTLP/HTTP exporters, against a real `vigil start`.
describe.each(['protobuf', 'json'] as const)('an SDK-instrumented service over OTLP/%s', (protocol) => {
  const dir = tempDir(`sdk-${protocol}`);
  const runId = `${protocol}-${Date.now()}`;
  const service = `sample-${runId}`;
  let vigil: VigilProcess;
  let sent: Awaited<ReturnType<typeof runSampleService>>;

  beforeAll(async () => {
    vigil = await startVigil(dir, { collector: { hostmetrics: { enabled: false } } });
    sent = await runSampleService(vigil.otlp, protocol, runId, 20);
  });
  afterAll(async () => {
    await vigil?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every log record with its severity, body and attributes', async () => {
    const rows = await vigil.query<{ SeverityText: string; n: string }>(
      `SELECT SeverityText, count() AS n FROM otel_logs WHERE ServiceName = '${service}' GROUP BY SeverityText ORDER BY SeverityText`,
    );
    expect(rows.map((r) => [r.SeverityText, Number(r.n)])).toEqual([['DEBUG', 5], ['ERROR', 5], ['INFO', 5], ['WARN', 5]]);
    const [first] = await vigil.query<Record<string, any>>(
      `SELECT Body, SeverityNumber, LogAttributes, ResourceAttributes, ScopeName, TraceId, SpanId FROM otel_logs WHERE ServiceName = '${service}' AND LogAttributes['seq'] = '0'`,
    );
    expect(first).toMatchObject({
      Body: 'order 0 processed',
      SeverityNumber: 9,
      LogAttributes: { 'run.id': runId, seq: '0', ok: 'true' },
      ScopeName: 'sample-service',
    });
    expect(first!.ResourceAttributes['run.id']).toBe(runId);
    // Logs emitted inside the active span carry its trace context.
    expect(first!.TraceId).toBe(sent.spans[0]!.traceId);
    expect(first!.SpanId).toBe(sent.spans[0]!.spanId);
  });

  it('stores spans with their ids, parent, kind, status and events', async () => {
    const rows = await vigil.query<Record<string, any>>(
      `SELECT SpanName, TraceId, SpanId, ParentSpanId, SpanKind, StatusCode, StatusMessage, Events.Name AS events, Duration FROM otel_traces WHERE ServiceName = '${service}' ORDER BY SpanName`,
    );
    expect(rows).toHaveLength(2);
    const [charge, checkout] = rows;
    const [sentParent, sentChild] = sent.spans;
    expect(checkout).toMatchObject({ SpanName: 'checkout', TraceId: sentParent!.traceId, SpanId: sentParent!.spanId, ParentSpanId: '', SpanKind: 'Server', StatusCode: 'Unset' });
    expect(charge).toMatchObject({
      SpanName: 'charge-card',
      SpanId: sentChild!.spanId,
      ParentSpanId: sentParent!.spanId,
      SpanKind: 'Client',
      StatusCode: 'Error',
      StatusMessage: 'declined',
      events: ['card-authorized'],
    });
    expect(Number(checkout!.Duration)).toBeGreaterThan(0);
  });

  it('stores counter, up-down counter, histogram and observable gauge values', async () => {
    const sums = await vigil.query<{ MetricName: string; Value: number; IsMonotonic: boolean }>(
      `SELECT MetricName, Value, IsMonotonic FROM otel_metrics_sum WHERE ServiceName = '${service}' ORDER BY MetricName`,
    );
    expect(sums.map((r) => [r.MetricName, r.Value, Boolean(r.IsMonotonic)])).toEqual([
      ['sample.orders', 5, true],
      ['sample.queue.depth', 7, false],
    ]);
    const [hist] = await vigil.query<Record<string, any>>(
      `SELECT Count, Sum, Min, Max, MetricUnit FROM otel_metrics_histogram WHERE ServiceName = '${service}' AND MetricName = 'sample.latency'`,
    );
    expect({ ...hist, Count: Number(hist!.Count) }).toEqual({ Count: 4, Sum: 106, Min: 1, Max: 100, MetricUnit: 'ms' });
    const [gauge] = await vigil.query<{ Value: number }>(
      `SELECT Value FROM otel_metrics_gauge WHERE ServiceName = '${service}' AND MetricName = 'sample.temperature'`,
    );
    expect(gauge!.Value).toBe(42.5);
  });

  it('keeps the data across a restart', async () => {
    expect(await vigil.stop()).toBe(0);
    vigil = await startVigil(dir, { collector: { hostmetrics: { enabled: false } } });
    const [row] = await vigil.query<{ n: string }>(`SELECT count() AS n FROM otel_logs WHERE ServiceName = '${service}'`);
    expect(Number(row!.n)).toBe(20);
    const [rollup] = await vigil.query<{ n: string }>(`SELECT sum(Count) AS n FROM vigil_logs_1m WHERE ServiceName = '${service}'`);
    expect(Number(rollup!.n)).toBe(20);
  });
});

describe('host metrics', () => {
  const dir = tempDir('hostmetrics');
  let vigil: VigilProcess;
  beforeAll(async () => {
    vigil = await startVigil(dir, { collector: { hostmetrics: { interval: '2s' } } });
  });
  afterAll(async () => {
    await vigil?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores this host\'s metrics and heartbeats within 30 s', async () => {
    const { hostname } = await import('node:os');
    await eventually(async () => {
      const rows = await vigil.query<{ MetricName: string }>(
        `SELECT DISTINCT MetricName FROM (SELECT MetricName FROM otel_metrics_gauge WHERE ResourceAttributes['host.name'] = '${hostname()}' UNION ALL SELECT MetricName FROM otel_metrics_sum WHERE ResourceAttributes['host.name'] = '${hostname()}')`,
      );
      const names = new Set(rows.map((r) => r.MetricName));
      return ['vigil.agent.up', 'system.cpu.utilization', 'system.memory.usage', 'system.filesystem.usage', 'system.network.io'].every((n) => names.has(n));
    }, 30_000);
    // Heartbeats keep coming, one a second.
    await eventually(async () => {
      const [beats] = await vigil.query<{ n: string }>(`SELECT count() AS n FROM otel_metrics_gauge WHERE MetricName = 'vigil.agent.up'`);
      return Number(beats!.n) >= 3;
    }, 15_000);
  });
});
