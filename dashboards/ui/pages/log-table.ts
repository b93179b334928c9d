import { fmtTime, h } from '../element.ts';
import type { LogRow } from './logs-queries.ts';

/** Log records as rows that expand to every attribute; a TraceId links to its trace. */
export function logTable(rows: LogRow[]): { element: HTMLTableElement; prepend(rows: LogRow[]): void } {
  const body = h('tbody');
  const element = h('table', { class: 'logs' }, h('thead', {}, h('tr', {}, ...['time', 'severity', 'service', 'host', 'body'].map((x) => h('th', {}, x)))), body);
  const rowsOf = (r: LogRow) => {
    const detail = h(
      'tr',
      { class: 'detail', hidden: true },
      h(
        'td',
        { colspan: 5 },
        r.trace_id ? h('div', {}, 'TraceId ', h('a', { href: `/traces/${r.trace_id}`, 'data-trace': r.trace_id }, r.trace_id), r.span_id ? ` span ${r.span_id}` : '') : '',
        h('pre', {}, JSON.stringify({ attributes: r.attributes, resource: r.resource }, null, 2)),
      ),
    );
    const main = h(
      'tr',
      { class: 'expandable', 'data-log': r.ns, onclick: () => (detail.hidden = !detail.hidden) },
      h('td', { class: 'muted' }, fmtTime(Number(r.ms))),
      h('td', { class: `sev-${r.severity.toLowerCase()}` }, r.severity),
      h('td', {}, r.service),
      h('td', {}, r.host),
      h('td', {}, h('pre', {}, r.body.length > 500 ? `${r.body.slice(0, 500)}…` : r.body)),
    );
    return [main, detail];
  };
  for (const r of rows) body.append(...rowsOf(r));
  return {
    element,
    prepend(newer: LogRow[]) {
      body.prepend(...newer.flatMap(rowsOf));
      while (body.children.length > 1000) body.lastElementChild!.remove();
    },
  };
}
