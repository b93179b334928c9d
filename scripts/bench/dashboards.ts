/**
 * npm run bench:dashboards [-- --logs 10000000 --metrics 10000000 --hosts 50 --runs 7]
 *
 * Loads a cluster's worth of data into an embedded engine (generated in the engine, see
 * dashboard-data.ts), then runs every query of every web UI page the way the API does (through
 * the SQL sandbox, with its limits) over the last hour and the last 24 hours, and prints p50/p95
 * per query and per page (a page's queries run three at a time, as the UI's client sends them).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ChdbStore, migrate } from '../../core/store/index.ts';
import type { Query } from '../../dashboards/ui/api-client.ts';
import { alertHistoryQuery, ruleValueQuery } from '../../dashboards/ui/pages/alerts-queries.ts';
import { HOST_PANELS, hostMetricQuery, nodesQuery } from '../../dashboards/ui/pages/host-metric-queries.ts';
import { logRowsQuery, logVolumeBySearchQuery } from '../../dashboards/ui/pages/logs-queries.ts';
import { insertLatencyQuery, logVolumeQuery, pipelineQuery } from '../../dashboards/ui/pages/overview-queries.ts';
import { servicesQuery, spanSearchQuery, traceLogsQuery, traceQuery } from '../../dashboards/ui/pages/traces-queries.ts';
import { timeRange, type TimeRange } from '../../dashboards/ui/time-range.ts';
import { seedDashboardData } from './dashboard-data.ts';

const { values } = parseArgs({
  options: {
    logs: { type: 'string', default: '10000000' },
    metrics: { type: 'string', default: '10000000' },
    hosts: { type: 'string', default: '50' },
    runs: { type: 'string', default: '7' },
  },
});
const logs = Number(values.logs);
const metricPoints = Number(values.metrics);
const hosts = Number(values.hosts);
const runs = Number(values.runs);

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-dashboards-'));
const store = new ChdbStore({ path: dir });
const limits = { maxExecutionTimeMs: 30_000, maxResultRows: 100_000 };
const now = Date.now();

function pages(range: TimeRange, traceId: string): Array<[page: string, queries: Array<[string, Query]>]> {
  return [
    ['overview', [['nodes', nodesQuery(range)], ...HOST_PANELS.map((p) => [`host ${p.panel}`, hostMetricQuery(p.panel, range)] as [string, Query]), ['log volume', logVolumeQuery(range)], ['pipeline', pipelineQuery(range)], ['insert latency', insertLatencyQuery(range)]]],
    ['node', [...HOST_PANELS.map((p) => [`host ${p.panel}`, hostMetricQuery(p.panel, range, 'node-7')] as [string, Query]), ['log volume', logVolumeQuery(range, 'node-7')], ['latest logs', logRowsQuery('host:node-7', range, 50)]]],
    ['logs (no search)', [['volume (rollup)', logVolumeQuery(range)], ['rows', logRowsQuery('', range)]]],
    ['logs (search)', [['volume', logVolumeBySearchQuery('level:error "timed out" -service:svc-3', range)], ['rows', logRowsQuery('level:error "timed out" -service:svc-3', range)]]],
    ['logs (attribute range)', [['volume', logVolumeBySearchQuery('http.status:[500 TO 599] duration:>250', range)], ['rows', logRowsQuery('http.status:[500 TO 599] duration:>250', range)]]],
    ['traces', [['services', servicesQuery(range)], ['spans', spanSearchQuery({ service: 'svc-2', name: 'checkout', minMs: 25, status: '' }, range)]]],
    ['trace', [['spans', traceQuery(traceId)], ['logs', traceLogsQuery(traceId)]]],
    ['alerts', [['history', alertHistoryQuery(range)]]],
    ['rules', [['rule value', ruleValueQuery('HighCpu', range)]]],
  ];
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const text = (q: Query) => Object.fromEntries(Object.entries(q.params ?? {}).map(([k, v]) => [k, String(v)]));

async function timed(q: Query): Promise<number> {
  const start = performance.now();
  await store.readOnlyQuery(q.sql, limits, text(q));
  return performance.now() - start;
}

/** Three at a time, as the UI's API client sends a page's queries. */
async function pageOnce(queries: Query[]): Promise<number> {
  const start = performance.now();
  const queue = [...queries];
  await Promise.all([0, 1, 2].map(async () => {
    for (let q = queue.shift(); q; q = queue.shift()) await store.readOnlyQuery(q.sql, limits, text(q));
  }));
  return performance.now() - start;
}

try {
  await store.start();
  await migrate(store, { database: 'default', ttlDays: 30 });
  const loadStart = performance.now();
  await seedDashboardData(store, { logs, metricPoints, hosts, spanMs: 24 * 3_600_000, endMs: now });
  await store.query('OPTIMIZE TABLE vigil_logs_1m FINAL');
  await store.query('OPTIMIZE TABLE vigil_metrics_1m FINAL');
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const [{ id: traceId }] = (await store.query<{ id: string }>('SELECT TraceId AS id FROM otel_traces LIMIT 1 OFFSET 1000')) as [{ id: string }];
  const counts = await store.query<{ t: string; n: string }>(
    "SELECT 'otel_logs' AS t, count() AS n FROM otel_logs UNION ALL SELECT 'metric points', (SELECT count() FROM otel_metrics_gauge) + (SELECT count() FROM otel_metrics_sum)",
  );
  console.log(`loaded ${counts.map((c) => `${c.t}=${c.n}`).join(' ')} (${hosts} hosts over 24h) in ${loadSeconds.toFixed(0)} s; ${runs} runs per query, through the SQL sandbox`);
  console.log('note: a shared 2-core machine; figures taken under contention from other work are noisy.\n');
  for (const label of ['now-1h', 'now-24h']) {
    const range = timeRange(new URLSearchParams({ from: label, to: 'now' }), now);
    console.log(`range ${label} (step ${range.stepSeconds}s)`);
    console.log(`${'page'.padEnd(24)} ${'query'.padEnd(16)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)}`);
    for (const [page, queries] of pages(range, traceId)) {
      for (const [name, q] of queries) {
        await timed(q); // warm-up: first read of the parts
        const times: number[] = [];
        for (let i = 0; i < runs; i++) times.push(await timed(q));
        console.log(`${page.padEnd(24)} ${name.padEnd(16)} ${quantile(times, 0.5).toFixed(0).padStart(8)} ${quantile(times, 0.95).toFixed(0).padStart(8)}`);
      }
      const whole: number[] = [];
      for (let i = 0; i < runs; i++) whole.push(await pageOnce(queries.map(([, q]) => q)));
      console.log(`${page.padEnd(24)} ${'= whole page'.padEnd(16)} ${quantile(whole, 0.5).toFixed(0).padStart(8)} ${quantile(whole, 0.95).toFixed(0).padStart(8)}`);
    }
    console.log('');
  }
} finally {
  await store.shutdown();
  rmSync(dir, { recursive: true, force: true });
}
