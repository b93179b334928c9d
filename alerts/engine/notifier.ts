import type { Logger } from '../../core/telemetry/index.ts';
import type { AlertTransition } from './alert-instance.ts';

/** Where alert transitions go: the notification pipeline (routing, grouping, receivers). */
export interface Notifier {
  notify(transitions: AlertTransition[]): Promise<void>;
}

/** Until a notification pipeline is configured, transitions are logged (and kept in vigil_alerts). */
export class LoggingNotifier implements Notifier {
  constructor(private readonly logger: Logger) {}
  async notify(transitions: AlertTransition[]): Promise<void> {
    for (const t of transitions) {
      if (t.from !== t.to && (t.to === 'firing' || t.to === 'resolved')) this.logger.info({ alert: t.rule, labels: t.labels, value: t.value, state: t.to }, 'alert state changed');
    }
  }
}
