import type { Alert } from '../api-client.ts';
import { h } from '../element.ts';

/** One alert as table cells: state, name, other labels, summary, value. */
export function alertRow(a: Alert): Array<Node | string> {
  return [
    h('span', { class: `badge ${a.state}` }, a.state),
    a.labels.alertname ?? '',
    h('span', { class: 'muted' }, Object.entries(a.labels).filter(([k]) => k !== 'alertname').map(([k, v]) => `${k}=${v}`).join(', ')),
    a.annotations.summary ?? '',
    a.value,
  ];
}
