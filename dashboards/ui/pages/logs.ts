import { api } from '../api-client.ts';
import { pivot, timeChart } from '../chart.ts';
import { errorText, guarded, h, panel } from '../element.ts';
import { LogQueryError } from '../log-query/parse-log-query.ts';
import type { Page } from '../page.ts';
import { logTable } from './log-table.ts';
import { logRowsQuery, logTailQuery, logVolumeBySearchQuery, type LogRow } from './logs-queries.ts';
import { logVolumeQuery } from './overview-queries.ts';

const TAIL_EVERY_MS = 2000;

export const page: Page = async ({ root, params, range, setParams }) => {
  const search = params.get('q') ?? '';
  const input = h('input', { id: 'search', class: 'grow', value: search, placeholder: 'level:error service:checkout "timed out" -host:db-1 duration:>100', 'aria-label': 'search' });
  const form = h('form', { class: 'row', onsubmit: (e) => (e.preventDefault(), setParams({ q: input.value.trim() || null })) }, input, h('button', { class: 'primary', type: 'submit' }, 'Search'));
  const tailButton = h('button', { id: 'tail', type: 'button' }, params.get('tail') === '1' ? '⏸ Pause' : '▶ Live tail');
  const volume = panel('Volume (drag to zoom)');
  const results = panel('Records');
  const count = h('span', { class: 'muted', id: 'log-count' });
  root.append(h('h1', {}, 'Logs'), h('div', { class: 'row' }, h('div', { class: 'grow' }, form), tailButton), volume, results);

  let queries;
  try {
    // No search: the per-minute rollup has the same counts without reading the records.
    queries = { volume: search.trim() === '' ? logVolumeQuery(range) : logVolumeBySearchQuery(search, range), rows: logRowsQuery(search, range) };
  } catch (err) {
    if (err instanceof LogQueryError) return void root.append(errorText(err));
    throw err;
  }
  let newestNs = '0';
  let table: ReturnType<typeof logTable> | undefined;
  await Promise.all([
    guarded(volume, async () => {
      const result = await api.query(queries.volume);
      const chart = h('div');
      volume.append(chart);
      timeChart(chart, pivot(result.data), { bars: true, fromMs: range.fromMs, toMs: range.toMs, onSelect: (from, to) => setParams({ from: String(from), to: String(to) }) });
    }),
    guarded(results, async () => {
      const result = await api.query<LogRow>(queries.rows);
      newestNs = result.data[0]?.ns ?? String(BigInt(Math.floor(range.toMs)) * 1_000_000n);
      table = logTable(result.data);
      count.textContent = `${result.data.length} shown, newest first`;
      results.append(count, table.element);
    }),
  ]);

  // Live tail: poll for records newer than the newest shown; pause keeps the rows and stops polling.
  let timer: ReturnType<typeof setInterval> | undefined;
  let polling = false;
  const poll = async () => {
    if (polling || !table) return;
    polling = true;
    try {
      const newer = await api.query<LogRow>(logTailQuery(search, newestNs));
      if (newer.data.length) {
        newestNs = newer.data[0]!.ns;
        table.prepend(newer.data);
      }
    } catch (err) {
      results.prepend(errorText(err));
    } finally {
      polling = false;
    }
  };
  const setTail = (on: boolean) => {
    clearInterval(timer);
    timer = on ? setInterval(() => void poll(), TAIL_EVERY_MS) : undefined;
    tailButton.textContent = on ? '⏸ Pause' : '▶ Live tail';
    tailButton.dataset.state = on ? 'live' : 'paused';
    if (on) void poll();
  };
  tailButton.onclick = () => setTail(timer === undefined);
  setTail(params.get('tail') === '1');
  return () => clearInterval(timer);
};
