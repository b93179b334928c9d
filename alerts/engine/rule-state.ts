import type { Rule } from '../config/rule-schema.ts';
import type { AlertInstance, AlertTransition } from './alert-instance.ts';
import { fingerprint } from './fingerprint.ts';
import { renderTemplate } from './template.ts';

/** One row of a rule's query: its label set and value. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** What one evaluation changed: the transitions, and the instances whose stored state is stale. */
export interface RuleStep {
  transitions: AlertTransition[];
  /** Instances to write to vigil_alert_state (new state, or a keep_firing_for clock that moved). */
  upserts: AlertInstance[];
  /** Instances that ended (inactive or resolved): their stored state is deleted. */
  removed: AlertInstance[];
}

/**
 * Prometheus alerting-rule semantics for one rule: inactive → pending → firing → resolved,
 * with `for` and `keep_firing_for`. Takes the active samples and the evaluation time and returns
 * what changed; the caller persists, then notifies.
 */
export class RuleState {
  readonly instances = new Map<string, AlertInstance>();

  constructor(
    readonly rule: Rule,
    readonly group: string,
  ) {}

  /** Labels set to a constant (no template): they tell same-named rules' alerts apart on reload. */
  staticLabels(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.rule.labels).filter(([, v]) => !v.includes('{{')));
  }

  /**
   * The labels of each sample's alert, in order. Two samples yielding one label set would make
   * one alert flip between two values, so that is an evaluation error, as in Prometheus.
   */
  label(samples: Sample[]): Array<Record<string, string>> {
    const seen = new Set<string>();
    return samples.map((sample) => {
      const labels: Record<string, string> = { ...sample.labels };
      for (const [k, template] of Object.entries(this.rule.labels)) labels[k] = renderTemplate(template, sample.labels, sample.value);
      labels.alertname = this.rule.alert;
      const fp = fingerprint(labels);
      if (seen.has(fp)) throw new Error(`the query returned several rows with the label set ${JSON.stringify(labels)}`);
      seen.add(fp);
      return labels;
    });
  }

  apply(samples: Sample[], now: number): RuleStep {
    const step: RuleStep = { transitions: [], upserts: [], removed: [] };
    const seen = new Set<string>();
    const labelled = this.label(samples);
    samples.forEach((sample, n) => {
      const labels = labelled[n]!;
      const fp = fingerprint(labels);
      seen.add(fp);
      const annotations = Object.fromEntries(
        Object.entries(this.rule.annotations).map(([k, t]) => [k, renderTemplate(t, sample.labels, sample.value)]),
      );
      let instance = this.instances.get(fp);
      let changed = false;
      if (!instance) {
        instance = { rule: this.rule.alert, group: this.group, fingerprint: fp, labels, annotations, state: 'pending', value: sample.value, activeAt: now, lastActiveAt: now };
        this.instances.set(fp, instance);
        step.transitions.push(this.transition(instance, 'inactive', 'pending', now));
        changed = true;
      }
      instance.value = sample.value;
      instance.annotations = annotations;
      instance.lastActiveAt = now;
      if (instance.state === 'pending' && now - instance.activeAt >= this.rule.for) {
        instance.state = 'firing';
        instance.firedAt = now;
        step.transitions.push(this.transition(instance, 'pending', 'firing', now));
        changed = true;
      }
      // keep_firing_for counts from the last time the condition held: a restart must see that
      // time, not the one stored when the alert started firing.
      if (changed || (instance.state === 'firing' && this.rule.keep_firing_for > 0)) step.upserts.push(instance);
    });
    for (const [fp, instance] of this.instances) {
      if (seen.has(fp)) continue;
      if (instance.state === 'firing' && now - instance.lastActiveAt < this.rule.keep_firing_for) continue;
      this.instances.delete(fp);
      step.removed.push(instance);
      step.transitions.push(this.transition(instance, instance.state, instance.state === 'firing' ? 'resolved' : 'inactive', now));
    }
    return step;
  }

  private transition(instance: AlertInstance, from: AlertTransition['from'], to: AlertTransition['to'], now: number): AlertTransition {
    return {
      at: now,
      rule: instance.rule,
      group: instance.group,
      fingerprint: instance.fingerprint,
      labels: instance.labels,
      annotations: { ...instance.annotations },
      from,
      to,
      value: instance.value,
      activeAt: instance.activeAt,
      firedAt: instance.firedAt,
      resolvedAt: to === 'resolved' ? now : undefined,
    };
  }
}
