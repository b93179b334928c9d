/**
 * The OTLP messages the export requests contain, field by field, as in opentelemetry-proto
 * (and the protobufjs code generated from it in @opentelemetry/otlp-transformer 0.214). Every
 * field is listed, used or not: the transcoder must walk exactly what the reference decoder
 * walks. `read: true` marks message fields the transcoder reads itself; the other message fields
 * are only checked for well-formedness.
 */
export type FieldKind =
  | 'string'
  | 'bytes'
  | 'message'
  | 'varint' // int32, uint32, sint32, bool, enums: read as protobufjs's uint32()
  | 'varint64' // int64, uint64: protobufjs's long varint
  | 'fixed64' // fixed64, sfixed64
  | 'double'
  | 'fixed32'
  | 'packed_fixed64'
  | 'packed_double'
  | 'packed_varint';

export interface FieldSpec {
  kind: FieldKind;
  repeated?: boolean;
  /** For message fields: the message type's name in LAYOUTS. */
  of?: string;
  read?: boolean;
}

export type MessageLayout = Record<number, FieldSpec>;

const str: FieldSpec = { kind: 'string' };
const bytes: FieldSpec = { kind: 'bytes' };
const varint: FieldSpec = { kind: 'varint' };
const varint64: FieldSpec = { kind: 'varint64' };
const fixed64: FieldSpec = { kind: 'fixed64' };
const double: FieldSpec = { kind: 'double' };
const fixed32: FieldSpec = { kind: 'fixed32' };
const one = (of: string, read = true): FieldSpec => ({ kind: 'message', of, read });
const many = (of: string, read = true): FieldSpec => ({ kind: 'message', of, repeated: true, read });

export const LAYOUTS: Record<string, MessageLayout> = {
  // opentelemetry.proto.common.v1
  AnyValue: { 1: str, 2: varint, 3: varint64, 4: double, 5: one('ArrayValue'), 6: one('KeyValueList'), 7: bytes },
  ArrayValue: { 1: many('AnyValue') },
  KeyValueList: { 1: many('KeyValue') },
  KeyValue: { 1: str, 2: one('AnyValue') },
  InstrumentationScope: { 1: str, 2: str, 3: many('KeyValue'), 4: varint },
  EntityRef: { 1: str, 2: str, 3: { kind: 'string', repeated: true }, 4: { kind: 'string', repeated: true } },
  Resource: { 1: many('KeyValue'), 2: varint, 3: many('EntityRef', false) },

  // opentelemetry.proto.logs.v1
  ExportLogsServiceRequest: { 1: many('ResourceLogs') },
  ResourceLogs: { 1: one('Resource'), 2: many('ScopeLogs'), 3: str },
  ScopeLogs: { 1: one('InstrumentationScope'), 2: many('LogRecord'), 3: str },
  LogRecord: { 1: fixed64, 11: fixed64, 2: varint, 3: str, 5: one('AnyValue'), 6: many('KeyValue'), 7: varint, 8: fixed32, 9: bytes, 10: bytes, 12: str },

  // opentelemetry.proto.trace.v1
  ExportTraceServiceRequest: { 1: many('ResourceSpans') },
  ResourceSpans: { 1: one('Resource'), 2: many('ScopeSpans'), 3: str },
  ScopeSpans: { 1: one('InstrumentationScope'), 2: many('Span'), 3: str },
  Span: {
    1: bytes, 2: bytes, 3: str, 4: bytes, 16: fixed32, 5: str, 6: varint, 7: fixed64, 8: fixed64,
    9: many('KeyValue'), 10: varint, 11: many('Event'), 12: varint, 13: many('Link'), 14: varint, 15: one('Status'),
  },
  Event: { 1: fixed64, 2: str, 3: many('KeyValue'), 4: varint },
  Link: { 1: bytes, 2: bytes, 3: str, 4: many('KeyValue'), 5: varint, 6: fixed32 },
  Status: { 2: str, 3: varint },

  // opentelemetry.proto.metrics.v1
  ExportMetricsServiceRequest: { 1: many('ResourceMetrics') },
  ResourceMetrics: { 1: one('Resource'), 2: many('ScopeMetrics'), 3: str },
  ScopeMetrics: { 1: one('InstrumentationScope'), 2: many('Metric'), 3: str },
  Metric: {
    1: str, 2: str, 3: str, 5: one('Gauge'), 7: one('Sum'), 9: one('Histogram'), 10: one('ExponentialHistogram'),
    11: one('Summary'), 12: many('KeyValue', false),
  },
  Gauge: { 1: many('NumberDataPoint') },
  Sum: { 1: many('NumberDataPoint'), 2: varint, 3: varint },
  Histogram: { 1: many('HistogramDataPoint'), 2: varint },
  ExponentialHistogram: { 1: many('ExponentialHistogramDataPoint'), 2: varint },
  Summary: { 1: many('SummaryDataPoint') },
  NumberDataPoint: { 7: many('KeyValue'), 2: fixed64, 3: fixed64, 4: double, 6: fixed64, 5: many('Exemplar'), 8: varint },
  HistogramDataPoint: {
    9: many('KeyValue'), 2: fixed64, 3: fixed64, 4: fixed64, 5: double, 6: { kind: 'packed_fixed64', repeated: true },
    7: { kind: 'packed_double', repeated: true }, 8: many('Exemplar'), 10: varint, 11: double, 12: double,
  },
  ExponentialHistogramDataPoint: {
    1: many('KeyValue'), 2: fixed64, 3: fixed64, 4: fixed64, 5: double, 6: varint, 7: fixed64, 8: one('Buckets'),
    9: one('Buckets'), 10: varint, 11: many('Exemplar'), 12: double, 13: double, 14: double,
  },
  Buckets: { 1: varint, 2: { kind: 'packed_varint', repeated: true } },
  SummaryDataPoint: { 7: many('KeyValue'), 2: fixed64, 3: fixed64, 4: fixed64, 5: double, 6: many('ValueAtQuantile'), 8: varint },
  ValueAtQuantile: { 1: double, 2: double },
  Exemplar: { 7: many('KeyValue'), 2: fixed64, 3: double, 6: fixed64, 4: bytes, 5: bytes },
};

