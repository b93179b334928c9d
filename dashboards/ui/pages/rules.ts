import { api, ApiError, type RuleGroup } from '../api-client.ts';
import { pivot, timeChart } from '../chart.ts';
import { guarded, h, panel } from '../element.ts';
import type { Page } from '../page.ts';
import { ruleValueQuery } from './alerts-queries.ts';

export const page: Page = async ({ root, range }) => {
  root.append(h('h1', {}, 'Rules'));
  let groups: RuleGroup[] = [];
  try {
    groups = await api.rules();
  } catch (err) {
    // 404: this process runs no rules engine (alerts disabled, or the dashboards role alone).
    if (!(err instanceof ApiError && err.status === 404)) throw err;
  }
  if (groups.length === 0) root.append(h('p', { class: 'muted' }, 'No rules loaded (alerts.rule_files).'));
  const charts: Array<Promise<void>> = [];
  for (const g of groups) {
    root.append(h('h2', {}, `Group ${g.name} · every ${g.interval}s · last evaluated ${g.lastEvaluation ?? 'never'}`));
    for (const r of g.rules) {
      const chart = h('div');
      const section = panel(
        r.name,
        h('div', { class: 'row' },
          h('span', { class: `badge ${r.health === 'ok' ? 'up' : r.health === 'unknown' ? 'inactive' : 'down'}`, 'data-rule-health': r.name }, r.health),
          h('span', { class: `badge ${r.state}` }, r.state),
          h('span', { class: 'muted' }, `${r.kind} · for ${r.duration ?? 0}s · last ${r.lastEvaluation ?? 'never'} in ${r.evaluationTime ?? 0}s`)),
        r.lastError ? h('div', { class: 'error' }, r.lastError) : '',
        h('details', {}, h('summary', {}, 'SQL'), h('pre', {}, r.query), h('a', { href: `/sql?q=${encodeURIComponent(r.query)}` }, 'Open in SQL explorer →')),
        h('div', { class: 'muted' }, 'Value at each state change over the range'),
        chart,
      );
      root.append(section);
      charts.push(guarded(section, async () => {
        timeChart(chart, pivot((await api.query(ruleValueQuery(r.name, range))).data), { fromMs: range.fromMs, toMs: range.toMs, height: 120 });
      }));
    }
  }
  await Promise.all(charts);
};
