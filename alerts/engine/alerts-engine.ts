import { systemClock, type Clock } from '../../core/clock/index.ts';
import type { Store } from '../../core/store/index.ts';
import { selfMetrics, type Logger } from '../../core/telemetry/index.ts';
import type { Rule, RuleGroup } from '../config/rule-schema.ts';
import type { AlertInstance, AlertTransition } from './alert-instance.ts';
import { AlertStore } from './alert-store.ts';
import { GroupLoop } from './group-loop.ts';
import type { Notifier } from './notifier.ts';
import { queryRule } from './rule-query.ts';
import { RuleState, type RuleStep } from './rule-state.ts';
import { TransitionOutbox } from './transition-outbox.ts';

export interface RuleHealth {
  group: string;
  name: string;
  kind: Rule['kind'];
  health: 'unknown' | 'ok' | 'err';
  lastEvaluation?: number;
  evaluationMs?: number;
  lastError?: string;
}

export interface GroupHealth {
  name: string;
  interval: number;
  lastEvaluation?: number;
  evaluationMs?: number;
  /** Ticks skipped because the previous evaluation was still running. */
  missedIterations: number;
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

interface RuleSlot {
  rule: Rule;
  state: RuleState;
  health: RuleHealth;
}

/**
 * Evaluates rule groups over ClickHouse, one loop per group, with an injected clock. A failing
 * or slow query affects only its rule, and an evaluation error never resolves an alert. Every
 * group evaluation is persisted before it is announced; one that could not be persisted is
 * retried before the next (see TransitionOutbox).
 */
export class AlertsEngine {
  private readonly clock: Clock;
  private readonly alertStore: AlertStore;
  /** Per group, its rules in file order (several rules may share an alert name). */
  private readonly slots = new Map<string, RuleSlot[]>();
  private readonly groupHealth = new Map<string, GroupHealth>();
  private readonly outboxes = new Map<string, TransitionOutbox>();
  private readonly loops: GroupLoop[] = [];
  private loading: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  /** The current leadership term (always one without HA). */
  private term: Promise<void> | undefined;
  /** Set while a standby: the leader's state is reloaded when this instance takes over. */
  private stale = false;

  constructor(private readonly options: AlertsEngineOptions) {
    this.clock = options.clock ?? systemClock;
    this.alertStore = new AlertStore(options.store);
    for (const group of options.groups) {
      this.groupHealth.set(group.name, { name: group.name, interval: group.interval, missedIterations: 0 });
      this.outboxes.set(group.name, new TransitionOutbox());
      this.slots.set(
        group.name,
        group.rules.map((rule) => ({
          rule,
          state: new RuleState(rule, group.name),
          health: { group: group.name, name: rule.alert, kind: rule.kind, health: 'unknown' },
        })),
      );
    }
  }

