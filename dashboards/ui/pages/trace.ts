import { api } from '../api-client.ts';
import { fmtTime, guarded, h, panel, table } from '../element.ts';
import type { Page } from '../page.ts';
import { traceLogsQuery, traceQuery, type SpanRow } from './traces-queries.ts';

/** Spans in tree order (parents before children), with their depth; orphans become roots. */
function treeOrder(spans: SpanRow[]): Array<{ span: SpanRow; depth: number }> {
  const ids = new Set(spans.map((s) => s.span_id));
  const children = new Map<string, SpanRow[]>();
  for (const s of spans) {
    const parent = ids.has(s.parent) ? s.parent : '';
    children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  const out: Array<{ span: SpanRow; depth: number }> = [];
  const walk = (parent: string, depth: number) => {
    for (const s of children.get(parent) ?? []) {
      out.push({ span: s, depth });
      if (depth < 100) walk(s.span_id, depth + 1);
    }
  };
  walk('', 0);
  return out;
}

export const page: Page = async ({ root, path }) => {
  const traceId = decodeURIComponent(path.slice('/traces/'.length));
  const waterfall = panel('Waterfall (click a span for its attributes and events)');
  const logs = panel('Logs of this trace');
  root.append(h('h1', {}, 'Trace ', h('code', {}, traceId)), waterfall, logs);
  await Promise.all([
    guarded(waterfall, async () => {
      const spans = (await api.query<SpanRow>(traceQuery(traceId))).data;
      if (spans.length === 0) return void waterfall.append(h('p', { class: 'muted' }, 'No spans with this trace id.'));
      const start = spans.reduce((m, s) => (BigInt(s.start_ns) < m ? BigInt(s.start_ns) : m), BigInt(spans[0]!.start_ns));
      const end = spans.reduce((m, s) => (BigInt(s.start_ns) + BigInt(s.duration_ns) > m ? BigInt(s.start_ns) + BigInt(s.duration_ns) : m), start);
      const total = Number(end - start) || 1;
      const body = h('tbody');
      for (const { span, depth } of treeOrder(spans)) {
        const offset = Number(BigInt(span.start_ns) - start);
        const detail = h('tr', { hidden: true }, h('td', { colspan: 3 }, h('pre', {}, JSON.stringify({
          kind: span.kind, status: span.status, status_message: span.status_message, attributes: span.attributes, resource: span.resource,
          events: span.event_names.map((name, i) => ({ name, at: fmtTime(Number(BigInt(span.event_ns[i]!) / 1_000_000n)), attributes: span.event_attributes[i] })),
        }, null, 2))));
        body.append(
          h('tr', { class: 'expandable', 'data-span': span.span_id, onclick: () => (detail.hidden = !detail.hidden) },
            h('td', { style: `padding-left:${8 + depth * 16}px` }, span.name, ' ', h('span', { class: 'muted' }, span.service)),
            h('td', { class: 'num' }, `${(Number(span.duration_ns) / 1e6).toFixed(3)} ms`),
            h('td', { class: 'track' }, h('div', { class: `bar${span.status === 'Error' ? ' err' : ''}`, style: `margin-left:${(100 * offset) / total}%;width:${(100 * Number(span.duration_ns)) / total}%` }))),
          detail,
        );
      }
      waterfall.append(h('p', { class: 'muted' }, `${spans.length} spans, ${(total / 1e6).toFixed(3)} ms`), h('table', { class: 'waterfall' }, h('thead', {}, h('tr', {}, h('th', {}, 'span'), h('th', {}, 'duration'), h('th', {}, 'timeline'))), body));
    }),
    guarded(logs, async () => {
      const rows = (await api.query<Record<string, string>>(traceLogsQuery(traceId))).data;
      logs.append(rows.length ? table(['time', 'severity', 'service', 'span', 'body'], rows.map((r) => [fmtTime(Number(r.ms)), r.severity!, r.service!, r.span_id!, h('pre', {}, r.body!)])) : h('p', { class: 'muted' }, 'No logs carry this trace id.'));
    }),
  ]);
};
