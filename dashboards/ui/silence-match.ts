import type { Silence } from './api-client.ts';

/**
 * Whether an active silence covers an alert's labels, with Alertmanager's matcher rules
 * (`name="v"`, `!=`, `=~` and `!~` anchored regexes), so the alerts page can say "silenced".
 */
const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*$/;

function matches(text: string, labels: Record<string, string>): boolean {
  const m = MATCHER.exec(text);
  if (!m) return false;
  const expected = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[4]!;
  const value = labels[m[1]!] ?? '';
  switch (m[2]) {
    case '=':
      return value === expected;
    case '!=':
      return value !== expected;
    default: {
      let hit = false;
      try {
        hit = new RegExp(`^(?:${expected})$`).test(value);
      } catch {
        return false;
      }
      return m[2] === '=~' ? hit : !hit;
    }
  }
}

export function silencedBy(labels: Record<string, string>, silences: Silence[]): Silence | undefined {
  return silences.find((s) => s.status === 'active' && s.matchers.every((m) => matches(m, labels)));
}

/** Matchers that pick exactly this alert: every label, as `name="value"`. */
export function matchersFor(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
}
