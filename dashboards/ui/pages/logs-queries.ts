import type { Query } from '../api-client.ts';
import { compileLogQuery } from '../log-query/compile-log-query.ts';
import { rangeParams, type TimeRange } from '../time-range.ts';

/** The log page's SQL: the search compiles to a WHERE clause whose values are all bound. */

const RANGE = 'TimestampTime >= toDateTime(intDiv(toInt64({from_ms:String}), 1000)) AND TimestampTime <= toDateTime(intDiv(toInt64({to_ms:String}), 1000))';
export const LOG_COLUMNS = `toString(toUnixTimestamp64Nano(Timestamp)) AS ns, toUnixTimestamp64Milli(Timestamp) AS ms, SeverityText AS severity,
  ServiceName AS service, ResourceAttributes['host.name'] AS host, Body AS body, TraceId AS trace_id, SpanId AS span_id,
  LogAttributes AS attributes, ResourceAttributes AS resource`;

export interface LogRow {
  ns: string;
  ms: number;
  severity: string;
  service: string;
  host: string;
  body: string;
  trace_id: string;
  span_id: string;
  attributes: Record<string, string>;
  resource: Record<string, string>;
}

export function logVolumeBySearchQuery(search: string, range: TimeRange): Query {
  const { where, params } = compileLogQuery(search);
  return {
    sql: `SELECT intDiv(toUnixTimestamp(TimestampTime), toUInt32({step:String})) * toUInt32({step:String}) AS t, if(SeverityText = '', 'UNSET', upper(SeverityText)) AS k, count() AS v
FROM otel_logs WHERE ${RANGE} AND ${where}
GROUP BY t, k ORDER BY t`,
    params: { ...params, ...rangeParams(range) },
  };
}

export function logRowsQuery(search: string, range: TimeRange, limit = 200): Query {
  const { where, params } = compileLogQuery(search);
  return {
    sql: `SELECT ${LOG_COLUMNS}
FROM otel_logs WHERE ${RANGE} AND ${where}
ORDER BY Timestamp DESC LIMIT toUInt32({limit:String})`,
    params: { ...params, ...rangeParams(range), limit },
  };
}

/** Live tail: what arrived after the newest record shown (timestamps in ns, as text: past 2^53). */
export function logTailQuery(search: string, afterNs: string, limit = 200): Query {
  const { where, params } = compileLogQuery(search);
  return {
    sql: `SELECT ${LOG_COLUMNS}
FROM otel_logs WHERE TimestampTime >= now() - INTERVAL 15 MINUTE AND Timestamp > fromUnixTimestamp64Nano(toInt64({after_ns:String})) AND ${where}
ORDER BY Timestamp DESC LIMIT toUInt32({limit:String})`,
    params: { ...params, after_ns: afterNs, limit },
  };
}
