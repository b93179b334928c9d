import { createHash } from 'node:crypto';
import { systemClock, type Clock } from '../../core/clock/index.ts';
import { selfMetrics, type Logger } from '../../core/telemetry/index.ts';
import type { AlertTransition } from '../engine/alert-instance.ts';
import type { Notifier } from '../engine/notifier.ts';
import type { Inhibitor } from '../inhibit/inhibitor.ts';
import type { NotificationLog } from '../notify/notification-log.ts';
import type { Silences } from '../silence/silences.ts';
import type { DispatchedAlert, GroupMessage, Integration } from './group-message.ts';
import { needsNotification } from './needs-notification.ts';
import { matchRoutes, type ResolvedRoute } from './route.ts';
import { inTimeInterval, type TimeInterval } from './time-intervals.ts';

interface AggregationGroup {
  key: string;
  route: ResolvedRoute;
  labels: Record<string, string>;
  alerts: Map<string, DispatchedAlert>;
  nextFlush: number;
}

export interface ReceiverStatus {
  sent: number;
  failed: number;
  lastError?: string;
  lastSentAt?: number;
}

export interface DispatcherOptions {
  route: ResolvedRoute;
  receivers: Map<string, Integration[]>;
  inhibitor: Inhibitor;
  silences: Silences;
  log: NotificationLog;
  externalUrl: string;
  logger: Logger;
  clock?: Clock;
  /** In HA mode, only the leader sends; standbys keep their groups but stay quiet. */
  isActive?: () => boolean;
  timeIntervals?: TimeInterval[];
}

/**
 * Alertmanager's dispatch: route, group (group_wait, group_interval, repeat_interval), then per
 * notification inhibit → silence → dedup against the notification log → send → log.
 * Time is injected; tick() does everything that is due.
 */
export class Dispatcher implements Notifier {
  private readonly groups = new Map<string, AggregationGroup>();
  /** Every firing alert, whatever its group: inhibition looks across groups. */
  private readonly firing = new Map<string, Record<string, string>>();
  private readonly clock: Clock;
  readonly status = new Map<string, ReceiverStatus>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(private readonly options: DispatcherOptions) {
    this.clock = options.clock ?? systemClock;
    for (const name of options.receivers.keys()) this.status.set(name, { sent: 0, failed: 0 });
  }

  get log(): NotificationLog {
    return this.options.log;
  }

  async start(): Promise<void> {
    if (this.timer) return;
    await this.options.log.load();
    await this.options.silences.load();
    this.timer = setInterval(() => void this.tick(), 1000);
  }

  async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /** Takes the rules engine's transitions: firing alerts join their groups, resolved ones end. */
  async notify(transitions: AlertTransition[]): Promise<void> {
    for (const t of transitions) {
      if (t.to !== 'firing' && t.to !== 'resolved') continue;
      const alert: DispatchedAlert = {
        fingerprint: t.fingerprint,
        labels: t.labels,
        annotations: t.annotations,
        startsAt: t.firedAt ?? t.activeAt,
        endsAt: t.to === 'resolved' ? t.resolvedAt : undefined,
        generatorURL: `${this.options.externalUrl}/api/v1/rules`,
      };
      if (alert.endsAt === undefined) this.firing.set(alert.fingerprint, alert.labels);
      else this.firing.delete(alert.fingerprint);
      for (const route of matchRoutes(this.options.route, alert.labels)) this.addToGroup(route, alert);
    }
    // A group already due (group_wait 0, e.g. a failover hook's route) flushes now, not at the next tick.
    const now = this.clock.now();
    if (this.timer && [...this.groups.values()].some((g) => g.nextFlush <= now)) void this.tick();
  }

  /** Firing alerts routed to `receiver`, across its groups: what a failover hook's storm guard counts. */
  firingFor(receiver: string): number {
    const seen = new Set<string>();
    for (const group of this.groups.values()) {
      if (group.route.receiver !== receiver) continue;
      for (const a of group.alerts.values()) if (a.endsAt === undefined) seen.add(a.fingerprint);
    }
    return seen.size;
  }

  private addToGroup(route: ResolvedRoute, alert: DispatchedAlert): void {
    const labels =
      route.groupBy === 'all' ? alert.labels : Object.fromEntries(route.groupBy.map((l) => [l, alert.labels[l] ?? '']));
    const key = `{${route.id}}:${JSON.stringify(Object.entries(labels).sort())}`;
    let group = this.groups.get(key);
    if (!group) {
      if (alert.endsAt !== undefined) return; // resolved before it was ever grouped: nothing to say
      group = { key, route, labels, alerts: new Map(), nextFlush: this.clock.now() + route.groupWait };
      this.groups.set(key, group);
      this.options.logger.debug({ group: key, receiver: route.receiver, groupWaitMs: route.groupWait }, 'alert group created');
    }
    group.alerts.set(alert.fingerprint, alert);
  }

