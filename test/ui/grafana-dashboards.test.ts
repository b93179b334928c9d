import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbStore, migrate } from '../../core/store/index.ts';
import { seedDashboardData } from '../../scripts/bench/dashboard-data.ts';
import { renderPanelSql, type PanelContext } from '../support/grafana-macros.ts';
import { tempDir } from '../support/vigil-process.ts';

// Every panel and variable query of dashboards/grafana, with Grafana's variables and the
// ClickHouse plugin's macros expanded as they would be, run on the real schema with data in it.
const GRAFANA = resolve(import.meta.dirname, '../../dashboards/grafana');
const dir = tempDir('grafana');
const store = new ChdbStore({ path: dir });
const now = Date.now();

interface Target { rawSql: string; format: number }
interface Panel { id: number; title: string; type: string; targets: Target[]; datasource: { uid: string } }
interface Dashboard { uid: string; title: string; panels: Panel[]; templating: { list: Array<{ name: string; query: string; multi: boolean }> } }

const dashboards = readdirSync(join(GRAFANA, 'dashboards')).map((f) => JSON.parse(readFileSync(join(GRAFANA, 'dashboards', f), 'utf8')) as Dashboard);
const panels = dashboards.flatMap((d) => d.panels.map((p) => [`${d.uid} · ${p.title}`, d, p] as const));

beforeAll(async () => {
  await store.start();
  await migrate(store, { database: 'default', ttlDays: 30 });
  await seedDashboardData(store, { logs: 5000, metricPoints: 8000, hosts: 3, spanMs: 3 * 3_600_000, endMs: now - 1000 });
  await store.insertRows('vigil_alert_state', [
    { group_name: 'nodes', rule: 'HighCpu', fingerprint: 'fp-1', labels: { alertname: 'HighCpu', host: 'node-1' }, annotations: {}, state: 'firing', value: 0.97,
      active_at: `${now - 60_000}000000`, fired_at: `${now - 30_000}000000`, last_active_at: `${now}000000`, updated_at: `${now}000000`, deleted: 0 },
  ]);
});
afterAll(async () => {
  await store.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

const context = (all: boolean): PanelContext => ({
  fromMs: now - 6 * 3_600_000,
  toMs: now,
  intervalSeconds: 60,
  variables: {
    host: { values: all ? ['node-0', 'node-1', 'node-2'] : ['node-1'], all },
    node: { values: ['node-1'], all: false },
    service: { values: all ? ['svc-0', 'svc-1', 'svc-4'] : ['svc-4'], all },
    severity: { values: all ? ['ERROR', 'INFO', 'WARN', 'DEBUG'] : ['ERROR'], all },
  },
});

describe('Grafana provisioning', () => {
  it('provisions the ClickHouse plugin datasource the dashboards use, and a dashboards folder', () => {
    const ds = parse(readFileSync(join(GRAFANA, 'provisioning/datasources/vigil-clickhouse.yaml'), 'utf8'));
    expect(ds.datasources[0]).toMatchObject({ type: 'grafana-clickhouse-datasource', uid: 'vigil-clickhouse' });
    const providers = parse(readFileSync(join(GRAFANA, 'provisioning/dashboards/vigil.yaml'), 'utf8'));
    expect(providers.providers[0].type).toBe('file');
    expect(dashboards.map((d) => d.uid).sort()).toEqual(['vigil-alerts', 'vigil-cluster', 'vigil-logs', 'vigil-node']);
    for (const [, , p] of panels) expect(p.datasource.uid).toBe('vigil-clickhouse');
  });
});

describe('every Grafana panel runs on the real schema with data', () => {
  it.each(panels)('%s', async (_name, _d, panel) => {
    for (const all of [true, false]) {
      for (const t of panel.targets) {
        const sql = renderPanelSql(t.rawSql, context(all));
        const rows = await store.query<Record<string, unknown>>(sql);
        expect(rows.length, `${all ? 'All' : 'one value'}: ${sql}`).toBeGreaterThan(0);
      }
    }
  });

  it.each(dashboards.flatMap((d) => d.templating.list.map((v) => [`${d.uid} · $${v.name}`, v.query] as const)))('variable %s lists values', async (_name, query) => {
    const rows = await store.query<Record<string, unknown>>(renderPanelSql(query, context(true)));
    expect(rows.length).toBeGreaterThan(0);
  });

  it('narrows a panel to the selected values', async () => {
    const cpu = dashboards.find((d) => d.uid === 'vigil-cluster')!.panels.find((p) => p.title === 'CPU busy')!.targets[0]!.rawSql;
    const hosts = async (all: boolean) => new Set((await store.query<{ host: string }>(renderPanelSql(cpu, context(all)))).map((r) => r.host));
    expect(await hosts(true)).toEqual(new Set(['node-0', 'node-1', 'node-2']));
    expect(await hosts(false)).toEqual(new Set(['node-1']));
  });
});
