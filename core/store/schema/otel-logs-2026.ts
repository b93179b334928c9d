// What the OpenTelemetry Collector ClickHouse exporter's otel_logs gained after vigil's first
// schema (0001), added in place by migration 0008 so existing tables keep their data.
//
// Compared against opentelemetry-collector-contrib exporter/clickhouseexporter:
// - internal/sqltemplates/logs_table.sql at e3bd2d1d648f1868f50a8f2c1b68f7ce451ee6eb
//   (`EventName String CODEC(ZSTD(1))`, the log record's event_name, written by the exporter);
// - the templated logs table of PR #47720 (merged 2026-04), which also adds
//   `__otel_materialized_<resource key>` LowCardinality(String) columns MATERIALIZED from
//   ResourceAttributes, and moves new tables to ORDER BY (toStartOfFiveMinutes(Timestamp),
//   ServiceName, Timestamp) without TimestampTime.
// The sort key and partition key of an existing MergeTree cannot change in place, so vigil keeps
// (ServiceName, TimestampTime, Timestamp) and TimestampTime; Grafana's ClickHouse plugin sees
// TimestampTime and filters on it, which is exactly vigil's partition and primary key.

/** Resource attributes the exporter materializes into their own columns, for cheap filters. */
export const MATERIALIZED_RESOURCE_KEYS = [
  'k8s.cluster.name',
  'k8s.container.name',
  'k8s.deployment.name',
  'k8s.namespace.name',
  'k8s.node.name',
  'k8s.pod.name',
  'k8s.pod.uid',
  'deployment.environment.name',
] as const;

/** Column definitions, in the exporter's order, as `ADD COLUMN IF NOT EXISTS` takes them. */
export const otelLogs2026Columns: string[] = [
  'EventName String CODEC(ZSTD(1))',
  ...MATERIALIZED_RESOURCE_KEYS.map(
    (key) => `\`__otel_materialized_${key}\` LowCardinality(String) MATERIALIZED ResourceAttributes['${key}'] CODEC(ZSTD(1))`,
  ),
];
