/**
 * The columns the transcoder writes per table, in the order the reference row mapping
 * (core/model/rows) builds its row objects, with the ClickHouse types of the exporter schema
 * (core/store/schema/otel-tables.ts; Nested columns as the arrays they are).
 */
const MAP = 'Map(LowCardinality(String), String)';
const LC = 'LowCardinality(String)';
const TIME = 'DateTime64(9)';

const EXEMPLARS: Array<[string, string]> = [
  ['Exemplars.FilteredAttributes', `Array(${MAP})`],
  ['Exemplars.TimeUnix', `Array(${TIME})`],
  ['Exemplars.Value', 'Array(Float64)'],
  ['Exemplars.SpanId', 'Array(String)'],
  ['Exemplars.TraceId', 'Array(String)'],
];

const METRIC_HEAD: Array<[string, string]> = [
  ['ResourceAttributes', MAP],
  ['ResourceSchemaUrl', 'String'],
  ['ScopeName', 'String'],
  ['ScopeVersion', 'String'],
  ['ScopeAttributes', MAP],
  ['ScopeDroppedAttrCount', 'UInt32'],
  ['ScopeSchemaUrl', 'String'],
  ['ServiceName', LC],
  ['MetricName', 'String'],
  ['MetricDescription', 'String'],
  ['MetricUnit', 'String'],
  ['Attributes', MAP],
  ['StartTimeUnix', TIME],
  ['TimeUnix', TIME],
  ['Flags', 'UInt32'],
];

export const TABLE_COLUMNS: Record<string, ReadonlyArray<readonly [string, string]>> = {
  otel_logs: [
    ['Timestamp', TIME],
    ['TraceId', 'String'],
    ['SpanId', 'String'],
    ['TraceFlags', 'UInt8'],
    ['SeverityText', LC],
    ['SeverityNumber', 'UInt8'],
    ['ServiceName', LC],
    ['Body', 'String'],
    ['ResourceSchemaUrl', LC],
    ['ResourceAttributes', MAP],
    ['ScopeSchemaUrl', LC],
    ['ScopeName', 'String'],
    ['ScopeVersion', LC],
    ['ScopeAttributes', MAP],
    ['LogAttributes', MAP],
    ['EventName', 'String'],
  ],
  otel_traces: [
    ['Timestamp', TIME],
    ['TraceId', 'String'],
    ['SpanId', 'String'],
    ['ParentSpanId', 'String'],
    ['TraceState', 'String'],
    ['SpanName', LC],
    ['SpanKind', LC],
    ['ServiceName', LC],
    ['ResourceAttributes', MAP],
    ['ScopeName', 'String'],
    ['ScopeVersion', 'String'],
    ['SpanAttributes', MAP],
    ['Duration', 'UInt64'],
    ['StatusCode', LC],
    ['StatusMessage', 'String'],
    ['Events.Timestamp', `Array(${TIME})`],
    ['Events.Name', `Array(${LC})`],
    ['Events.Attributes', `Array(${MAP})`],
    ['Links.TraceId', 'Array(String)'],
    ['Links.SpanId', 'Array(String)'],
    ['Links.TraceState', 'Array(String)'],
    ['Links.Attributes', `Array(${MAP})`],
  ],
  otel_metrics_gauge: [...METRIC_HEAD, ['Value', 'Float64'], ...EXEMPLARS],
  otel_metrics_sum: [...METRIC_HEAD, ['Value', 'Float64'], ...EXEMPLARS, ['AggregationTemporality', 'Int32'], ['IsMonotonic', 'Bool']],
  otel_metrics_histogram: [
    ...METRIC_HEAD,
    ['Count', 'UInt64'],
    ['Sum', 'Float64'],
    ['BucketCounts', 'Array(UInt64)'],
    ['ExplicitBounds', 'Array(Float64)'],
    ...EXEMPLARS,
    ['Min', 'Float64'],
    ['Max', 'Float64'],
    ['AggregationTemporality', 'Int32'],
  ],
  otel_metrics_exponential_histogram: [
    ...METRIC_HEAD,
    ['Count', 'UInt64'],
    ['Sum', 'Float64'],
    ['Scale', 'Int32'],
    ['ZeroCount', 'UInt64'],
    ['PositiveOffset', 'Int32'],
    ['PositiveBucketCounts', 'Array(UInt64)'],
    ['NegativeOffset', 'Int32'],
    ['NegativeBucketCounts', 'Array(UInt64)'],
    ...EXEMPLARS,
    ['Min', 'Float64'],
    ['Max', 'Float64'],
    ['AggregationTemporality', 'Int32'],
  ],
  otel_metrics_summary: [
    ...METRIC_HEAD,
    ['Count', 'UInt64'],
    ['Sum', 'Float64'],
    ['ValueAtQuantiles.Quantile', 'Array(Float64)'],
    ['ValueAtQuantiles.Value', 'Array(Float64)'],
  ],
};

/** Column names per table, as written. */
export function columnsOf(table: string): readonly string[] {
  return TABLE_COLUMNS[table]!.map(([name]) => name);
}
