import type { Query } from '../api-client.ts';
import { rangeParams, type TimeRange } from '../time-range.ts';

/**
 * Host metrics per node, bucketed for charts: rows (k = host, t = unix seconds, v). One query per
 * panel over all nodes (the overview) or one node (`host` set).
 */

const RAW_RANGE = 'TimeUnix >= fromUnixTimestamp64Milli(toInt64({from_ms:String})) AND TimeUnix <= fromUnixTimestamp64Milli(toInt64({to_ms:String}))';
const BUCKET = 'intDiv(toUnixTimestamp(TimeUnix), toUInt32({step:String})) * toUInt32({step:String})';
const HOST = "ResourceAttributes['host.name']";

export type HostPanel = 'cpu' | 'memory' | 'disk' | 'network';

export const HOST_PANELS: Array<{ panel: HostPanel; title: string; unit: string }> = [
  { panel: 'cpu', title: 'CPU busy', unit: '%' },
  { panel: 'memory', title: 'Memory used', unit: '%' },
  { panel: 'disk', title: 'Fullest filesystem', unit: '%' },
  { panel: 'network', title: 'Network', unit: 'B/s' },
];

export function hostMetricQuery(panel: HostPanel, range: TimeRange, host?: string): Query {
  const params: Query['params'] = { ...rangeParams(range), ...(host ? { host } : {}) };
  const onHost = host ? ` AND ${HOST} = {host:String}` : '';
  switch (panel) {
    case 'cpu':
      // Shares per CPU mode, summed over the busy modes at each scrape, averaged over the bucket.
      return {
        sql: `SELECT ${HOST} AS k, ${BUCKET} AS t, round(100 * sum(Value) / uniqExact(TimeUnix), 2) AS v
FROM otel_metrics_gauge
WHERE MetricName = 'system.cpu.utilization' AND Attributes['cpu.mode'] NOT IN ('idle', 'wait') AND ${RAW_RANGE}${onHost}
GROUP BY k, t ORDER BY t`,
        params,
      };
    case 'memory':
      return {
        sql: `SELECT ${HOST} AS k, ${BUCKET} AS t, round(100 * avg(Value), 2) AS v
FROM otel_metrics_gauge
WHERE MetricName = 'system.memory.utilization' AND Attributes['system.memory.state'] = 'used' AND ${RAW_RANGE}${onHost}
GROUP BY k, t ORDER BY t`,
        params,
      };
    case 'disk':
      return {
        sql: `SELECT ${HOST} AS k, ${BUCKET} AS t, round(100 * max(Value), 2) AS v
FROM otel_metrics_gauge
WHERE MetricName = 'system.filesystem.utilization' AND ${RAW_RANGE}${onHost}
GROUP BY k, t ORDER BY t`,
        params,
      };
    case 'network':
      // Cumulative byte counters: growth within the bucket, per interface and direction, summed.
      return {
        sql: `SELECT k, t, round(sum(grew) / toUInt32({step:String}), 1) AS v FROM (
  SELECT ${HOST} AS k, ${BUCKET} AS t, Attributes, max(Value) - min(Value) AS grew
  FROM otel_metrics_sum
  WHERE MetricName = 'system.network.io' AND ${RAW_RANGE}${onHost}
  GROUP BY k, t, Attributes)
GROUP BY k, t ORDER BY t`,
        params,
      };
  }
}

/** Nodes seen in the range (from the per-minute rollup) and their last heartbeat (raw, recent). */
export function nodesQuery(range: TimeRange): Query {
  return {
    sql: `SELECT seen.host AS host, seen.last_minute_ms AS last_minute_ms, beat.last_beat_ms AS last_beat_ms
FROM (
  SELECT HostName AS host, toUnixTimestamp(max(Minute)) * 1000 AS last_minute_ms
  FROM vigil_metrics_1m
  WHERE MetricName = 'vigil.agent.up' AND Minute >= toStartOfMinute(fromUnixTimestamp64Milli(toInt64({from_ms:String}))) AND Minute <= fromUnixTimestamp64Milli(toInt64({to_ms:String}))
  GROUP BY host) AS seen
LEFT JOIN (
  SELECT ${HOST} AS host, max(toUnixTimestamp64Milli(TimeUnix)) AS last_beat_ms
  FROM otel_metrics_gauge
  WHERE MetricName = 'vigil.agent.up' AND TimeUnix >= now64() - INTERVAL 10 MINUTE
  GROUP BY host) AS beat ON beat.host = seen.host
ORDER BY host`,
    params: rangeParams(range),
  };
}
