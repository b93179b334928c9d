import type { TableSpec } from './render.ts';

// Column names and types follow the OpenTelemetry Collector ClickHouse exporter, so Grafana's
// ClickHouse plugin, ClickStack and users' SQL read vigil's tables unchanged.

const ATTR_INDEXES = (map: string, prefix: string) =>
  `INDEX idx_${prefix}_key mapKeys(${map}) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_${prefix}_value mapValues(${map}) TYPE bloom_filter(0.01) GRANULARITY 1`;

const EXPORTER_SETTINGS = 'index_granularity = 8192, ttl_only_drop_parts = 1';

export const otelLogs: TableSpec = {
  name: 'otel_logs',
  engine: 'MergeTree',
  columns: `
  Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
  TimestampTime DateTime DEFAULT toDateTime(Timestamp),
  TraceId String CODEC(ZSTD(1)),
  SpanId String CODEC(ZSTD(1)),
  TraceFlags UInt8,
  SeverityText LowCardinality(String) CODEC(ZSTD(1)),
  SeverityNumber UInt8,
  ServiceName LowCardinality(String) CODEC(ZSTD(1)),
  Body String CODEC(ZSTD(1)),
  ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
  ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
  ScopeName String CODEC(ZSTD(1)),
  ScopeVersion LowCardinality(String) CODEC(ZSTD(1)),
  ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  LogAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
  ${ATTR_INDEXES('ResourceAttributes', 'res_attr')},
  ${ATTR_INDEXES('ScopeAttributes', 'scope_attr')},
  ${ATTR_INDEXES('LogAttributes', 'log_attr')},
  INDEX idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8`,
  keys: `PARTITION BY toDate(TimestampTime)
PRIMARY KEY (ServiceName, TimestampTime)
ORDER BY (ServiceName, TimestampTime, Timestamp)`,
  ttl: (days) => `TimestampTime + toIntervalDay(${days})`,
  settings: EXPORTER_SETTINGS,
};

export const otelTraces: TableSpec = {
  name: 'otel_traces',
  engine: 'MergeTree',
  columns: `
  Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
  TraceId String CODEC(ZSTD(1)),
  SpanId String CODEC(ZSTD(1)),
  ParentSpanId String CODEC(ZSTD(1)),
  TraceState String CODEC(ZSTD(1)),
  SpanName LowCardinality(String) CODEC(ZSTD(1)),
  SpanKind LowCardinality(String) CODEC(ZSTD(1)),
  ServiceName LowCardinality(String) CODEC(ZSTD(1)),
  ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  ScopeName String CODEC(ZSTD(1)),
  ScopeVersion String CODEC(ZSTD(1)),
  SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  Duration UInt64 CODEC(T64, ZSTD(1)),
  StatusCode LowCardinality(String) CODEC(ZSTD(1)),
  StatusMessage String CODEC(ZSTD(1)),
  Events Nested (Timestamp DateTime64(9), Name LowCardinality(String), Attributes Map(LowCardinality(String), String)) CODEC(ZSTD(1)),
  Links Nested (TraceId String, SpanId String, TraceState String, Attributes Map(LowCardinality(String), String)) CODEC(ZSTD(1)),
  INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
  ${ATTR_INDEXES('ResourceAttributes', 'res_attr')},
  ${ATTR_INDEXES('SpanAttributes', 'span_attr')},
  INDEX idx_duration Duration TYPE minmax GRANULARITY 1`,
  keys: `PARTITION BY toDate(Timestamp)
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))`,
  ttl: (days) => `toDateTime(Timestamp) + toIntervalDay(${days})`,
  settings: EXPORTER_SETTINGS,
};

const METRIC_HEAD = `
  ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  ResourceSchemaUrl String CODEC(ZSTD(1)),
  ScopeName String CODEC(ZSTD(1)),
  ScopeVersion String CODEC(ZSTD(1)),
  ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  ScopeDroppedAttrCount UInt32 CODEC(ZSTD(1)),
  ScopeSchemaUrl String CODEC(ZSTD(1)),
  ServiceName LowCardinality(String) CODEC(ZSTD(1)),
  MetricName String CODEC(ZSTD(1)),
  MetricDescription String CODEC(ZSTD(1)),
  MetricUnit String CODEC(ZSTD(1)),
  Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
  TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),`;

