import type { Store } from '../../core/store/index.ts';
import type { AlertInstance } from './alert-instance.ts';
import type { StateBatch } from './transition-outbox.ts';

/**
 * DateTime64(9) columns are written as integer nanoseconds: exact for any millisecond time. A
 * ClickHouse server reads a text value as ticks only when it has 19 digits ('0', for a pending
 * alert's fired_at, failed every insert through the HTTP store), hence the padding.
 */
const ns = (ms: number | undefined) => `${ms === undefined ? 0 : Math.round(ms)}000000`.padStart(19, '0');
/** Read back as integer milliseconds: nanoseconds do not fit a double exactly (2^53 < 1.7e18). */
const ms = (value: unknown) => {
  const n = Number(value ?? 0);
  return n > 0 ? n : undefined;
};
const finite = (n: number) => (Number.isFinite(n) ? n : 0);

/** Alert state and history in ClickHouse, so a restart continues timers and announces nothing twice. */
export class AlertStore {
  constructor(private readonly store: Store) {}

  async load(): Promise<AlertInstance[]> {
    const rows = await this.store.query<Record<string, any>>(
      `SELECT group_name, rule, fingerprint, labels, annotations, state, value,
              toUnixTimestamp64Milli(active_at) AS active_ms, toUnixTimestamp64Milli(fired_at) AS fired_ms,
              toUnixTimestamp64Milli(last_active_at) AS last_active_ms
       FROM vigil_alert_state FINAL WHERE deleted = 0`,
    );
    return rows.map((r) => ({
      group: r.group_name,
      rule: r.rule,
      fingerprint: r.fingerprint,
      labels: r.labels,
      annotations: r.annotations,
      state: r.state,
      value: Number(r.value),
      activeAt: ms(r.active_ms)!,
      firedAt: ms(r.fired_ms),
      lastActiveAt: ms(r.last_active_ms) ?? ms(r.active_ms)!,
    }));
  }

  /**
   * Appends a group evaluation's transitions to vigil_alerts and writes the current state of the
   * instances it changed. Both inserts carry the batch's dedup token: retrying a batch that was
   * partly written adds nothing twice.
   */
  async save(batch: StateBatch): Promise<void> {
    if (batch.transitions.length > 0) {
      await this.store.insertRows(
        'vigil_alerts',
        batch.transitions.map((t) => ({
          at: ns(t.at),
          group_name: t.group,
          rule: t.rule,
          fingerprint: t.fingerprint,
          labels: t.labels,
          annotations: t.annotations,
          from_state: t.from,
          to_state: t.to,
          value: finite(t.value),
          active_at: ns(t.activeAt),
          fired_at: ns(t.firedAt),
          resolved_at: ns(t.resolvedAt),
        })),
        { dedupToken: batch.dedupToken },
      );
    }
    // One row per alert instance, so the batch's rows never disagree with each other.
    const rows = new Map<string, ReturnType<AlertStore['stateRow']>>();
    for (const i of batch.upserts) rows.set(`${i.rule}\u0000${i.fingerprint}`, this.stateRow(i, batch.at, 0));
    for (const i of batch.removed) rows.set(`${i.rule}\u0000${i.fingerprint}`, this.stateRow(i, batch.at, 1));
    if (rows.size > 0) await this.store.insertRows('vigil_alert_state', [...rows.values()], { dedupToken: batch.dedupToken });
  }

  private stateRow(i: AlertInstance, now: number, deleted: 0 | 1) {
    return {
      group_name: i.group,
      rule: i.rule,
      fingerprint: i.fingerprint,
      labels: i.labels,
      annotations: i.annotations,
      state: i.state,
      value: finite(i.value),
      active_at: ns(i.activeAt),
      fired_at: ns(i.firedAt),
      last_active_at: ns(i.lastActiveAt),
      updated_at: ns(now),
      deleted,
    };
  }
}
