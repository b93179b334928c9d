/** An alert as receivers see it. */
export interface DispatchedAlert {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  /** Set once resolved. */
  endsAt?: number;
  generatorURL: string;
}

/** One notification: a group's alerts, as Alertmanager hands them to integrations. */
export interface GroupMessage {
  receiver: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  status: 'firing' | 'resolved';
  alerts: DispatchedAlert[];
  externalURL: string;
}

/** A receiver integration (webhook, email…): throws when delivery failed after its retries. */
export interface Integration {
  readonly name: string;
  readonly sendResolved: boolean;
  /**
   * Set by integrations that keep their own record per incident (a failover hook's ledger, keyed
   * by fingerprint and startsAt). The notification log only knows a group's fingerprints: a new
   * incident of the same alerts (it resolved and fired again, or a new HA leader re-detected it)
   * looks already sent to it. Such integrations get every flush and decide for themselves.
   */
  readonly decidesPerIncident?: boolean;
  notify(message: GroupMessage): Promise<void>;
}

export function commonLabels(maps: Array<Record<string, string>>): Record<string, string> {
  if (maps.length === 0) return {};
  return Object.fromEntries(Object.entries(maps[0]!).filter(([k, v]) => maps.every((m) => m[k] === v)));
}