/** Field numbers by name, for the code that reads them (names as in the .proto files). */
export const F = {
  request: { resource: 1 },
  resourceX: { resource: 1, scopes: 2, schemaUrl: 3 },
  scopeX: { scope: 1, items: 2, schemaUrl: 3 },
  Resource: { attributes: 1 },
  InstrumentationScope: { name: 1, version: 2, attributes: 3, droppedAttributesCount: 4 },
  KeyValue: { key: 1, value: 2 },
  AnyValue: { stringValue: 1, boolValue: 2, intValue: 3, doubleValue: 4, arrayValue: 5, kvlistValue: 6, bytesValue: 7 },
  LogRecord: { timeUnixNano: 1, observedTimeUnixNano: 11, severityNumber: 2, severityText: 3, body: 5, attributes: 6, flags: 8, traceId: 9, spanId: 10, eventName: 12 },
  Span: { traceId: 1, spanId: 2, traceState: 3, parentSpanId: 4, name: 5, kind: 6, startTimeUnixNano: 7, endTimeUnixNano: 8, attributes: 9, events: 11, links: 13, status: 15 },
  Event: { timeUnixNano: 1, name: 2, attributes: 3 },
  Link: { traceId: 1, spanId: 2, traceState: 3, attributes: 4 },
  Status: { message: 2, code: 3 },
  Metric: { name: 1, description: 2, unit: 3, gauge: 5, sum: 7, histogram: 9, exponentialHistogram: 10, summary: 11 },
  Data: { dataPoints: 1, aggregationTemporality: 2, isMonotonic: 3 },
  NumberDataPoint: { attributes: 7, startTimeUnixNano: 2, timeUnixNano: 3, asDouble: 4, asInt: 6, exemplars: 5, flags: 8 },
  HistogramDataPoint: { attributes: 9, startTimeUnixNano: 2, timeUnixNano: 3, count: 4, sum: 5, bucketCounts: 6, explicitBounds: 7, exemplars: 8, flags: 10, min: 11, max: 12 },
  ExponentialHistogramDataPoint: { attributes: 1, startTimeUnixNano: 2, timeUnixNano: 3, count: 4, sum: 5, scale: 6, zeroCount: 7, positive: 8, negative: 9, flags: 10, exemplars: 11, min: 12, max: 13 },
  Buckets: { offset: 1, bucketCounts: 2 },
  SummaryDataPoint: { attributes: 7, startTimeUnixNano: 2, timeUnixNano: 3, count: 4, sum: 5, quantileValues: 6, flags: 8 },
  ValueAtQuantile: { quantile: 1, value: 2 },
  Exemplar: { filteredAttributes: 7, timeUnixNano: 2, asDouble: 3, asInt: 6, spanId: 4, traceId: 5 },
} as const;
