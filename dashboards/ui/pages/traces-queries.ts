import type { Query } from '../api-client.ts';
import { rangeParams, type TimeRange } from '../time-range.ts';

export interface TraceFilter {
  service: string;
  name: string;
  minMs: number;
  status: string;
}

export interface SpanSummary {
  trace_id: string;
  span_id: string;
  name: string;
  service: string;
  ms: number;
  start_ms: number;
  status: string;
}

/** Spans matching the filter (empty filters match all), newest first. */
export function spanSearchQuery(filter: TraceFilter, range: TimeRange): Query {
  return {
    sql: `SELECT TraceId AS trace_id, SpanId AS span_id, SpanName AS name, ServiceName AS service, round(Duration / 1e6, 3) AS ms,
  toUnixTimestamp64Milli(Timestamp) AS start_ms, StatusCode AS status
FROM otel_traces
WHERE Timestamp >= fromUnixTimestamp64Milli(toInt64({from_ms:String})) AND Timestamp <= fromUnixTimestamp64Milli(toInt64({to_ms:String}))
  AND ({service:String} = '' OR ServiceName = {service:String})
  AND ({name:String} = '' OR positionCaseInsensitive(SpanName, {name:String}) > 0)
  AND Duration >= toUInt64({min_ns:String})
  AND ({status:String} = '' OR StatusCode = {status:String})
ORDER BY Timestamp DESC LIMIT 200`,
    params: { ...rangeParams(range), service: filter.service, name: filter.name, min_ns: Math.round(filter.minMs * 1e6), status: filter.status },
  };
}

export function servicesQuery(range: TimeRange): Query {
  return {
    sql: `SELECT DISTINCT ServiceName AS service FROM otel_traces
WHERE Timestamp >= fromUnixTimestamp64Milli(toInt64({from_ms:String})) AND Timestamp <= fromUnixTimestamp64Milli(toInt64({to_ms:String})) ORDER BY service LIMIT 500`,
    params: rangeParams(range),
  };
}

export interface SpanRow {
  span_id: string;
  parent: string;
  name: string;
  service: string;
  kind: string;
  start_ns: string;
  duration_ns: string;
  status: string;
  status_message: string;
  attributes: Record<string, string>;
  resource: Record<string, string>;
  event_names: string[];
  event_ns: string[];
  event_attributes: Array<Record<string, string>>;
}

/** Every span of one trace (the TraceId bloom filter index finds its granules). */
export function traceQuery(traceId: string): Query {
  return {
    sql: `SELECT SpanId AS span_id, ParentSpanId AS parent, SpanName AS name, ServiceName AS service, SpanKind AS kind,
  toString(toUnixTimestamp64Nano(Timestamp)) AS start_ns, toString(Duration) AS duration_ns, StatusCode AS status, StatusMessage AS status_message,
  SpanAttributes AS attributes, ResourceAttributes AS resource,
  Events.Name AS event_names, arrayMap(x -> toString(toUnixTimestamp64Nano(x)), Events.Timestamp) AS event_ns, Events.Attributes AS event_attributes
FROM otel_traces WHERE TraceId = {trace_id:String}
ORDER BY Timestamp LIMIT 5000`,
    params: { trace_id: traceId.toLowerCase() },
  };
}

export function traceLogsQuery(traceId: string): Query {
  return {
    sql: `SELECT toUnixTimestamp64Milli(Timestamp) AS ms, SeverityText AS severity, ServiceName AS service, SpanId AS span_id, Body AS body
FROM otel_logs WHERE TraceId = {trace_id:String} ORDER BY Timestamp LIMIT 500`,
    params: { trace_id: traceId.toLowerCase() },
  };
}