const EXEMPLARS = `Exemplars Nested (FilteredAttributes Map(LowCardinality(String), String), TimeUnix DateTime64(9), Value Float64, SpanId String, TraceId String) CODEC(ZSTD(1)),`;

const METRIC_TAIL = `
  ${ATTR_INDEXES('ResourceAttributes', 'res_attr')},
  ${ATTR_INDEXES('ScopeAttributes', 'scope_attr')},
  ${ATTR_INDEXES('Attributes', 'attr')}`;

const METRIC_KEYS = `PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))`;

const metricTable = (name: string, columns: string): TableSpec => ({
  name,
  engine: 'MergeTree',
  columns: `${METRIC_HEAD}${columns}${METRIC_TAIL}`,
  keys: METRIC_KEYS,
  ttl: (days) => `toDateTime(TimeUnix) + toIntervalDay(${days})`,
  settings: EXPORTER_SETTINGS,
});

export const otelMetricsGauge = metricTable(
  'otel_metrics_gauge',
  `
  Value Float64 CODEC(ZSTD(1)),
  Flags UInt32 CODEC(ZSTD(1)),
  ${EXEMPLARS}`,
);

export const otelMetricsSum = metricTable(
  'otel_metrics_sum',
  `
  Value Float64 CODEC(ZSTD(1)),
  Flags UInt32 CODEC(ZSTD(1)),
  ${EXEMPLARS}
  AggregationTemporality Int32 CODEC(ZSTD(1)),
  IsMonotonic Boolean CODEC(Delta, ZSTD(1)),`,
);

export const otelMetricsHistogram = metricTable(
  'otel_metrics_histogram',
  `
  Count UInt64 CODEC(Delta, ZSTD(1)),
  Sum Float64 CODEC(ZSTD(1)),
  BucketCounts Array(UInt64) CODEC(ZSTD(1)),
  ExplicitBounds Array(Float64) CODEC(ZSTD(1)),
  ${EXEMPLARS}
  Flags UInt32 CODEC(ZSTD(1)),
  Min Float64 CODEC(ZSTD(1)),
  Max Float64 CODEC(ZSTD(1)),
  AggregationTemporality Int32 CODEC(ZSTD(1)),`,
);

export const otelMetricsExponentialHistogram = metricTable(
  'otel_metrics_exponential_histogram',
  `
  Count UInt64 CODEC(Delta, ZSTD(1)),
  Sum Float64 CODEC(ZSTD(1)),
  Scale Int32 CODEC(ZSTD(1)),
  ZeroCount UInt64 CODEC(ZSTD(1)),
  PositiveOffset Int32 CODEC(ZSTD(1)),
  PositiveBucketCounts Array(UInt64) CODEC(ZSTD(1)),
  NegativeOffset Int32 CODEC(ZSTD(1)),
  NegativeBucketCounts Array(UInt64) CODEC(ZSTD(1)),
  ${EXEMPLARS}
  Flags UInt32 CODEC(ZSTD(1)),
  Min Float64 CODEC(ZSTD(1)),
  Max Float64 CODEC(ZSTD(1)),
  AggregationTemporality Int32 CODEC(ZSTD(1)),`,
);

export const otelMetricsSummary = metricTable(
  'otel_metrics_summary',
  `
  Count UInt64 CODEC(Delta, ZSTD(1)),
  Sum Float64 CODEC(ZSTD(1)),
  ValueAtQuantiles Nested (Quantile Float64, Value Float64) CODEC(ZSTD(1)),
  Flags UInt32 CODEC(ZSTD(1)),`,
);

export const otelTables: TableSpec[] = [
  otelLogs,
  otelTraces,
  otelMetricsGauge,
  otelMetricsSum,
  otelMetricsHistogram,
  otelMetricsExponentialHistogram,
  otelMetricsSummary,
];
