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
  notify(message: GroupMessage): Promise<void>;
}

export function commonLabels(maps: Array<Record<string, string>>): Record<string, string> {
  if (maps.length === 0) return {};
  return Object.fromEntries(Object.entries(maps[0]!).filter(([k, v]) => maps.every((m) => m[k] === v)));
}
