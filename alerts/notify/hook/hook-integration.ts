import { hostname } from 'node:os';
import { systemClock, type Clock } from '../../../core/clock/index.ts';
import { selfMetrics, type Logger } from '../../../core/telemetry/index.ts';
import type { DispatchedAlert, GroupMessage, Integration } from '../../dispatch/group-message.ts';
import { alertEnvironment, hookPayload, idempotencyKey, renderArgv, statusOf } from './hook-alert.ts';
import type { HookConfig } from './hook-config.ts';
import { guardRun } from './hook-guard.ts';
import type { HookLedger } from './hook-ledger.ts';
import type { HookOutcome, HookRunRecord } from './hook-run.ts';
import { runCommand } from './run-command.ts';
import { runHttp } from './run-http.ts';
import type { RunResult } from './run-result.ts';

export interface HookIntegrationOptions {
  name: string;
  receiver: string;
  config: HookConfig;
  ledger: HookLedger;
  logger: Logger;
  clock?: Clock;
  /**
   * Firing alerts the dispatcher holds for this hook's receiver, across all its groups: a storm
   * shows here before the groups are flushed one by one.
   */
  firingRoutedHere?: () => number;
  /** vigil's environment, of which only env_allow is passed on (injected for tests). */
  environment?: NodeJS.ProcessEnv;
}

/** A short line for the alert's `hook_outcome` annotation and the logs. */
export function describeOutcome(hook: string, record: Pick<HookRunRecord, 'outcome' | 'error' | 'exitCode'>): string {
  return `${hook}: ${record.outcome}${record.error ? ` (${record.error})` : ''}`;
}

/**
 * A failover hook as a receiver integration. For each alert of a notification:
 * route (status in `on`, incident not yet decided) → guard (storm, cooldown, max_runs) →
 * idempotency record (durable before the action) → run (argv or HTTP, bounded) → audit (the
 * outcome, and `hook_outcome` on the alert so the receiver's other integrations tell a human).
 * It never throws: a failed action is an outcome, not a failed notification.
 */
export class HookIntegration implements Integration {
  readonly name = 'hook';
  readonly sendResolved: boolean;
  /** Its ledger, keyed by incident, decides; the notification log cannot tell incidents apart. */
  readonly decidesPerIncident = true;
  private readonly clock: Clock;
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  /** Guard and claim happen one alert at a time, so caps see every earlier claim. */
  private deciding: Promise<unknown> = Promise.resolve();
  private claimError: string | undefined;

  constructor(private readonly options: HookIntegrationOptions) {
    this.clock = options.clock ?? systemClock;
    this.sendResolved = options.config.on.includes('resolved');
  }

  get receiver(): string {
    return this.options.receiver;
  }

  get hookName(): string {
    return this.options.name;
  }

  get config(): HookConfig {
    return this.options.config;
  }

  async notify(message: GroupMessage): Promise<void> {
    const { ledger } = this.options;
    await ledger.load(this.clock.now());
    // The dispatcher hands over every flush (decidesPerIncident): one whose incidents are all
    // decided costs a lookup, not a Kafka round trip.
    if (!message.alerts.some((a) => this.undecided(a))) return;
    // In HA, what the previous leader claimed must be known before deciding anything.
    const catchUpStarted = performance.now();
    await ledger.catchUp?.();
    this.options.logger.debug({ alerts: message.alerts.length, catchUpMs: Math.round(performance.now() - catchUpStarted) }, 'hook deciding');
    // The storm guard counts every firing alert routed here (the dispatcher knows them all; a
    // message may hold only one group's, and resolved alerts never reach a firing-only hook).
    const firing = this.options.firingRoutedHere?.() ?? message.alerts.filter((a) => statusOf(a) === 'firing').length;
    await this.reportOrphans(message);
    await Promise.all(this.route(message).map((alert) => this.handle(message, alert, firing)));
  }

  /**
   * A claim another instance left `running` (it died or lost leadership mid-run): its outcome
   * cannot be known here, so it is reported `unknown` and not repeated.
   */
  private async reportOrphans(message: GroupMessage): Promise<void> {
    const { ledger, name } = this.options;
    for (const alert of message.alerts) {
      const record = ledger.get(idempotencyKey(name, alert));
      if (record?.outcome !== 'running' || record.instance === ledger.instance) continue;
      await ledger.markUnknown(record, this.clock.now()).catch((err: unknown) => this.options.logger.error({ hook: name, err: (err as Error).message }, 'could not record unknown outcome'));
      this.announce(alert, ledger.get(record.key)!);
    }
  }

  /** An incident to decide here: no record yet (and a status this hook acts on), or a claim another instance left running. */
  private undecided(alert: DispatchedAlert): boolean {
    const { ledger, name, config } = this.options;
    const record = ledger.get(idempotencyKey(name, alert));
    return record ? record.outcome === 'running' && record.instance !== ledger.instance : config.on.includes(statusOf(alert));
  }

  /** Route: alerts whose status this hook acts on and whose incident nobody has decided yet. */
  private route(message: GroupMessage): DispatchedAlert[] {
    return message.alerts.filter((a) => this.options.config.on.includes(statusOf(a)) && !this.options.ledger.get(idempotencyKey(this.options.name, a)));
  }

