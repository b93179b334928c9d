import type { Store } from '../../core/store/index.ts';

/** The last notification of one group to one integration: which alerts it knew firing and resolved. */
export interface LogEntry {
  hash: string;
  sentAt: number;
  /** Fingerprints, as Alertmanager's nflog entry keeps them: dedup compares sets, not hashes. */
  firing: string[];
  resolved: string[];
}

/** A log entry as the HA instances replicate it. */
export interface ReplicatedEntry {
  receiver: string;
  groupKey: string;
  hash: string;
  sentAt: number;
  /** Absent from instances older than set-based dedup: read as "none", so the next firing flush sends once. */
  firing?: string[];
  resolved?: string[];
}

/**
 * What was sent to which receiver for which group, persisted in vigil_notifications, so a
 * restart never re-sends and repeat_interval holds across restarts.
 *
 * Rows with status `skipped_resolved` were not sent: every alert of the group had resolved and
 * the integration does not send resolved notifications. They are logged anyway (as Alertmanager
 * does) so that the log forgets the firing alerts and a new incident of them is notified.
 */
export class NotificationLog {
  private readonly entries = new Map<string, LogEntry>();

  /** Set in HA mode: shares each logged entry with the other instances. */
  replicate?: (entry: ReplicatedEntry) => Promise<void>;

  constructor(private readonly store: Store) {}

  /** An entry another instance logged; the newest per receiver and group wins. */
  merge(entry: ReplicatedEntry): void {
    const key = this.key(entry.receiver, entry.groupKey);
    const current = this.entries.get(key);
    if (!current || current.sentAt <= entry.sentAt) {
      this.entries.set(key, { hash: entry.hash, sentAt: entry.sentAt, firing: entry.firing ?? [], resolved: entry.resolved ?? [] });
    }
  }

  private key(receiver: string, groupKey: string) {
    return `${receiver}\u0000${groupKey}`;
  }

  async load(): Promise<void> {
    const rows = await this.store.query<{ receiver: string; group_key: string; hash: string; sent: string; firing: string[]; resolved: string[] }>(
      `SELECT receiver, group_key, argMax(alerts_hash, sent_at) AS hash, toString(toUnixTimestamp64Milli(max(sent_at))) AS sent,
              argMax(firing, sent_at) AS firing, argMax(resolved, sent_at) AS resolved
       FROM vigil_notifications WHERE status IN ('sent', 'skipped_resolved') GROUP BY receiver, group_key`,
    );
    for (const r of rows) {
      this.entries.set(this.key(r.receiver, r.group_key), { hash: r.hash, sentAt: Number(r.sent), firing: r.firing, resolved: r.resolved });
    }
  }

  last(receiver: string, groupKey: string): LogEntry | undefined {
    return this.entries.get(this.key(receiver, groupKey));
  }

  async record(entry: {
    receiver: string;
    groupKey: string;
    hash: string;
    at: number;
    status: 'sent' | 'skipped_resolved' | 'failed';
    firing: string[];
    resolved: string[];
    error?: string;
  }): Promise<void> {
    if (entry.status !== 'failed') {
      const logged = { hash: entry.hash, sentAt: entry.at, firing: entry.firing, resolved: entry.resolved };
      this.entries.set(this.key(entry.receiver, entry.groupKey), logged);
      await this.replicate?.({ receiver: entry.receiver, groupKey: entry.groupKey, ...logged });
    }
    await this.store.insertRows('vigil_notifications', [
      {
        sent_at: `${entry.at}000000`.padStart(19, '0'),
        receiver: entry.receiver,
        group_key: entry.groupKey,
        alerts_hash: entry.hash,
        status: entry.status,
        firing: entry.firing,
        resolved: entry.resolved,
        error: entry.error ?? '',
      },
    ]);
  }
}
