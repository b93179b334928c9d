import type { AlertStatus } from './hook-alert.ts';

/** How one incident's run of one hook ended; `running` only until the outcome is written. */
export type HookOutcome = 'ok' | 'failed' | 'timeout' | 'skipped_cooldown' | 'skipped_rate' | 'skipped_storm' | 'dry_run' | 'unknown';

export const OUTCOMES: readonly HookOutcome[] = ['ok', 'failed', 'timeout', 'skipped_cooldown', 'skipped_rate', 'skipped_storm', 'dry_run', 'unknown'];

/** Outcomes where the action started (or would have, in a dry run): they count for cooldown and max_runs. */
export const STARTED: ReadonlySet<HookOutcome | 'running'> = new Set(['running', 'ok', 'failed', 'timeout', 'dry_run', 'unknown']);

/** One row of vigil_hook_runs: the idempotency record and the audit entry in one. */
export interface HookRunRecord {
  key: string;
  hook: string;
  receiver: string;
  fingerprint: string;
  status: AlertStatus;
  labels: Record<string, string>;
  startsAt: number;
  /** When this run was decided or started (ms). */
  started: number;
  /** When its outcome was known (ms); 0 while running. */
  ended: number;
  outcome: HookOutcome | 'running';
  exitCode: number;
  stdout: string;
  stderr: string;
  error: string;
  attempt: number;
  /** Which vigil process decided it: host:pid. */
  instance: string;
}
