/**
 * The decoded OTLP shapes, as protobufjs produces them from the official opentelemetry-proto
 * definitions (generated code shipped in @opentelemetry/otlp-transformer 0.214): camelCase
 * fields, bytes as Uint8Array, 64-bit integers as Long-like objects (or numbers/strings when
 * built by hand), enums as numbers. Only the fields vigil reads are typed.
 */
export type Int64 = number | string | { toString(): string } | null | undefined;

export interface AnyValue {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: Int64;
  doubleValue?: number | null;
  arrayValue?: { values?: AnyValue[] | null } | null;
  kvlistValue?: { values?: KeyValue[] | null } | null;
  bytesValue?: Uint8Array | null;
}

export interface KeyValue {
  key: string;
  value?: AnyValue | null;
}

export interface Resource {
  attributes?: KeyValue[] | null;
}

export interface Scope {
  name?: string | null;
  version?: string | null;
  attributes?: KeyValue[] | null;
  droppedAttributesCount?: number | null;
}

export interface LogRecord {
  timeUnixNano?: Int64;
  observedTimeUnixNano?: Int64;
  severityNumber?: number | null;
  severityText?: string | null;
  body?: AnyValue | null;
  attributes?: KeyValue[] | null;
  flags?: number | null;
  traceId?: Uint8Array | null;
  spanId?: Uint8Array | null;
  eventName?: string | null;
}

export interface ExportLogsServiceRequest {
  resourceLogs?: Array<{
    resource?: Resource | null;
    schemaUrl?: string | null;
    scopeLogs?: Array<{ scope?: Scope | null; schemaUrl?: string | null; logRecords?: LogRecord[] | null }> | null;
  }> | null;
}

export interface Exemplar {
  filteredAttributes?: KeyValue[] | null;
  timeUnixNano?: Int64;
  asDouble?: number | null;
  asInt?: Int64;
  spanId?: Uint8Array | null;
  traceId?: Uint8Array | null;
}

interface PointBase {
  attributes?: KeyValue[] | null;
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  flags?: number | null;
  exemplars?: Exemplar[] | null;
}

export interface NumberDataPoint extends PointBase {
  asDouble?: number | null;
  asInt?: Int64;
}

export interface HistogramDataPoint extends PointBase {
  count?: Int64;
  sum?: number | null;
  bucketCounts?: Int64[] | null;
  explicitBounds?: number[] | null;
  min?: number | null;
  max?: number | null;
}

export interface ExponentialHistogramDataPoint extends PointBase {
  count?: Int64;
  sum?: number | null;
  scale?: number | null;
  zeroCount?: Int64;
  positive?: { offset?: number | null; bucketCounts?: Int64[] | null } | null;
  negative?: { offset?: number | null; bucketCounts?: Int64[] | null } | null;
  min?: number | null;
  max?: number | null;
}

export interface SummaryDataPoint extends PointBase {
  count?: Int64;
  sum?: number | null;
  quantileValues?: Array<{ quantile?: number | null; value?: number | null }> | null;
}

export interface Metric {
  name?: string | null;
  description?: string | null;
  unit?: string | null;
  gauge?: { dataPoints?: NumberDataPoint[] | null } | null;
  sum?: { dataPoints?: NumberDataPoint[] | null; aggregationTemporality?: number | null; isMonotonic?: boolean | null } | null;
  histogram?: { dataPoints?: HistogramDataPoint[] | null; aggregationTemporality?: number | null } | null;
  exponentialHistogram?: { dataPoints?: ExponentialHistogramDataPoint[] | null; aggregationTemporality?: number | null } | null;
  summary?: { dataPoints?: SummaryDataPoint[] | null } | null;
}

export interface ExportMetricsServiceRequest {
  resourceMetrics?: Array<{
    resource?: Resource | null;
    schemaUrl?: string | null;
    scopeMetrics?: Array<{ scope?: Scope | null; schemaUrl?: string | null; metrics?: Metric[] | null }> | null;
  }> | null;
}

export interface Span {
  traceId?: Uint8Array | null;
  spanId?: Uint8Array | null;
  parentSpanId?: Uint8Array | null;
  traceState?: string | null;
  name?: string | null;
  kind?: number | null;
  startTimeUnixNano?: Int64;
  endTimeUnixNano?: Int64;
  attributes?: KeyValue[] | null;
  events?: Array<{ timeUnixNano?: Int64; name?: string | null; attributes?: KeyValue[] | null }> | null;
  links?: Array<{ traceId?: Uint8Array | null; spanId?: Uint8Array | null; traceState?: string | null; attributes?: KeyValue[] | null }> | null;
  status?: { message?: string | null; code?: number | null } | null;
}

export interface ExportTraceServiceRequest {
  resourceSpans?: Array<{
    resource?: Resource | null;
    schemaUrl?: string | null;
    scopeSpans?: Array<{ scope?: Scope | null; schemaUrl?: string | null; spans?: Span[] | null }> | null;
  }> | null;
}

/** The three OTLP signals; also the names of the OTLP/HTTP paths (/v1/logs, /v1/metrics, /v1/traces). */
export type Signal = 'logs' | 'metrics' | 'traces';

export interface SignalRequest {
  logs: ExportLogsServiceRequest;
  metrics: ExportMetricsServiceRequest;
  traces: ExportTraceServiceRequest;
}
