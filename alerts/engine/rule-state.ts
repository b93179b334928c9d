import type { Rule } from '../config/rule-schema.ts';
import type { AlertInstance, AlertTransition } from './alert-instance.ts';
import { fingerprint } from './fingerprint.ts';
import { renderTemplate } from './template.ts';

/** One row of a rule's query: its label set and value. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/**
 * Prometheus alerting-rule semantics for one rule: inactive → pending → firing → resolved,
 * with `for` and `keep_firing_for`. Pure: takes the active samples and the time, returns the
 * transitions; the caller persists and notifies.
 */
export class RuleState {
  readonly instances = new Map<string, AlertInstance>();

  constructor(
    readonly rule: Rule,
    readonly group: string,
  ) {}

  apply(samples: Sample[], now: number): AlertTransition[] {
    const transitions: AlertTransition[] = [];
    const seen = new Set<string>();
    for (const sample of samples) {
      const labels: Record<string, string> = { ...sample.labels, alertname: this.rule.alert };
      for (const [k, template] of Object.entries(this.rule.labels)) labels[k] = renderTemplate(template, sample.labels, sample.value);
      const fp = fingerprint(labels);
      seen.add(fp);
      const annotations = Object.fromEntries(
        Object.entries(this.rule.annotations).map(([k, t]) => [k, renderTemplate(t, sample.labels, sample.value)]),
      );
      let instance = this.instances.get(fp);
      if (!instance) {
        instance = { rule: this.rule.alert, group: this.group, fingerprint: fp, labels, annotations, state: 'pending', value: sample.value, activeAt: now, lastActiveAt: now };
        this.instances.set(fp, instance);
        transitions.push(this.transition(instance, 'inactive', 'pending', now));
      }
      instance.value = sample.value;
      instance.annotations = annotations;
      instance.lastActiveAt = now;
      if (instance.state === 'pending' && now - instance.activeAt >= this.rule.for) {
        instance.state = 'firing';
        instance.firedAt = now;
        transitions.push(this.transition(instance, 'pending', 'firing', now));
      }
    }
    for (const [fp, instance] of this.instances) {
      if (seen.has(fp)) continue;
      if (instance.state === 'firing' && now - instance.lastActiveAt < this.rule.keep_firing_for) continue;
      this.instances.delete(fp);
      transitions.push(this.transition(instance, instance.state, instance.state === 'firing' ? 'resolved' : 'inactive', now));
    }
    return transitions;
  }

  private transition(instance: AlertInstance, from: AlertTransition['from'], to: AlertTransition['to'], now: number): AlertTransition {
    return {
      at: now,
      rule: instance.rule,
      group: instance.group,
      fingerprint: instance.fingerprint,
      labels: instance.labels,
      annotations: instance.annotations,
      from,
      to,
      value: instance.value,
      activeAt: instance.activeAt,
      firedAt: instance.firedAt,
      resolvedAt: to === 'resolved' ? now : undefined,
    };
  }
}