  /** Restores persisted alert state: pending timers continue, firing alerts are not new. */
  load(): Promise<void> {
    this.loading ??= this.restore().catch((err: unknown) => {
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }

  private async restore(): Promise<void> {
    for (const slots of this.slots.values()) for (const s of slots) s.state.instances.clear();
    for (const instance of await this.alertStore.load()) {
      const candidates = (this.slots.get(instance.group) ?? []).filter((s) => s.rule.alert === instance.rule);
      // Same-named rules (say a warning and a critical HighCpu) are told apart by their constant labels.
      const owner =
        candidates.find((s) => Object.entries(s.state.staticLabels()).every(([k, v]) => instance.labels[k] === v)) ?? candidates[0];
      owner?.state.instances.set(instance.fingerprint, instance);
    }
  }

  /** Idempotent. Fails if the persisted alert state cannot be read: bad startup fails fast. */
  start(): Promise<void> {
    this.starting ??= this.run();
    return this.starting;
  }

  private async run(): Promise<void> {
    await this.load();
    for (const group of this.options.groups) {
      const loop = new GroupLoop(
        group.interval,
        () => this.tick(group.name),
        (missed) => this.missedIteration(group.name, missed),
      );
      this.loops.push(loop);
      loop.start();
    }
    this.options.logger.info({ groups: this.options.groups.length, rules: this.rules().length }, 'alert rules engine started');
  }

  /** Idempotent; safe without start(); waits for evaluations in flight, then tries once more to persist what is waiting. */
  async shutdown(): Promise<void> {
    await this.starting?.catch(() => {});
    await Promise.all(this.loops.map((l) => l.stop()));
    for (const [group, outbox] of this.outboxes) {
      if (outbox.size === 0) continue;
      const { error } = await outbox.flush((batch) => this.alertStore.save(batch));
      if (error) this.options.logger.error({ group, batches: outbox.size, err: error.message }, 'alert state changes not persisted at shutdown');
    }
  }

  private active(): boolean {
    return !this.options.isActive || this.options.isActive();
  }

  private async tick(group: string): Promise<void> {
    if (!this.active()) {
      // Another instance evaluates meanwhile: what this one holds goes stale.
      this.term = undefined;
      this.stale = true;
      return;
    }
    try {
      this.term ??= this.beginTerm().catch((err: unknown) => {
        this.term = undefined;
        throw err;
      });
      await this.term;
      await this.evaluateGroup(group);
    } catch (err) {
      this.options.logger.error({ group, err: (err as Error).message }, 'group evaluation failed');
    }
  }

  /**
   * Starts evaluating (at startup, or on taking over from another HA instance): reload what the
   * previous leader left in the store, then hand the firing alerts to the notifier. The
   * notifier's own log, not this engine, decides that nothing is sent twice; the dispatcher
   * needs the firing alerts to rebuild its groups. These are not transitions: no history row.
   */
  private async beginTerm(): Promise<void> {
    if (this.stale) {
      this.stale = false;
      this.loading = undefined;
      this.options.logger.info('took over alert evaluation; reloading alert state');
    }
    await this.load();
    this.options.logger.info({ restored: this.alerts().length, firing: this.alerts().filter((a) => a.state === 'firing').length }, 'alert evaluation term begins');
    const restored = this.alerts()
      .filter((a) => a.state === 'firing')
      .map((a): AlertTransition => ({ at: this.clock.now(), rule: a.rule, group: a.group, fingerprint: a.fingerprint, labels: a.labels, annotations: a.annotations, from: 'firing', to: 'firing', value: a.value, activeAt: a.activeAt, firedAt: a.firedAt }));
    // A notifier failing here must not keep the engine from evaluating.
    if (restored.length > 0) {
      await this.options.notifier.notify(restored).catch((err: unknown) => {
        this.options.logger.error({ alerts: restored.length, err: (err as Error).message }, 'notifier failed on restored firing alerts');
      });
    }
  }

  private missedIteration(group: string, missed: number): void {
    this.groupHealth.get(group)!.missedIterations = missed;
    // Logged when it starts and then every tenth time, not at every tick.
    if (missed === 1 || missed % 10 === 0) this.options.logger.warn({ group, missed }, 'rule group evaluation slower than its interval; iteration skipped');
  }

  /**
   * Evaluates every rule of a group at one evaluation time (the clock's now), persists what
   * changed in one write per table, then hands the persisted transitions to the notifier.
   */
  async evaluateGroup(name: string): Promise<AlertTransition[]> {
    const slots = this.slots.get(name);
    const group = this.groupHealth.get(name);
    if (!slots || !group) throw new Error(`no rule group "${name}"`);
    await this.load();
    const now = this.clock.now();
    const started = performance.now();
    const timeoutMs = this.options.queryTimeoutMs ?? group.interval;
    const steps: Array<{ slot: RuleSlot; step: RuleStep; ms: number }> = [];
    for (const slot of slots) {
      const ruleStarted = performance.now();
      try {
        const samples = await queryRule(this.options.store, slot.rule, now, timeoutMs);
        const step = slot.state.apply(samples, now);
        steps.push({ slot, step, ms: performance.now() - ruleStarted });
        if (step.transitions.length > 0) this.options.logger.debug({ group: name, rule: slot.rule.alert, samples: samples.length, transitions: step.transitions.map((t) => `${t.fingerprint}:${t.from}->${t.to}`) }, 'rule evaluated');
      } catch (err) {
        this.fail(slot, now, performance.now() - ruleStarted, (err as Error).message);
      }
    }
    for (const s of steps) Object.assign(s.slot.health, { health: 'ok', lastError: undefined, lastEvaluation: now, evaluationMs: s.ms });
    for (const s of steps) selfMetrics.ruleEvaluation(name, s.slot.rule.alert, s.ms / 1000, 'ok');
    const outbox = this.outboxes.get(name)!;
    outbox.push(name, now, steps.map((s) => s.step));
    const { saved: transitions, error } = await outbox.flush((batch) => this.alertStore.save(batch));
    if (error) {
      // The state in memory has moved on; the store catches up at the next evaluation.
      const message = `alert state not persisted (retried at the next evaluation): ${error.message}`;
      // Data loss, so ERROR, but logged as it starts and then every thousandth batch.
      if (outbox.dropped === 1 || (outbox.dropped > 0 && outbox.dropped % 1000 === 0)) this.options.logger.error({ group: name, dropped: outbox.dropped }, 'store refused alert state for too long; oldest changes dropped from vigil_alerts');
      for (const s of steps) if (s.step.transitions.length + s.step.upserts.length + s.step.removed.length > 0) this.fail(s.slot, now, s.ms, message);
    } else {
      Object.assign(group, { lastEvaluation: now, evaluationMs: performance.now() - started });
    }
    if (transitions.length > 0) {
      try {
        await this.options.notifier.notify(transitions);
      } catch (err) {
        this.options.logger.error({ group: name, err: (err as Error).message, transitions: transitions.length }, 'notifier failed; transitions are in vigil_alerts');
      }
    }
    return transitions;
  }

  private fail(slot: RuleSlot, now: number, ms: number, message: string): void {
    const changed = slot.health.lastError !== message;
    Object.assign(slot.health, { health: 'err', lastError: message, lastEvaluation: now, evaluationMs: ms });
    selfMetrics.ruleEvaluation(slot.health.group, slot.rule.alert, ms / 1000, 'failed');
    // A rule failing the same way every interval is logged once, when its error changes.
    if (changed) this.options.logger.warn({ group: slot.health.group, rule: slot.rule.alert, err: message }, 'rule evaluation failed; alert state kept');
  }

  alerts(): AlertInstance[] {
    return [...this.slots.values()].flatMap((slots) => slots.flatMap((s) => [...s.state.instances.values()]));
  }

  rules(): Array<RuleHealth & { rule: Rule; alerts: AlertInstance[] }> {
    return [...this.slots.values()].flatMap((slots) => slots.map((s) => ({ ...s.health, rule: s.rule, alerts: [...s.state.instances.values()] })));
  }

  groups(): GroupHealth[] {
    return [...this.groupHealth.values()].map((g) => ({ ...g }));
  }
}
