import type { Store } from '../../core/store/index.ts';
import type { AlertInstance, AlertTransition } from './alert-instance.ts';

const ns = (ms: number | undefined) => (ms === undefined ? '0' : `${Math.round(ms)}000000`).padStart(19, '0');
const ms = (value: unknown) => {
  const n = Number(String(value ?? '0'));
  return n > 0 ? n / 1e6 : undefined;
};

/** Alert state and history in ClickHouse, so a restart continues timers and announces nothing twice. */
export class AlertStore {
  constructor(private readonly store: Store) {}

  async load(): Promise<AlertInstance[]> {
    const rows = await this.store.query<Record<string, any>>(
      `SELECT group_name, rule, fingerprint, labels, annotations, state, value,
              toUnixTimestamp64Nano(active_at) AS active_at, toUnixTimestamp64Nano(fired_at) AS fired_at,
              toUnixTimestamp64Nano(last_active_at) AS last_active_at
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
      activeAt: ms(r.active_at)!,
      firedAt: ms(r.fired_at),
      lastActiveAt: ms(r.last_active_at)!,
    }));
  }

  /** Appends the transitions to vigil_alerts and writes the instances' current state. */
  async save(transitions: AlertTransition[], current: AlertInstance[], now: number): Promise<void> {
    if (transitions.length === 0) return;
    await this.store.insertRows(
      'vigil_alerts',
      transitions.map((t) => ({
        at: ns(t.at),
        group_name: t.group,
        rule: t.rule,
        fingerprint: t.fingerprint,
        labels: t.labels,
        annotations: t.annotations,
        from_state: t.from,
        to_state: t.to,
        value: Number.isFinite(t.value) ? t.value : 0,
        active_at: ns(t.activeAt),
        fired_at: ns(t.firedAt),
        resolved_at: ns(t.resolvedAt),
      })),
    );
    const live = new Map(current.map((i) => [i.fingerprint, i]));
    const changed = [...new Map(transitions.map((t) => [t.fingerprint, t])).values()];
    await this.store.insertRows(
      'vigil_alert_state',
      changed.map((t) => {
        const instance = live.get(t.fingerprint);
        return {
          group_name: t.group,
          rule: t.rule,
          fingerprint: t.fingerprint,
          labels: t.labels,
          annotations: t.annotations,
          state: instance?.state ?? t.to,
          value: Number.isFinite(t.value) ? t.value : 0,
          active_at: ns(t.activeAt),
          fired_at: ns(instance?.firedAt ?? t.firedAt),
          last_active_at: ns(instance?.lastActiveAt ?? t.at),
          updated_at: ns(now),
          deleted: instance ? 0 : 1,
        };
      }),
    );
  }
}
