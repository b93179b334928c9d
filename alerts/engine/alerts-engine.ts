import { systemClock, type Clock } from '../../core/clock/index.ts';
import type { Store } from '../../core/store/index.ts';
import type { Logger } from '../../core/telemetry/index.ts';
import type { Rule, RuleGroup } from '../config/rule-schema.ts';
import { compileRule } from '../rules/compile-rule.ts';
import type { AlertInstance, AlertTransition } from './alert-instance.ts';
import { AlertStore } from './alert-store.ts';
import type { Notifier } from './notifier.ts';
import { RuleState, type Sample } from './rule-state.ts';

export interface RuleHealth {
  group: string;
  name: string;
  kind: Rule['kind'];
  health: 'unknown' | 'ok' | 'err';
  lastEvaluation?: number;
  evaluationMs?: number;
  lastError?: string;
}

export interface AlertsEngineOptions {
  store: Store;
  groups: RuleGroup[];
  notifier: Notifier;
  logger: Logger;
  clock?: Clock;
  /** A rule query running longer than this fails that rule's evaluation only. Default: the group interval. */
  queryTimeoutMs?: number;
  /** In HA mode, only the leader evaluates. */
  isActive?: () => boolean;
}

/**
 * Evaluates rule groups over ClickHouse, one loop per group, with an injected clock. A failing
 * or slow query affects only its rule, and an evaluation error never resolves an alert.
 */
export class AlertsEngine {
  private readonly clock: Clock;
  private readonly states = new Map<string, RuleState>();
  private readonly health = new Map<string, RuleHealth>();
  private readonly alertStore: AlertStore;
  private timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<void>>();
  private loaded = false;

  constructor(private readonly options: AlertsEngineOptions) {
    this.clock = options.clock ?? systemClock;
    this.alertStore = new AlertStore(options.store);
    for (const group of options.groups) {
      for (const rule of group.rules) {
        const key = this.key(group.name, rule.alert);
        this.states.set(key, new RuleState(rule, group.name));
        this.health.set(key, { group: group.name, name: rule.alert, kind: rule.kind, health: 'unknown' });
      }
    }
  }

  private key(group: string, rule: string) {
    return `${group}\u0000${rule}`;
  }

  /** Restores persisted alert state: pending timers continue, firing alerts are not new. */
  async load(): Promise<void> {
    if (this.loaded) return;
    for (const instance of await this.alertStore.load()) {
      this.states.get(this.key(instance.group, instance.rule))?.instances.set(instance.fingerprint, instance);
    }
    this.loaded = true;
  }

  async start(): Promise<void> {
    if (this.timers.length > 0) return;
    await this.load();
    // Hand alerts that were firing before a restart to the notifier again: its notification
    // log, not this engine, decides that nothing is re-sent.
    const restored = this.alerts()
      .filter((a) => a.state === 'firing')
      .map((a): AlertTransition => ({ at: this.clock.now(), rule: a.rule, group: a.group, fingerprint: a.fingerprint, labels: a.labels, annotations: a.annotations, from: 'firing', to: 'firing', value: a.value, activeAt: a.activeAt, firedAt: a.firedAt }));
    if (restored.length > 0) await this.options.notifier.notify(restored);
    for (const group of this.options.groups) {
      const run = () => {
        if (this.options.isActive && !this.options.isActive()) return;
        const evaluation: Promise<void> = this.evaluateGroup(group.name)
          .then(() => undefined, (err) => this.options.logger.error({ group: group.name, err: (err as Error).message }, 'group evaluation failed'))
          .finally(() => this.running.delete(evaluation));
        this.running.add(evaluation);
      };
      this.timers.push(setInterval(run, group.interval));
      run();
    }
    this.options.logger.info({ groups: this.options.groups.length, rules: this.states.size }, 'alert rules engine started');
  }

  /** Idempotent; safe without start(); waits for evaluations in flight. */
  async shutdown(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await Promise.allSettled([...this.running]);
  }

  /** Evaluates every rule of a group at the clock's current time. */
  async evaluateGroup(name: string): Promise<AlertTransition[]> {
    const group = this.options.groups.find((g) => g.name === name);
    if (!group) throw new Error(`no rule group "${name}"`);
    await this.load();
    const all: AlertTransition[] = [];
    for (const rule of group.rules) all.push(...(await this.evaluateRule(group, rule)));
    if (all.length > 0) await this.options.notifier.notify(all);
    return all;
  }

  private async evaluateRule(group: RuleGroup, rule: Rule): Promise<AlertTransition[]> {
    const key = this.key(group.name, rule.alert);
    const state = this.states.get(key)!;
    const health = this.health.get(key)!;
    const now = this.clock.now();
    const started = performance.now();
    let samples: Sample[];
    try {
      samples = await this.query(rule, now, this.options.queryTimeoutMs ?? group.interval);
    } catch (err) {
      health.health = 'err';
      health.lastError = (err as Error).message;
      health.lastEvaluation = now;
      health.evaluationMs = performance.now() - started;
      this.options.logger.warn({ rule: rule.alert, err: health.lastError }, 'rule evaluation failed; alert state kept');
      return [];
    }
    const transitions = state.apply(samples, now);
    await this.alertStore.save(transitions, [...state.instances.values()], now);
    Object.assign(health, { health: 'ok', lastError: undefined, lastEvaluation: now, evaluationMs: performance.now() - started });
    return transitions;
  }

  private async query(rule: Rule, now: number, timeoutMs: number): Promise<Sample[]> {
    const compiled = compileRule(rule, now);
    let rows: Array<Record<string, unknown>>;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`query timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const run = compiled.userSql
        ? this.options.store.readOnlyQuery(compiled.sql, { maxExecutionTimeMs: timeoutMs, maxResultRows: 10_000 }, compiled.params).then((r) => r.data)
        : this.options.store.query(compiled.sql, compiled.params);
      rows = await Promise.race([run, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return rows.map((row) => {
      if (!('value' in row)) throw new Error('query returned no "value" column');
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(row)) if (k !== 'value') labels[k] = v === null || v === undefined ? '' : String(v);
      return { labels, value: Number(row.value) };
    });
  }

  alerts(): AlertInstance[] {
    return [...this.states.values()].flatMap((s) => [...s.instances.values()]);
  }

  rules(): Array<RuleHealth & { alerts: AlertInstance[] }> {
    return [...this.health.entries()].map(([key, h]) => ({ ...h, alerts: [...this.states.get(key)!.instances.values()] }));
  }
}
