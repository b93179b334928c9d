import { qualified, renderMaterializedView, renderTable, type SchemaOptions, type TableSpec } from './render.ts';

// Per-minute rollups that dashboards and rules read instead of scanning raw rows. Plain
// SimpleAggregateFunction columns keep them readable with ordinary SQL (sum(Count), max(Max)).

export const logsPerMinute: TableSpec = {
  name: 'vigil_logs_1m',
  engine: 'AggregatingMergeTree',
  columns: `
  Minute DateTime,
  ServiceName LowCardinality(String),
  SeverityText LowCardinality(String),
  HostName LowCardinality(String),
  Count SimpleAggregateFunction(sum, UInt64)`,
  keys: `PARTITION BY toDate(Minute)
ORDER BY (ServiceName, SeverityText, HostName, Minute)`,
  ttl: (days) => `Minute + toIntervalDay(${days})`,
};

export const metricsPerMinute: TableSpec = {
  name: 'vigil_metrics_1m',
  engine: 'AggregatingMergeTree',
  columns: `
  Minute DateTime,
  MetricName LowCardinality(String),
  ServiceName LowCardinality(String),
  HostName LowCardinality(String),
  Min SimpleAggregateFunction(min, Float64),
  Max SimpleAggregateFunction(max, Float64),
  Sum SimpleAggregateFunction(sum, Float64),
  Count SimpleAggregateFunction(sum, UInt64)`,
  keys: `PARTITION BY toDate(Minute)
ORDER BY (MetricName, ServiceName, HostName, Minute)`,
  ttl: (days) => `Minute + toIntervalDay(${days})`,
};

export function rollupStatements(options: SchemaOptions): string[] {
  const metricSelect = (source: string) => `SELECT
  toStartOfMinute(TimeUnix) AS Minute, MetricName, ServiceName,
  ResourceAttributes['host.name'] AS HostName,
  min(Value) AS Min, max(Value) AS Max, sum(Value) AS Sum, toUInt64(count()) AS Count
FROM ${qualified(options, source)}
GROUP BY Minute, MetricName, ServiceName, HostName`;
  return [
    renderTable(options, logsPerMinute),
    renderMaterializedView(
      options,
      'vigil_logs_1m_mv',
      logsPerMinute.name,
      `SELECT
  toStartOfMinute(TimestampTime) AS Minute, ServiceName, SeverityText,
  ResourceAttributes['host.name'] AS HostName, toUInt64(count()) AS Count
FROM ${qualified(options, 'otel_logs')}
GROUP BY Minute, ServiceName, SeverityText, HostName`,
    ),
    renderTable(options, metricsPerMinute),
    renderMaterializedView(options, 'vigil_metrics_1m_gauge_mv', metricsPerMinute.name, metricSelect('otel_metrics_gauge')),
    renderMaterializedView(options, 'vigil_metrics_1m_sum_mv', metricsPerMinute.name, metricSelect('otel_metrics_sum')),
  ];
}
