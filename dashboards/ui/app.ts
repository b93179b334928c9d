import { onUnauthorized, setToken } from './api-client.ts';
import { errorText, h } from './element.ts';
import type { Page, PageContext } from './page.ts';
import { PRESETS, timeRange } from './time-range.ts';

/** Path → page module (one file per page); the server answers the same shell for each path. */
const ROUTES: Array<[RegExp, string, () => Promise<{ page: Page }>]> = [
  [/^\/$/, 'overview', () => import('./pages/overview.ts')],
  [/^\/nodes\/[^/]+$/, 'overview', () => import('./pages/node.ts')],
  [/^\/logs$/, 'logs', () => import('./pages/logs.ts')],
  [/^\/traces$/, 'traces', () => import('./pages/traces.ts')],
  [/^\/traces\/[^/]+$/, 'traces', () => import('./pages/trace.ts')],
  [/^\/alerts$/, 'alerts', () => import('./pages/alerts.ts')],
  [/^\/silences$/, 'silences', () => import('./pages/silences.ts')],
  [/^\/rules$/, 'rules', () => import('./pages/rules.ts')],
  [/^\/sql$/, 'sql', () => import('./pages/sql.ts')],
];

const REFRESH: Array<[string, number]> = [['off', 0], ['10s', 10_000], ['30s', 30_000], ['1m', 60_000], ['5m', 300_000]];

const view = document.getElementById('view')!;
let cleanup: (() => void) | void;
let refreshTimer: ReturnType<typeof setInterval> | undefined;
let renderCount = 0;

function navigate(url: string, push = true): void {
  if (push) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
  void render();
}

function setParams(changes: Record<string, string | null>, push = true): void {
  const url = new URL(location.href);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === '') url.searchParams.delete(k);
    else url.searchParams.set(k, v);
  }
  navigate(url.pathname + url.search, push);
}

function timeControls(params: URLSearchParams): HTMLElement {
  const range = timeRange(params);
  const preset = PRESETS.find(([, from]) => from === range.from && range.to === 'now');
  const select = h('select', { id: 'range', 'aria-label': 'time range', onchange: (e) => {
    const v = (e.target as HTMLSelectElement).value;
    if (v !== 'custom') setParams({ from: v, to: null });
  } }, ...PRESETS.map(([label, from]) => h('option', { value: from, selected: preset?.[1] === from }, label)), h('option', { value: 'custom', selected: !preset }, 'Custom'));
  const local = (ms: number) => new Date(ms - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  const fromInput = h('input', { type: 'datetime-local', value: local(range.fromMs), 'aria-label': 'from' });
  const toInput = h('input', { type: 'datetime-local', value: local(range.toMs), 'aria-label': 'to' });
  const apply = h('button', { onclick: () => setParams({ from: String(new Date(fromInput.value).getTime()), to: String(new Date(toInput.value).getTime()) }) }, 'Apply');
  const refresh = h('select', { id: 'refresh', 'aria-label': 'auto-refresh', onchange: (e) => setParams({ refresh: (e.target as HTMLSelectElement).value === 'off' ? null : (e.target as HTMLSelectElement).value }, false) },
    ...REFRESH.map(([label]) => h('option', { value: label, selected: (params.get('refresh') ?? 'off') === label }, `⟳ ${label}`)));
  return h('span', { class: 'row' }, select, ...(preset ? [] : [fromInput, toInput, apply]), refresh, h('button', { onclick: () => void render(), title: 'refresh now' }, '↻'));
}

async function render(): Promise<void> {
  const run = ++renderCount;
  if (cleanup) cleanup();
  cleanup = undefined;
  const path = location.pathname;
  const params = new URLSearchParams(location.search);
  const route = ROUTES.find(([re]) => re.test(path));
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) a.classList.toggle('active', a.dataset.nav === route?.[1]);
  document.getElementById('time-controls')!.replaceChildren(timeControls(params));
  clearInterval(refreshTimer);
  const every = REFRESH.find(([label]) => label === params.get('refresh'))?.[1] ?? 0;
  if (every > 0) refreshTimer = setInterval(() => void render(), every);
  const root = h('div', { style: `min-height:${view.offsetHeight}px` });
  // Attached before the page draws, so charts can measure their width.
  view.replaceChildren(root);
  delete view.dataset.ready;
  const ctx: PageContext = { root, path, params, range: timeRange(params), setParams, navigate };
  try {
    if (!route) throw new Error(`no page at ${path}`);
    const { page } = await route[2]();
    const result = await page(ctx);
    if (run !== renderCount) {
      if (result) result();
      return;
    }
    cleanup = result;
  } catch (err) {
    root.append(errorText(err));
  }
  if (run === renderCount) {
    root.style.minHeight = '';
    view.dataset.ready = String(run);
  }
}

/** A 401 shows the token field; the request is retried once the user entered a token. */
onUnauthorized((message) => {
  const form = document.getElementById('token-form') as HTMLFormElement;
  document.getElementById('token-message')!.textContent = `${message}: enter a token with the read role`;
  form.hidden = false;
  return new Promise((resolve) => {
    form.onsubmit = (e) => {
      e.preventDefault();
      setToken((document.getElementById('token-input') as HTMLInputElement).value.trim());
      form.hidden = true;
      resolve();
    };
  });
});

// In-app links change the URL without reloading the shell.
document.addEventListener('click', (e) => {
  const a = (e.target as Element).closest?.('a');
  if (!a || a.target || e.ctrlKey || e.metaKey || e.shiftKey || a.origin !== location.origin) return;
  e.preventDefault();
  navigate(a.pathname + a.search);
});
addEventListener('popstate', () => void render());
void render();
