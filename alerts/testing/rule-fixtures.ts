import type { FakeClock } from '../../core/clock/index.ts';
import { ruleFileSchema, type RuleGroup } from '../config/rule-schema.ts';
import type { AlertTransition } from '../engine/alert-instance.ts';
import type { AlertsEngine } from '../engine/alerts-engine.ts';
import type { Notifier } from '../engine/notifier.ts';
import type { RuleTestInputs } from './load-inputs.ts';

/** Helpers for tests that drive the engine directly; they build what a rule test file would. */
export const S = 1000;
export const M = 60_000;

/** An hour-aligned time inside the tables' TTL, so that minutes line up in assertions. */
export const recentHour = () => Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000;

type Series = NonNullable<RuleTestInputs['input_series']>[number];
type Logs = NonNullable<RuleTestInputs['input_logs']>[number];

export const series = (metric: string, labels: Record<string, string>, values: string, type: Series['type'] = 'gauge', temporality: Series['temporality'] = 'cumulative'): Series => ({ metric, labels, values, type, temporality });
export const logs = (labels: Record<string, string>, values: string, severity = 'ERROR', body = ''): Logs => ({ labels, values, severity, body });

/** Rule groups as a rule file would declare them (raw YAML-shaped objects, validated). */
export function ruleGroups(rules: Array<Record<string, unknown>>, group = 'g', interval = '15s'): RuleGroup[] {
  return ruleFileSchema.parse({ groups: [{ name: group, interval, rules }] }).groups;
}

/** A notifier that keeps what it was handed. */
export function recordingNotifier(): Notifier & { sent: AlertTransition[] } {
  const sent: AlertTransition[] = [];
  return { sent, notify: async (t) => void sent.push(...t) };
}

/** Evaluates a group at each offset from `base` and returns "offset:from→to[:labelValue]" for every transition. */
export async function timeline(engine: AlertsEngine, clock: FakeClock, base: number, offsets: number[], label?: string, group = 'g'): Promise<string[]> {
  const out: string[] = [];
  for (const at of offsets) {
    clock.set(base + at);
    for (const t of await engine.evaluateGroup(group)) out.push(`${at / S}s:${t.from}→${t.to}${label ? `:${t.labels[label]}` : ''}`);
  }
  return out;
}
