import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbStore, migrate } from '../../core/store/index.ts';
import type { Query } from '../../dashboards/ui/api-client.ts';
import { alertHistoryQuery, ruleValueQuery } from '../../dashboards/ui/pages/alerts-queries.ts';
import { HOST_PANELS, hostMetricQuery, nodesQuery } from '../../dashboards/ui/pages/host-metric-queries.ts';
import { logRowsQuery, logTailQuery, logVolumeBySearchQuery } from '../../dashboards/ui/pages/logs-queries.ts';
import { insertLatencyQuery, logVolumeQuery, pipelineQuery } from '../../dashboards/ui/pages/overview-queries.ts';
import { servicesQuery, spanSearchQuery, traceLogsQuery, traceQuery } from '../../dashboards/ui/pages/traces-queries.ts';
import { timeRange } from '../../dashboards/ui/time-range.ts';
import { seedDashboardData } from '../../scripts/bench/dashboard-data.ts';
import { tempDir } from '../support/vigil-process.ts';

// Every query a page sends, through the same sandboxed path as POST /api/v1/query, against the
// real schema with a small cluster's data in it: each must be accepted and find that data.
const dir = tempDir('ui-queries');
const store = new ChdbStore({ path: dir });
const limits = { maxExecutionTimeMs: 20_000, maxResultRows: 100_000 };
const now = Date.now();
const range = timeRange(new URLSearchParams({ from: 'now-1h', to: 'now' }), now);
let traceId = '';

beforeAll(async () => {
  await store.start();
  await migrate(store, { database: 'default', ttlDays: 30 });
  await seedDashboardData(store, { logs: 3000, metricPoints: 6000, hosts: 3, spanMs: 50 * 60_000, endMs: now - 1000 });
  const [row] = await store.query<{ id: string }>("SELECT TraceId AS id FROM otel_traces WHERE StatusCode = 'Error' LIMIT 1");
  traceId = row!.id;
});
afterAll(async () => {
  await store.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

// As the UI's API client sends them: every parameter as text.
const run = async (q: Query) =>
  (await store.readOnlyQuery(q.sql, limits, Object.fromEntries(Object.entries(q.params ?? {}).map(([k, v]) => [k, String(v)])))).data as Array<Record<string, any>>;

describe('every page query runs in the SQL sandbox and finds the data', () => {
  it('overview: nodes with their last heartbeat, host metric panels, log volume, pipeline health', async () => {
    const nodes = await run(nodesQuery(range));
    expect(nodes.map((n) => n.host)).toEqual(['node-0', 'node-1', 'node-2']);
    expect(Number(nodes[0]!.last_minute_ms)).toBeGreaterThan(now - 3 * 60_000);
    for (const p of HOST_PANELS) {
      const rows = await run(hostMetricQuery(p.panel, range));
      expect(new Set(rows.map((r) => r.k)), p.panel).toEqual(new Set(['node-0', 'node-1', 'node-2']));
      expect(rows.every((r) => Number.isFinite(Number(r.v))), p.panel).toBe(true);
    }
    const cpu = await run(hostMetricQuery('cpu', range, 'node-1'));
    expect(cpu.length).toBeGreaterThan(10);
    expect(cpu.every((r) => r.k === 'node-1' && r.v > 15 && r.v < 40)).toBe(true);
    const volume = await run(logVolumeQuery(range));
    expect(volume.reduce((n, r) => n + Number(r.v), 0)).toBe(3000);
    expect(new Set(volume.map((r) => r.k))).toEqual(new Set(['INFO', 'WARN', 'ERROR', 'DEBUG']));
    const pipeline = await run(pipelineQuery(range));
    expect(pipeline.map((r) => r.metric)).toContain('vigil.receiver.accepted');
    const latency = await run(insertLatencyQuery(range));
    expect(Number(latency[0]!.mean_ms)).toBeCloseTo(15, 0);
  });

  it('logs: a search narrows the volume and the rows; live tail sees only newer records', async () => {
    const all = await run(logVolumeBySearchQuery('', range));
    const errors = await run(logVolumeBySearchQuery('level:error service:svc-4', range));
    const total = (rows: Array<Record<string, any>>) => rows.reduce((n, r) => n + Number(r.v), 0);
    expect(total(all)).toBe(3000);
    expect(total(errors)).toBeGreaterThan(0);
    expect(total(errors)).toBeLessThan(total(all) / 6);
    const rows = await run(logRowsQuery('"timed out" http.status:[500 TO 599]', range, 50));
    expect(rows.length).toBe(50);
    expect(rows.every((r) => r.body.includes('timed out') && r.attributes['http.status'] === '500')).toBe(true);
    const newest = rows[0]!.ns as string;
    const tail = await run(logTailQuery('"timed out"', String(BigInt(newest) - 1n)));
    expect(tail.map((r) => r.ns)).toEqual([newest]);
  });

  it('traces: search by service, name, duration and status; one trace with its spans and events', async () => {
    expect((await run(servicesQuery(range))).length).toBe(7);
    const slow = await run(spanSearchQuery({ service: '', name: 'checkout', minMs: 25, status: '' }, range));
    expect(slow.length).toBeGreaterThan(0);
    expect(slow.every((s) => s.name === 'GET /checkout' && s.ms >= 25)).toBe(true);
    const failed = await run(spanSearchQuery({ service: '', name: '', minMs: 0, status: 'Error' }, range));
    expect(failed.every((s) => s.status === 'Error')).toBe(true);
    const spans = await run(traceQuery(traceId));
    expect(spans.map((s) => s.name).sort()).toEqual(['GET /checkout', 'SELECT orders', 'charge-card']);
    expect(spans.find((s) => s.parent === '')!.event_names).toEqual(['processed']);
    expect(await run(traceLogsQuery(traceId))).toBeInstanceOf(Array);
  });

  it('alerts and rules: history and a rule value series', async () => {
    const history = await run(alertHistoryQuery(range));
    expect(history.length).toBeGreaterThan(10);
    expect(history[0]!.labels.alertname).toBe('HighCpu');
    expect((await run(ruleValueQuery('HighCpu', range))).length).toBeGreaterThan(5);
  });
});
