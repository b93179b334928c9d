import { api } from '../api-client.ts';
import { fmtTime, guarded, h, panel, table } from '../element.ts';
import type { Page } from '../page.ts';
import { servicesQuery, spanSearchQuery, type SpanSummary, type TraceFilter } from './traces-queries.ts';

export const page: Page = async ({ root, params, range, setParams }) => {
  const filter: TraceFilter = {
    service: params.get('service') ?? '',
    name: params.get('name') ?? '',
    minMs: Number(params.get('min_ms') ?? 0) || 0,
    status: params.get('status') ?? '',
  };
  const service = h('select', { id: 'service', 'aria-label': 'service' }, h('option', { value: '' }, 'any service'));
  const name = h('input', { id: 'span-name', value: filter.name, placeholder: 'span name contains', 'aria-label': 'span name' });
  const minMs = h('input', { id: 'min-ms', type: 'number', min: 0, value: filter.minMs || '', placeholder: 'min ms', style: 'width:90px', 'aria-label': 'minimum duration' });
  const status = h('select', { id: 'status', 'aria-label': 'status' }, ...['', 'Ok', 'Error', 'Unset'].map((s) => h('option', { value: s, selected: s === filter.status }, s || 'any status')));
  const form = h(
    'form',
    { class: 'row', onsubmit: (e) => (e.preventDefault(), setParams({ service: service.value || null, name: name.value || null, min_ms: minMs.value || null, status: status.value || null })) },
    service, name, minMs, status, h('button', { class: 'primary', type: 'submit' }, 'Find spans'),
  );
  const results = panel('Spans');
  root.append(h('h1', {}, 'Traces'), form, results);
  await Promise.all([
    guarded(results, async () => {
      const services = await api.query<{ service: string }>(servicesQuery(range));
      for (const s of services.data) service.append(h('option', { value: s.service, selected: s.service === filter.service }, s.service));
    }),
    guarded(results, async () => {
      const spans = await api.query<SpanSummary>(spanSearchQuery(filter, range));
      results.append(
        spans.data.length
          ? table(['start', 'service', 'span', 'duration ms', 'status', 'trace'], spans.data.map((s) => [
              fmtTime(Number(s.start_ms)), s.service, s.name, String(s.ms),
              h('span', { class: `badge ${s.status === 'Error' ? 'firing' : 'inactive'}` }, s.status),
              h('a', { href: `/traces/${s.trace_id}`, 'data-trace': s.trace_id }, s.trace_id),
            ]))
          : h('p', { class: 'muted' }, 'No spans match in this range.'),
      );
    }),
  ]);
};
