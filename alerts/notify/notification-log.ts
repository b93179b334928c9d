import type { Store } from '../../core/store/index.ts';

export interface LogEntry {
  hash: string;
  sentAt: number;
}

/**
 * What was sent to which receiver for which group, persisted in vigil_notifications, so a
 * restart never re-sends and repeat_interval holds across restarts.
 */
export class NotificationLog {
  private readonly entries = new Map<string, LogEntry>();

  /** Set in HA mode: shares each sent entry with the other instances. */
  replicate?: (entry: { receiver: string; groupKey: string; hash: string; sentAt: number }) => Promise<void>;

  constructor(private readonly store: Store) {}

  /** An entry another instance sent; the newest per receiver and group wins. */
  merge(entry: { receiver: string; groupKey: string; hash: string; sentAt: number }): void {
    const key = this.key(entry.receiver, entry.groupKey);
    const current = this.entries.get(key);
    if (!current || current.sentAt <= entry.sentAt) this.entries.set(key, { hash: entry.hash, sentAt: entry.sentAt });
  }

  private key(receiver: string, groupKey: string) {
    return `${receiver}\u0000${groupKey}`;
  }

  async load(): Promise<void> {
    const rows = await this.store.query<{ receiver: string; group_key: string; hash: string; sent: string }>(
      `SELECT receiver, group_key, argMax(alerts_hash, sent_at) AS hash, toString(toUnixTimestamp64Milli(max(sent_at))) AS sent
       FROM vigil_notifications WHERE status = 'sent' GROUP BY receiver, group_key`,
    );
    for (const r of rows) this.entries.set(this.key(r.receiver, r.group_key), { hash: r.hash, sentAt: Number(r.sent) });
  }

  last(receiver: string, groupKey: string): LogEntry | undefined {
    return this.entries.get(this.key(receiver, groupKey));
  }

  async record(entry: {
    receiver: string;
    groupKey: string;
    hash: string;
    at: number;
    status: 'sent' | 'failed';
    firing: string[];
    resolved: string[];
    error?: string;
  }): Promise<void> {
    if (entry.status === 'sent') {
      this.entries.set(this.key(entry.receiver, entry.groupKey), { hash: entry.hash, sentAt: entry.at });
      await this.replicate?.({ receiver: entry.receiver, groupKey: entry.groupKey, hash: entry.hash, sentAt: entry.at });
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
