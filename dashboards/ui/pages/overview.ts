import { api } from '../api-client.ts';
import { alertRow } from './alert-row.ts';
import { pivot, sparkline, timeChart } from '../chart.ts';
import { guarded, h, panel, table } from '../element.ts';
import type { Page } from '../page.ts';
import { HOST_PANELS, hostMetricQuery, nodesQuery } from './host-metric-queries.ts';
import { insertLatencyQuery, logVolumeQuery, pipelineQuery } from './overview-queries.ts';

/**
 * A node is up while its heartbeat (vigil.agent.up, every second by default) is this fresh;
 * "late" after that (a loaded pipeline delays heartbeats too), down once it is older than DOWN_AFTER_MS.
 */
const UP_WITHIN_MS = 30_000;
const DOWN_AFTER_MS = 120_000;

export const page: Page = async ({ root, range }) => {
  const nodes = panel('Nodes');
  const volume = panel('Log volume by severity');
  const alerts = panel('Firing alerts');
  const pipeline = panel('Pipeline health');
  root.append(h('h1', {}, 'Cluster overview'), nodes, h('div', { class: 'grid' }, volume, alerts), pipeline);

  await Promise.all([
    guarded(nodes, async () => {
      const [list, ...panels] = await Promise.all([api.query<{ host: string; last_beat_ms: number; last_minute_ms: number }>(nodesQuery(range)), ...HOST_PANELS.map((p) => api.query(hostMetricQuery(p.panel, range)))]);
      const sets = panels.map((r) => pivot(r.data));
      const now = Date.now();
      const rows = list.data.map((n) => {
        const age = Number(n.last_beat_ms) > 0 ? now - Number(n.last_beat_ms) : Infinity;
        const status = age < UP_WITHIN_MS ? 'up' : age < DOWN_AFTER_MS ? 'late' : 'down';
        const lastSeen = Math.max(Number(n.last_beat_ms), Number(n.last_minute_ms));
        return [
          h('a', { href: `/nodes/${encodeURIComponent(n.host)}${location.search}`, 'data-node': n.host }, n.host),
          h('span', { class: `badge ${status === 'late' ? 'warn' : status}`, 'data-status': status, title: `last heartbeat ${new Date(lastSeen).toISOString()}` }, status),
          ...sets.map((set, i) => {
            const s = set.series.find((x) => x.label === n.host);
            const last = s?.values.filter((v) => v !== null).at(-1);
            return h('span', {}, sparkline(set.times, s?.values ?? []), ' ', h('span', { class: 'muted' }, last === undefined ? '' : `${last} ${HOST_PANELS[i]!.unit}`));
          }),
        ];
      });
      nodes.append(rows.length ? table(['node', 'status', ...HOST_PANELS.map((p) => p.title)], rows) : h('p', { class: 'muted' }, 'No node has sent a heartbeat in this range.'));
    }),
    guarded(volume, async () => {
      const result = await api.query(logVolumeQuery(range));
      const chart = h('div');
      volume.append(chart);
      timeChart(chart, pivot(result.data), { bars: true, fromMs: range.fromMs, toMs: range.toMs });
    }),
    guarded(alerts, async () => {
      const firing = (await api.alertsOrNone()).filter((a) => a.state === 'firing');
      alerts.append(firing.length ? table(['state', 'alert', 'labels', 'summary', 'value'], firing.map(alertRow)) : h('p', { class: 'muted' }, 'Nothing is firing.'), h('a', { href: '/alerts' }, 'All alerts →'));
    }),
    guarded(pipeline, async () => {
      const [counters, latency, status] = await Promise.all([api.query<Record<string, string>>(pipelineQuery(range)), api.query<Record<string, string>>(insertLatencyQuery(range)), api.status().then((s) => s ?? {})]);
      const receivers = Object.entries((status as { receivers?: Record<string, unknown> }).receivers ?? {});
      // Counters that never moved (every rejection reason of every receiver) would bury the rest.
      counters.data = counters.data.filter((r) => Number(r.total) > 0);
      latency.data = latency.data.filter((r) => Number(r.inserts) > 0);
      pipeline.append(
        counters.data.length
          ? table(['counter', 'attributes', 'in range', 'total'], counters.data.map((r) => [r.metric!, h('pre', {}, r.attributes!), String(r.in_range), String(r.total)]))
          : h('p', { class: 'muted' }, 'No self-telemetry counter moved in this range.'),
        latency.data.length ? table(['insert latency', 'mean ms', 'inserts'], latency.data.map((r) => [h('pre', {}, r.attributes!), String(r.mean_ms), String(r.inserts)])) : '',
        receivers.length ? table(['notification receiver', 'status'], receivers.map(([name, s]) => [name, h('pre', {}, JSON.stringify(s))])) : '',
      );
    }),
  ]);
};
