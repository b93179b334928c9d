import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startVigil, tempDir, type VigilProcess } from './support/vigil-process.ts';

// vigil started as users start it, with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a capture
// server: its own metrics and sampled ingest spans must land in its own tables (service.name
// vigil), on GET /metrics, and at the OTLP endpoint.
const dir = tempDir('self-telemetry');
const captured: string[] = [];
let capture: Server;
let vigil: VigilProcess;

const logs = (i: number) =>
  JSON.stringify({
    resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'self-telemetry-test' } }] }, scopeLogs: [{ logRecords: [{ timeUnixNano: String(BigInt(Date.now()) * 1_000_000n), body: { stringValue: `line ${i}` } }] }] }],
  });

beforeAll(async () => {
  capture = createServer((req, res) => {
    captured.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(capture.address() as AddressInfo).port}`;
  process.env.OTEL_METRIC_EXPORT_INTERVAL = '500';
  process.env.OTEL_BSP_SCHEDULE_DELAY = '200';
  vigil = await startVigil(dir, { collector: { hostmetrics: { enabled: false } }, telemetry: { interval: '500ms', trace_ratio: 1 } });
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${vigil.otlp}/v1/logs`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: logs(i) });
    expect(res.status).toBe(200);
  }
  const bad = await fetch(`${vigil.otlp}/v1/logs`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: 'not protobuf' });
  expect(bad.status).toBe(400);
}, 120_000);

afterAll(async () => {
  if (vigil) expect(await vigil.stop()).toBe(0);
  capture?.close();
  rmSync(dir, { recursive: true, force: true });
});

const latest = async (metric: string, where = '') => {
  const rows = await vigil.query<{ v: number }>(
    `SELECT Value AS v FROM otel_metrics_sum WHERE ServiceName = 'vigil' AND MetricName = '${metric}' ${where} ORDER BY TimeUnix DESC LIMIT 1`,
  );
  return rows.length > 0 ? Number(rows[0]!.v) : -1;
};

describe('self-telemetry', () => {
  it('counts accepted and rejected requests per receiver in otel_metrics_sum', async () => {
    await eventually(async () => (await latest('vigil.receiver.accepted', "AND Attributes['receiver'] = 'otlp_http'")) >= 5, 30_000);
    await eventually(async () => (await latest('vigil.receiver.rejected', "AND Attributes['reason'] = 'malformed'")) === 1, 30_000);
    // The series alerts/examples/vigil-health.yaml reads.
    await eventually(async () => (await latest('vigil.processor.rows', "AND Attributes['table'] = 'otel_logs' AND Attributes['outcome'] = 'ok'")) >= 5, 30_000);
    const [resource] = await vigil.query<{ role: string; type: number; mono: number }>(
      "SELECT ResourceAttributes['vigil.role'] AS role, AggregationTemporality AS type, IsMonotonic AS mono FROM otel_metrics_sum WHERE ServiceName = 'vigil' LIMIT 1",
    );
    expect(resource).toEqual({ role: 'collector,processor,alerts,api', type: 2, mono: true });
  });

  it('records insert batch sizes and latencies as histograms', async () => {
    await eventually(async () => {
      const [row] = await vigil.query<{ n: string; rows: number }>(
        "SELECT sum(Count) AS n, max(Sum) AS rows FROM otel_metrics_histogram WHERE ServiceName = 'vigil' AND MetricName = 'vigil.store.insert.rows' AND Attributes['table'] = 'otel_logs' AND Attributes['outcome'] = 'ok'",
      );
      return Number(row?.n) >= 1 && Number(row?.rows) >= 5;
    }, 30_000);
    const [latency] = await vigil.query<{ n: string }>(
      "SELECT count() AS n FROM otel_metrics_histogram WHERE ServiceName = 'vigil' AND MetricName = 'vigil.store.insert.duration'",
    );
    expect(Number(latency!.n)).toBeGreaterThan(0);
  });

  it('stores sampled ingest spans in otel_traces', async () => {
    await eventually(async () => {
      const [row] = await vigil.query<{ n: string }>("SELECT count() AS n FROM otel_traces WHERE ServiceName = 'vigil' AND SpanName = 'vigil.ingest'");
      return Number(row!.n) >= 5;
    }, 30_000);
    const [failed] = await vigil.query<{ n: string }>(
      "SELECT count() AS n FROM otel_traces WHERE ServiceName = 'vigil' AND SpanName = 'vigil.ingest' AND StatusCode = 'Error'",
    );
    expect(Number(failed!.n)).toBe(0);
  });

  it('serves the Prometheus text format on GET /metrics', async () => {
    const res = await fetch(`${vigil.api}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/vigil_receiver_accepted(_total)?\{[^}]*receiver="otlp_http"[^}]*\} [1-9]/);
    expect(text).toContain('vigil_store_insert_duration');
    // The processor's byte budget (processor.max_bytes_in_flight, 128 MiB by default) and what it holds.
    expect(text).toMatch(/^vigil_processor_in_flight_limit_bytes(_bytes)?(\{[^}]*\})? 134217728$/m);
    expect(text).toMatch(/^vigil_processor_in_flight_bytes(_bytes)?(\{[^}]*\})? \d+$/m);
    expect(text).toMatch(/^vigil_processor_in_flight_overruns(_total)?(\{[^}]*\})? 0$/m);
  });

  it('sends metrics and spans to the OTLP endpoint the OTEL_* variables name', async () => {
    await eventually(async () => captured.includes('POST /v1/metrics') && captured.includes('POST /v1/traces'), 30_000);
  });
});
