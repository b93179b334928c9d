/** Builds DOM elements: text is always set as text, never parsed as HTML. */
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | ((event: Event) => void) | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.replace(/^on/, ''), value);
    else if (key === 'class') el.className = String(value);
    else if (key === 'value' && 'value' in el) (el as HTMLInputElement).value = String(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) el.append(typeof child === 'object' ? child : String(child));
  return el;
}

export function table(headers: string[], rows: Child[][]): HTMLTableElement {
  return h('table', {}, h('thead', {}, h('tr', {}, ...headers.map((x) => h('th', {}, x)))), h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))));
}

export function panel(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'panel' }, h('h2', {}, title), ...children);
}

export function errorText(err: unknown): HTMLElement {
  return h('div', { class: 'error', 'data-error': true }, err instanceof Error ? err.message : String(err));
}

export const fmtTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/** Runs a panel's work; a failing panel shows its error and leaves the others drawn. */
export async function guarded(container: HTMLElement, draw: () => Promise<void>): Promise<void> {
  try {
    await draw();
  } catch (err) {
    container.append(errorText(err));
  }
}
