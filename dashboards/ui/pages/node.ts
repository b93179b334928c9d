import { api } from '../api-client.ts';
import { pivot, timeChart } from '../chart.ts';
import { guarded, h, panel, table } from '../element.ts';
import type { Page } from '../page.ts';
import { alertRow } from './alert-row.ts';
import { HOST_PANELS, hostMetricQuery } from './host-metric-queries.ts';
import { logTable } from './log-table.ts';
import { logRowsQuery, type LogRow } from './logs-queries.ts';
import { logVolumeQuery } from './overview-queries.ts';

/** Alert labels that name a node, in the order rules usually use them. */
const HOST_LABELS = ['host', 'host.name', 'host_name', 'instance', 'node'];

export const page: Page = async ({ root, path, range }) => {
  const host = decodeURIComponent(path.slice('/nodes/'.length));
  const charts = HOST_PANELS.map((p) => ({ ...p, el: panel(`${p.title} (${p.unit})`) }));
  const volume = panel('Log volume');
  const alerts = panel('Alerts');
  const logs = panel('Latest logs');
  root.append(h('h1', {}, 'Node ', h('span', { id: 'node-name' }, host)), h('div', { class: 'grid' }, ...charts.map((c) => c.el), volume, alerts), logs);
  const quoted = JSON.stringify(host);
  await Promise.all([
    ...charts.map((c) =>
      guarded(c.el, async () => {
        const result = await api.query(hostMetricQuery(c.panel, range, host));
        const chart = h('div');
        c.el.append(chart);
        timeChart(chart, pivot(result.data), { fromMs: range.fromMs, toMs: range.toMs, height: 150 });
      }),
    ),
    guarded(volume, async () => {
      const chart = h('div');
      volume.append(chart);
      timeChart(chart, pivot((await api.query(logVolumeQuery(range, host))).data), { bars: true, fromMs: range.fromMs, toMs: range.toMs, height: 150 });
    }),
    guarded(alerts, async () => {
      const mine = (await api.alertsOrNone()).filter((a) => HOST_LABELS.some((l) => a.labels[l] === host));
      alerts.append(mine.length ? table(['state', 'alert', 'labels', 'summary', 'value'], mine.map(alertRow)) : h('p', { class: 'muted' }, 'No alerts for this node.'));
    }),
    guarded(logs, async () => {
      const rows = await api.query<LogRow>(logRowsQuery(`host:${quoted}`, range, 50));
      logs.append(h('a', { href: `/logs?q=${encodeURIComponent(`host:${quoted}`)}&from=${range.from}&to=${range.to}` }, 'Search these logs →'), logTable(rows.data).element);
    }),
  ]);
};