  private async handle(message: GroupMessage, alert: DispatchedAlert, firing: number): Promise<void> {
    const { name, config, ledger } = this.options;
    const key = idempotencyKey(name, alert);
    const record = await this.decide(alert, key, firing);
    if (!record) return;
    if (record.outcome !== 'running') return this.announce(alert, record);
    await this.acquire();
    let result: RunResult;
    try {
      result = config.dry_run ? this.dryRun(message, alert, key) : await this.run(message, alert, key);
    } finally {
      this.release();
    }
    const done: HookRunRecord = {
      ...record,
      outcome: config.dry_run ? 'dry_run' : result.outcome,
      ended: this.clock.now(),
      exitCode: result.exitCode,
      stdout: result.stdout,
      stderr: result.stderr,
      error: result.error ?? '',
    };
    try {
      await ledger.write(done);
    } catch (err) {
      // The running row stays: after a restart this run reads as `unknown`, never as not run.
      this.options.logger.error({ hook: name, key, err: (err as Error).message }, 'hook outcome could not be recorded');
    }
    this.announce(alert, done);
  }

  /** Guard and idempotency record, serialized: returns the record written, or undefined if another decision took the key. */
  private decide(alert: DispatchedAlert, key: string, firing: number): Promise<HookRunRecord | undefined> {
    const next = this.deciding.then(async () => {
      const { name, config, ledger, receiver } = this.options;
      if (ledger.get(key)) return undefined;
      const now = this.clock.now();
      const decision = guardRun(
        config,
        {
          lastRunFor: (fp) => ledger.lastRun(name, fp, statusOf(alert)),
          runsSince: (since) => ledger.runsSince(name, since),
          firingCount: () => firing,
        },
        alert.fingerprint,
        now,
      );
      const record: HookRunRecord = {
        key,
        hook: name,
        receiver,
        fingerprint: alert.fingerprint,
        status: statusOf(alert),
        labels: alert.labels,
        startsAt: alert.startsAt,
        started: now,
        ended: decision.run ? 0 : now,
        outcome: decision.run ? 'running' : decision.outcome,
        exitCode: -1,
        stdout: '',
        stderr: '',
        error: decision.run ? '' : decision.reason,
        attempt: 1,
        instance: ledger.instance,
      };
      try {
        await ledger.write(record);
      } catch (err) {
        // Without a durable record there is no exactly-once: do not act, and say so. The next
        // flush tries again; an outage is logged as it starts, not at every try.
        if (this.claimError !== (err as Error).message) this.options.logger.error({ hook: name, key, err: (err as Error).message }, 'hook not run: its idempotency record could not be written');
        this.claimError = (err as Error).message;
        this.annotate(alert, `${name}: not run (idempotency record could not be written)`);
        return undefined;
      }
      this.claimError = undefined;
      return record;
    });
    this.deciding = next.catch(() => undefined);
    return next;
  }

  private async run(message: GroupMessage, alert: DispatchedAlert, key: string): Promise<RunResult> {
    const { config, name } = this.options;
    const payload = hookPayload(message, alert);
    if (config.http) return runHttp(config.http, payload, { 'X-Vigil-Hook': name, 'Idempotency-Key': key }, config.timeout, config.max_output_bytes);
    const inherited = Object.fromEntries(config.env_allow.flatMap((n) => ((this.options.environment ?? process.env)[n] === undefined ? [] : [[n, (this.options.environment ?? process.env)[n]!]])));
    return runCommand({
      argv: renderArgv(config.command!, alert),
      env: { ...inherited, ...alertEnvironment(name, key, alert, false) },
      stdin: payload,
      timeoutMs: config.timeout,
      maxOutputBytes: config.max_output_bytes,
    });
  }

  private dryRun(message: GroupMessage, alert: DispatchedAlert, key: string): RunResult {
    const { config } = this.options;
    const what = config.http ? `${config.http.method} ${config.http.url}` : JSON.stringify(renderArgv(config.command!, alert));
    return { outcome: 'ok', exitCode: -1, stdout: `would run ${what} (key ${key}, ${hookPayload(message, alert).length} bytes of alert JSON)`, stderr: '' };
  }

  private announce(alert: DispatchedAlert, record: HookRunRecord): void {
    const level = (['failed', 'timeout', 'skipped_storm', 'unknown'] as Array<HookOutcome | 'running'>).includes(record.outcome) ? 'warn' : 'info';
    this.options.logger[level]({ hook: this.options.name, key: record.key, outcome: record.outcome, exitCode: record.exitCode, error: record.error || undefined }, 'hook run');
    selfMetrics.hookRun(this.options.name, record.outcome);
    this.annotate(alert, describeOutcome(this.options.name, record));
  }

  /** The same alert object is in every group it was routed to: integrations after this one see the annotation. */
  private annotate(alert: DispatchedAlert, text: string): void {
    const previous = alert.annotations.hook_outcome;
    alert.annotations = { ...alert.annotations, hook_outcome: previous ? `${previous}; ${text}` : text };
  }

  private async acquire(): Promise<void> {
    if (this.active < this.options.config.max_concurrent) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

export const instanceId = () => `${hostname()}:${process.pid}`;
