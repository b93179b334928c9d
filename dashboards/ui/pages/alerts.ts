import { api } from '../api-client.ts';
import { fmtTime, guarded, h, panel, table } from '../element.ts';
import type { Page } from '../page.ts';
import { matchersFor, silencedBy } from '../silence-match.ts';
import { alertRow } from './alert-row.ts';
import { alertHistoryQuery } from './alerts-queries.ts';

export const page: Page = async ({ root, range }) => {
  const active = panel('Firing and pending');
  const history = panel('History (vigil_alerts)');
  root.append(h('h1', {}, 'Alerts'), active, history);
  await Promise.all([
    guarded(active, async () => {
      const [alerts, silences] = await Promise.all([api.alertsOrNone(), api.silences().then((s) => s ?? [])]);
      if (alerts.length === 0) return void active.append(h('p', { class: 'muted' }, 'No alert is firing or pending.'));
      active.append(table(['state', 'alert', 'labels', 'summary', 'value', 'since', ''], alerts.map((a) => {
        const silence = silencedBy(a.labels, silences);
        const query = new URLSearchParams([['create', '1'], ...matchersFor(a.labels).map((m) => ['matcher', m] as [string, string])]);
        const [state, ...rest] = alertRow(a);
        return [
          h('span', { 'data-alert': a.fingerprint }, state!, silence ? h('span', { class: 'badge silenced', 'data-silenced': silence.id, title: silence.matchers.join(', ') }, ' silenced') : ''),
          ...rest,
          a.activeAt ? fmtTime(Date.parse(a.activeAt)) : '',
          silence ? h('a', { href: `/silences#${silence.id}` }, 'silence') : h('a', { href: `/silences?${query}`, 'data-silence-alert': a.fingerprint }, 'Silence…'),
        ];
      })));
    }),
    guarded(history, async () => {
      const rows = (await api.query<{ ms: number; rule: string; labels: Record<string, string>; from_state: string; to_state: string; value: number }>(alertHistoryQuery(range))).data;
      history.append(rows.length
        ? table(['time', 'rule', 'labels', 'from', 'to', 'value'], rows.map((r) => [fmtTime(Number(r.ms)), r.rule, h('span', { class: 'muted' }, Object.entries(r.labels).map(([k, v]) => `${k}=${v}`).join(', ')), r.from_state, h('span', { class: `badge ${r.to_state}` }, r.to_state), String(r.value)]))
        : h('p', { class: 'muted' }, 'No transitions in this range.'));
    }),
  ]);
};
