import type { Store } from '../../core/store/index.ts';

/**
 * Fills vigil's tables with a cluster's worth of data, generated inside the engine
 * (INSERT … SELECT FROM numbers()), for the dashboards benchmark and for tests that run every
 * page's and every Grafana panel's SQL against data: host metrics and heartbeats from `hosts`
 * nodes, logs of several services and severities, traces, vigil's self-telemetry and alert
 * transitions, spread evenly over [endMs - spanMs, endMs].
 */
export interface DashboardData {
  logs: number;
  metricPoints: number;
  hosts: number;
  spanMs: number;
  endMs: number;
}

/** Metric series per host: (name, attributes, value expression over `h` and `s`). */
const GAUGES: Array<[string, string, string]> = [
  ['system.cpu.utilization', "map('cpu.mode', 'user')", '0.2 + 0.1 * sin(s / 50 + h)'],
  ['system.cpu.utilization', "map('cpu.mode', 'system')", '0.05 + 0.02 * cos(s / 30)'],
  ['system.cpu.utilization', "map('cpu.mode', 'idle')", '0.7'],
  ['system.memory.utilization', "map('system.memory.state', 'used')", '0.4 + 0.01 * (h % 40)'],
  ['system.memory.utilization', "map('system.memory.state', 'free')", '0.3'],
  ['system.filesystem.utilization', "map('system.device', '/dev/sda1', 'system.filesystem.mountpoint', '/')", '0.5 + 0.001 * (s % 100)'],
  ['vigil.agent.up', 'map()', '1'],
];
const SUMS: Array<[string, string, string]> = [['system.network.io', "map('network.interface.name', 'eth0', 'network.io.direction', 'receive')", '1000 * s + 7 * h']];
const SERIES = GAUGES.length + SUMS.length;

const SETTINGS = "SETTINGS deduplicate_insert = 'disable', async_insert = 0";