  /** Flushes every group that is due. */
  async tick(): Promise<void> {
    if (this.options.isActive && !this.options.isActive()) return;
    if (this.ticking) return this.ticking;
    this.ticking = (async () => {
      const now = this.clock.now();
      for (const group of [...this.groups.values()]) if (group.nextFlush <= now) await this.flush(group, now);
    })().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async flush(group: AggregationGroup, now: number): Promise<void> {
    const all = [...group.alerts.values()];
    const firingLabels = [...this.firing.values()];
    const visible = all.filter(
      (a) => !this.options.silences.isSilenced(a.labels) && !(a.endsAt === undefined && this.options.inhibitor.isInhibited(a.labels, firingLabels)),
    );
    const firing = visible.filter((a) => a.endsAt === undefined);
    const resolved = visible.filter((a) => a.endsAt !== undefined);
    this.options.logger.debug({ group: group.key, alerts: all.length, firing: firing.length, resolved: resolved.length, hidden: all.length - visible.length }, 'alert group flush');
    const hash = createHash('sha256').update(`${firing.map((a) => a.fingerprint).sort().join(',')}|${resolved.map((a) => a.fingerprint).sort().join(',')}`).digest('hex').slice(0, 16);
    const receiver = group.route.receiver;
    const muted = group.route.muteTimeIntervals.some((name) => {
      const interval = this.options.timeIntervals?.find((t) => t.name === name);
      return interval !== undefined && inTimeInterval(interval, now);
    });
    const firingIds = firing.map((a) => a.fingerprint);
    const resolvedIds = resolved.map((a) => a.fingerprint);
    // Everything silenced or inhibited: nothing to say and nothing to log, as in Alertmanager.
    const integrations = muted || visible.length === 0 ? [] : (this.options.receivers.get(receiver) ?? []);
    for (const [i, integration] of integrations.entries()) {
      const logName = `${receiver}/${integration.name}/${i}`;
      const last = this.options.log.last(logName, group.key);
      const alerts = integration.sendResolved ? visible : firing;
      const due = needsNotification(last, firingIds, resolvedIds, integration.sendResolved, group.route.repeatInterval, now);
      if (alerts.length === 0) {
        // All resolved and send_resolved is false: nothing is sent, but the log records that the
        // alerts resolved (Alertmanager does too). Otherwise it keeps them as notified firing, and a
        // new incident of the same alerts within repeat_interval is taken for already sent: lost.
        if (due) await this.options.log.record({ receiver: logName, groupKey: group.key, hash, at: now, status: 'skipped_resolved', firing: [], resolved: resolvedIds });
        continue;
      }
      if (!due && !integration.decidesPerIncident) {
        this.options.logger.debug({ group: group.key, integration: logName, lastSentAt: last?.sentAt, hash }, 'notification already sent (notification log)');
        continue;
      }
      const message: GroupMessage = {
        receiver,
        groupKey: group.key,
        groupLabels: group.labels,
        status: firing.length > 0 ? 'firing' : 'resolved',
        alerts,
        externalURL: this.options.externalUrl,
      };
      const status = this.status.get(receiver)!;
      if (!due) {
        // Nothing new for the log; the integration's own record says whether an incident is new.
        await integration.notify(message).catch((err: unknown) => {
          // Repeats every group_interval while it lasts: logged when the error changes.
          if (status.lastError !== (err as Error).message) this.options.logger.warn({ receiver, integration: integration.name, err: (err as Error).message }, 'integration failed');
          status.lastError = (err as Error).message;
        });
        continue;
      }
      try {
        await integration.notify(message);
        status.sent += 1;
        selfMetrics.notification(integration.name, 'sent');
        status.lastSentAt = now;
        await this.options.log.record({ receiver: logName, groupKey: group.key, hash, at: now, status: 'sent', firing: firingIds, resolved: resolvedIds });
      } catch (err) {
        status.failed += 1;
        selfMetrics.notification(integration.name, 'failed');
        status.lastError = (err as Error).message;
        this.options.logger.warn({ receiver, integration: integration.name, err: status.lastError }, 'notification failed');
        await this.options.log.record({ receiver: logName, groupKey: group.key, hash, at: now, status: 'failed', firing: [], resolved: [], error: status.lastError });
      }
    }
    for (const a of all) if (a.endsAt !== undefined) group.alerts.delete(a.fingerprint);
    if (group.alerts.size === 0) this.groups.delete(group.key);
    else group.nextFlush = now + group.route.groupInterval;
  }
}
