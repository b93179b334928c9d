import type { HookConfig } from './hook-config.ts';

/** What the guard stage needs to know about the past; derived from the run ledger. */
export interface GuardView {
  /** Start of the latest run of this hook for this fingerprint (and alert status), if any. */
  lastRunFor(fingerprint: string): number | undefined;
  /** Starts of this hook's runs at or after `since`. */
  runsSince(since: number): number;
  /** Firing alerts currently routed to this hook. */
  firingCount(): number;
}

export type GuardDecision =
  | { run: true }
  | { run: false; outcome: 'skipped_cooldown' | 'skipped_rate' | 'skipped_storm'; reason: string };

/**
 * The guard stage: storm first (too much is broken, acting everywhere may make it worse), then
 * the per-fingerprint cooldown, then the hook-wide run cap. Pure: time comes in as `now`.
 */
export function guardRun(config: Pick<HookConfig, 'cooldown' | 'max_runs' | 'storm_guard'>, view: GuardView, fingerprint: string, now: number): GuardDecision {
  const firing = view.firingCount();
  if (config.storm_guard && firing > config.storm_guard.max_firing) {
    return { run: false, outcome: 'skipped_storm', reason: `${firing} firing alerts for this hook, more than storm_guard.max_firing ${config.storm_guard.max_firing}` };
  }
  const last = view.lastRunFor(fingerprint);
  if (last !== undefined && now - last < config.cooldown) {
    return { run: false, outcome: 'skipped_cooldown', reason: `ran for this alert ${Math.round((now - last) / 1000)} s ago; cooldown ${Math.round(config.cooldown / 1000)} s` };
  }
  if (config.max_runs && view.runsSince(now - config.max_runs.per) >= config.max_runs.count) {
    return { run: false, outcome: 'skipped_rate', reason: `max_runs: ${config.max_runs.count} runs within ${Math.round(config.max_runs.per / 1000)} s already` };
  }
  return { run: true };
}
