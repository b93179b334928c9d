import type { Query } from '../api-client.ts';
import { rangeParams, type TimeRange } from '../time-range.ts';

/** Log records per bucket and severity, from the per-minute rollup (never the raw table). */
export function logVolumeQuery(range: TimeRange, host?: string): Query {
  return {
    sql: `SELECT intDiv(toUnixTimestamp(Minute), toUInt32({step:String})) * toUInt32({step:String}) AS t, if(SeverityText = '', 'UNSET', upper(SeverityText)) AS k, sum(Count) AS v
FROM vigil_logs_1m
WHERE Minute >= toStartOfMinute(fromUnixTimestamp64Milli(toInt64({from_ms:String}))) AND Minute <= fromUnixTimestamp64Milli(toInt64({to_ms:String}))${host ? ' AND HostName = {host:String}' : ''}
GROUP BY t, k ORDER BY t`,
    params: { ...rangeParams(range), step: Math.max(60, range.stepSeconds), ...(host ? { host } : {}) },
  };
}

/** vigil's own counters (self-telemetry, service.name "vigil"): growth over the range per series. */
export function pipelineQuery(range: TimeRange): Query {
  return {
    sql: `SELECT MetricName AS metric, toString(Attributes) AS attributes, max(Value) - min(Value) AS in_range, argMax(Value, TimeUnix) AS total
FROM otel_metrics_sum
WHERE ServiceName = 'vigil' AND MetricName LIKE 'vigil.%'
  AND TimeUnix >= fromUnixTimestamp64Milli(toInt64({from_ms:String})) AND TimeUnix <= fromUnixTimestamp64Milli(toInt64({to_ms:String}))
GROUP BY metric, attributes ORDER BY metric, attributes LIMIT 200`,
    params: rangeParams(range),
  };
}

/** Mean insert latency over the range from the cumulative histogram. */
export function insertLatencyQuery(range: TimeRange): Query {
  return {
    sql: `SELECT toString(Attributes) AS attributes, round(1000 * (max(Sum) - min(Sum)) / greatest(1, max(Count) - min(Count)), 2) AS mean_ms, max(Count) - min(Count) AS inserts
FROM otel_metrics_histogram
WHERE ServiceName = 'vigil' AND MetricName = 'vigil.store.insert.duration'
  AND TimeUnix >= fromUnixTimestamp64Milli(toInt64({from_ms:String})) AND TimeUnix <= fromUnixTimestamp64Milli(toInt64({to_ms:String}))
GROUP BY attributes ORDER BY attributes`,
    params: rangeParams(range),
  };
}
