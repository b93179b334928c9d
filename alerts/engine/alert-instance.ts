/** One alert instance: a rule's result for one label set. */
export interface AlertInstance {
  rule: string;
  group: string;
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  value: number;
  /** When the condition first held (ms). */
  activeAt: number;
  firedAt?: number;
  /** Last evaluation at which the condition held (ms), for keep_firing_for. */
  lastActiveAt: number;
}

export type AlertState = 'inactive' | 'pending' | 'firing' | 'resolved';

/** A state change, handed to the notifier and appended to vigil_alerts. */
export interface AlertTransition {
  at: number;
  rule: string;
  group: string;
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  from: AlertState;
  to: AlertState;
  value: number;
  activeAt: number;
  firedAt?: number;
  resolvedAt?: number;
}