export async function seedDashboardData(store: Store, d: DashboardData): Promise<void> {
  const startNs = BigInt(Math.floor(d.endMs - d.spanMs)) * 1_000_000n;
  const steps = Math.max(2, Math.floor(d.metricPoints / (d.hosts * SERIES)));
  const stepNs = (BigInt(Math.floor(d.spanMs)) * 1_000_000n) / BigInt(steps);
  const logStepNs = (BigInt(Math.floor(d.spanMs)) * 1_000_000n) / BigInt(Math.max(1, d.logs));
  const at = (expr: string, step: bigint) => `fromUnixTimestamp64Nano(toInt64(${startNs}) + toInt64(${expr}) * toInt64(${step}))`;
  const host = "concat('node-', toString(h))";

  const metric = (table: 'otel_metrics_gauge' | 'otel_metrics_sum', [name, attrs, value]: [string, string, string]) =>
    store.query(`INSERT INTO ${table} (ResourceAttributes, ServiceName, MetricName, MetricUnit, Attributes, TimeUnix, StartTimeUnix, Value${table === 'otel_metrics_sum' ? ', AggregationTemporality, IsMonotonic' : ''})
SELECT map('host.name', ${host}, 'service.name', 'vigil-agent'), 'vigil-agent', '${name}', '1', ${attrs}, ${at('s', stepNs)}, ${at('0', 0n)}, ${value}${table === 'otel_metrics_sum' ? ', 2, true' : ''}
FROM (SELECT number % ${d.hosts} AS h, intDiv(number, ${d.hosts}) AS s FROM numbers(${steps * d.hosts})) ${SETTINGS}`);
  for (const g of GAUGES) await metric('otel_metrics_gauge', g);
  for (const s of SUMS) await metric('otel_metrics_sum', s);

  // Logs in chunks of a million, so one INSERT never holds the engine for long.
  for (let offset = 0; offset < d.logs; offset += 1_000_000) {
    const n = Math.min(1_000_000, d.logs - offset);
    await store.query(`INSERT INTO otel_logs (Timestamp, TraceId, SpanId, SeverityText, SeverityNumber, ServiceName, Body, ResourceAttributes, LogAttributes)
SELECT ${at('i', logStepNs)}, if(i % 10 = 0, lower(hex(MD5(toString(intDiv(i, 10))))), ''), '',
  ['INFO', 'INFO', 'INFO', 'WARN', 'ERROR', 'DEBUG'][i % 6 + 1], [9, 9, 9, 13, 17, 5][i % 6 + 1],
  concat('svc-', toString(i % 7)),
  if(i % 6 = 4, concat('request ', toString(i), ' timed out after ', toString(i % 5000), ' ms'), concat('request ', toString(i), ' handled in ', toString(i % 300), ' ms')),
  map('host.name', concat('node-', toString(i % ${d.hosts})), 'service.name', concat('svc-', toString(i % 7))),
  map('http.status', toString([200, 200, 201, 404, 500, 200][i % 6 + 1]), 'duration', toString(i % 300))
FROM (SELECT number + ${offset} AS i FROM numbers(${n})) ${SETTINGS}`);
  }

  const traces = Math.max(10, Math.floor(d.logs / 100));
  await store.query(`INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, SpanAttributes, Duration, StatusCode, StatusMessage, \`Events.Timestamp\`, \`Events.Name\`, \`Events.Attributes\`)
SELECT ${at('t', (BigInt(Math.floor(d.spanMs)) * 1_000_000n) / BigInt(traces))} + toIntervalMillisecond(k * 3), lower(hex(MD5(toString(t)))), substring(lower(hex(MD5(concat(toString(t), '-', toString(k))))), 1, 16),
  if(k = 0, '', substring(lower(hex(MD5(concat(toString(t), '-0')))), 1, 16)),
  ['GET /checkout', 'charge-card', 'SELECT orders'][k + 1], ['Server', 'Client', 'Client'][k + 1], concat('svc-', toString(t % 7)),
  map('service.name', concat('svc-', toString(t % 7)), 'host.name', concat('node-', toString(t % ${d.hosts}))), map('http.status_code', '200'),
  (30 - k * 10) * 1000000 + (t % 1000) * 1000, if(k = 1 AND t % 20 = 0, 'Error', 'Unset'), if(k = 1 AND t % 20 = 0, 'declined', ''),
  [${at('t', (BigInt(Math.floor(d.spanMs)) * 1_000_000n) / BigInt(traces))}], ['processed'], [map('items', '3')]
FROM (SELECT intDiv(number, 3) AS t, number % 3 AS k FROM numbers(${traces * 3})) ${SETTINGS}`);

  // vigil's own counters and insert latency, one point a minute.
  const minutes = Math.max(2, Math.floor(d.spanMs / 60_000));
  const minuteNs = 60_000_000_000n;
  await store.query(`INSERT INTO otel_metrics_sum (ServiceName, MetricName, Attributes, TimeUnix, StartTimeUnix, Value, AggregationTemporality, IsMonotonic)
SELECT 'vigil', m.1, m.2, ${at('s', minuteNs)}, ${at('0', 0n)}, m.3 * (s + 1), 2, true
FROM numbers(${minutes}) AS n ARRAY JOIN [('vigil.receiver.accepted', map('receiver', 'otlp_http', 'signal', 'logs'), 120.0), ('vigil.receiver.rejected', map('receiver', 'otlp_http', 'signal', 'logs'), 0.0), ('vigil.processor.rows', map('table', 'otel_logs'), 6000.0)] AS m
CROSS JOIN (SELECT number AS s FROM numbers(${minutes})) AS steps WHERE n.number = 0 ${SETTINGS}`);
  await store.query(`INSERT INTO otel_metrics_histogram (ServiceName, MetricName, Attributes, TimeUnix, StartTimeUnix, Count, Sum, BucketCounts, ExplicitBounds, AggregationTemporality)
SELECT 'vigil', 'vigil.store.insert.duration', map('table', 'otel_logs'), ${at('number', minuteNs)}, ${at('0', 0n)}, 60 * (number + 1), 0.9 * (number + 1), [60 * (number + 1)], [], 2
FROM numbers(${minutes}) ${SETTINGS}`);
  await store.query(`INSERT INTO vigil_alerts (at, group_name, rule, fingerprint, labels, annotations, from_state, to_state, value, active_at, fired_at, resolved_at)
SELECT ${at('number', (BigInt(Math.floor(d.spanMs)) * 1_000_000n) / 20n)}, 'nodes', 'HighCpu', concat('fp-', toString(number % 3)), map('alertname', 'HighCpu', 'host', concat('node-', toString(number % 3))),
  map('summary', 'CPU busy'), ['inactive', 'pending', 'firing', 'resolved'][number % 4 + 1], ['pending', 'firing', 'resolved', 'pending'][number % 4 + 1], 0.5 + number / 100,
  ${at('number', 0n)}, ${at('number', 0n)}, ${at('number', 0n)}
FROM numbers(20) ${SETTINGS}`);
}
