import type { LogEntry } from '../notify/notification-log.ts';

/**
 * Alertmanager's dedup stage: whether a group's visible alerts (fingerprints) need a notification
 * to an integration, given its last notification-log entry. Sets are compared, not hashes, so a
 * group that only lost alerts (resolved or silenced) is not notified again before repeat_interval.
 */
export function needsNotification(
  last: LogEntry | undefined,
  firing: string[],
  resolved: string[],
  sendResolved: boolean,
  repeatInterval: number,
  now: number,
): boolean {
  if (!last) return firing.length > 0;
  const knownFiring = new Set(last.firing);
  // A new alert, or a new incident of one the log saw resolve.
  if (!firing.every((f) => knownFiring.has(f))) return true;
  // Everything resolved: due whatever send_resolved says. With send_resolved false nothing is sent,
  // but the log must record it, or a re-fire within repeat_interval would look already sent.
  if (firing.length === 0) return last.firing.length > 0;
  if (sendResolved) {
    const knownResolved = new Set(last.resolved);
    if (!resolved.every((r) => knownResolved.has(r))) return true;
  }
  return now - last.sentAt >= repeatInterval;
}
