import { api, type Silence } from '../api-client.ts';
import { errorText, fmtTime, guarded, h, panel, table } from '../element.ts';
import type { Page } from '../page.ts';

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

export const page: Page = async ({ root, params, navigate }) => {
  const prefilled = params.getAll('matcher');
  const matchers = h('textarea', { id: 'matchers', rows: Math.max(3, prefilled.length + 1), placeholder: 'alertname="HighCPU"\nhost="web-1"', 'aria-label': 'matchers' });
  matchers.value = prefilled.join('\n');
  const duration = h('input', { id: 'duration', value: params.get('duration') ?? '2h', style: 'width:80px', 'aria-label': 'duration' });
  const createdBy = h('input', { id: 'created-by', value: sessionStorage.getItem('vigil.user') ?? '', placeholder: 'your name', 'aria-label': 'created by' });
  const comment = h('input', { id: 'comment', class: 'grow', placeholder: 'why', 'aria-label': 'comment' });
  const problem = h('div');
  const create = panel(
    'New silence',
    h('form', {
      id: 'silence-form',
      onsubmit: async (e) => {
        e.preventDefault();
        problem.replaceChildren();
        const d = /^(\d+)([mhd])$/.exec(duration.value.trim());
        if (!d) return void problem.append(errorText('duration: a number and m, h or d (30m, 2h, 1d)'));
        try {
          sessionStorage.setItem('vigil.user', createdBy.value);
          await api.createSilence({
            matchers: matchers.value.split('\n').map((m) => m.trim()).filter(Boolean),
            endsAt: new Date(Date.now() + Number(d[1]) * UNIT_MS[d[2]!]!).toISOString(),
            createdBy: createdBy.value.trim(),
            comment: comment.value,
          });
          navigate('/silences');
        } catch (err) {
          problem.append(errorText(err));
        }
      },
    }, h('div', { class: 'row' }, 'Matchers, one per line (Alertmanager syntax)'), matchers, h('div', { class: 'row' }, 'for', duration, 'by', createdBy, comment, h('button', { class: 'primary', type: 'submit' }, 'Create silence')), problem),
  );
  const list = panel('Silences');
  root.append(h('h1', {}, 'Silences'), ...(params.get('create') ? [create, list] : [h('p', {}, h('a', { href: '/silences?create=1' }, 'New silence…')), list]));
  await guarded(list, async () => {
    const silences = await api.silences();
    if (!silences) return void list.append(h('p', { class: 'muted' }, 'Silences need the notification pipeline: set alerts.notification_file.'));
    const row = (s: Silence) => [
      h('span', { class: `badge ${s.status === 'active' ? 'up' : s.status}`, id: s.id }, s.status),
      h('pre', {}, s.matchers.join('\n')),
      fmtTime(Date.parse(s.startsAt)),
      fmtTime(Date.parse(s.endsAt)),
      s.createdBy,
      s.comment,
      s.status === 'expired' ? '' : h('button', { 'data-expire': s.id, onclick: async () => {
        try {
          await api.expireSilence(s.id);
          navigate(location.pathname + location.search);
        } catch (err) {
          list.append(errorText(err));
        }
      } }, 'Expire'),
    ];
    list.append(silences.length ? table(['status', 'matchers', 'starts', 'ends', 'by', 'comment', ''], silences.map(row)) : h('p', { class: 'muted' }, 'No silences.'));
  });
};
