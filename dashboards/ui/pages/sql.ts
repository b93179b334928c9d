import { api, type QueryResult } from '../api-client.ts';
import { timeChart } from '../chart.ts';
import { errorText, h, panel } from '../element.ts';
import type { Page } from '../page.ts';

const EXAMPLE = `SELECT toStartOfMinute(Minute) AS t, SeverityText, sum(Count) AS records
FROM vigil_logs_1m WHERE Minute >= now() - INTERVAL 1 HOUR
GROUP BY t, SeverityText ORDER BY t`;

const isTime = (type: string) => /^(Nullable\()?(DateTime|Date)/.test(type);
const isNumber = (type: string) => /^(Nullable\()?(U?Int|Float|Decimal)/.test(type);

/** A chart when the result has a time column and numeric columns (one series per numeric column). */
function chartOf(result: QueryResult, container: HTMLElement): boolean {
  const time = result.meta.find((m) => isTime(m.type));
  const numeric = result.meta.filter((m) => isNumber(m.type));
  if (!time || numeric.length === 0 || result.data.length < 2) return false;
  const rows = [...result.data].map((r) => ({ t: Date.parse(`${String(r[time.name]).replace(' ', 'T')}Z`) / 1000, r })).filter((x) => Number.isFinite(x.t)).sort((a, b) => a.t - b.t);
  const times = [...new Set(rows.map((x) => x.t))];
  const index = new Map(times.map((t, i) => [t, i]));
  const labels = result.meta.filter((m) => !isTime(m.type) && !isNumber(m.type)).map((m) => m.name);
  const series = new Map<string, Array<number | null>>();
  for (const { t, r } of rows) {
    for (const n of numeric) {
      const key = [n.name, ...labels.map((l) => String(r[l]))].join(' ');
      if (!series.has(key)) series.set(key, new Array(times.length).fill(null));
      series.get(key)![index.get(t)!] = Number(r[n.name]);
    }
  }
  timeChart(container, { times, series: [...series].slice(0, 20).map(([label, values]) => ({ label, values })) });
  return true;
}

export const page: Page = async ({ root, params, setParams }) => {
  const sql = params.get('q') ?? '';
  const editor = h('textarea', { id: 'sql', rows: 8, spellcheck: false, 'aria-label': 'SQL' });
  editor.value = sql || EXAMPLE;
  const run = () => setParams({ q: editor.value.trim() });
  editor.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) run();
  });
  const output = panel('Result');
  root.append(h('h1', {}, 'SQL explorer'), panel('Query (Ctrl+Enter runs; read-only, sandboxed)', editor, h('div', { class: 'row' }, h('button', { class: 'primary', id: 'run', onclick: run }, 'Run'))), output);
  if (!sql) return;
  try {
    const result = await api.query({ sql });
    const chart = h('div');
    output.append(chart);
    if (!chartOf(result, chart)) chart.remove();
    output.append(
      h('p', { class: 'muted', id: 'sql-stats' }, `${result.rows} rows${result.statistics ? ` · ${(result.statistics.elapsed * 1000).toFixed(1)} ms · ${result.statistics.rows_read} rows read` : ''}`),
      h('table', {}, h('thead', {}, h('tr', {}, ...result.meta.map((m) => h('th', { title: m.type }, m.name)))),
        h('tbody', {}, ...result.data.slice(0, 1000).map((r) => h('tr', {}, ...result.meta.map((m) => h('td', { class: isNumber(m.type) ? 'num' : '' }, typeof r[m.name] === 'object' ? JSON.stringify(r[m.name]) : String(r[m.name]))))))),
    );
  } catch (err) {
    output.append(errorText(err));
  }
};
