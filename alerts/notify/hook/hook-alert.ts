import type { DispatchedAlert, GroupMessage } from '../../dispatch/group-message.ts';
import { renderTemplate } from '../../engine/template.ts';
import { webhookPayload } from '../webhook.ts';

export type AlertStatus = 'firing' | 'resolved';

export const statusOf = (alert: DispatchedAlert): AlertStatus => (alert.endsAt === undefined ? 'firing' : 'resolved');

/**
 * One incident of one alert for one hook: the same firing alert seen again (a repeat, a
 * restart, a new HA leader) has the same key; resolved runs are keyed apart.
 */
export function idempotencyKey(hook: string, alert: DispatchedAlert): string {
  const status = statusOf(alert);
  return `${hook}|${alert.fingerprint}|${new Date(alert.startsAt).toISOString()}${status === 'resolved' ? '|resolved' : ''}`;
}

/** The Alertmanager v4 JSON of this one alert: the command's stdin, the HTTP call's body. */
export function hookPayload(message: GroupMessage, alert: DispatchedAlert): string {
  return JSON.stringify(webhookPayload({ ...message, status: statusOf(alert), alerts: [alert] }, 0));
}

/** argv with templates rendered per element: a label value stays one literal argument, whatever it contains. */
export function renderArgv(command: string[], alert: DispatchedAlert): string[] {
  return command.map((arg) => renderTemplate(arg, alert.labels, Number.NaN));
}

// NUL cannot travel in an environment variable or argv element; everything else passes verbatim.
const clean = (value: string) => value.replace(/\0/g, '');
const envName = (label: string) => label.toUpperCase().replace(/[^A-Z0-9]/g, '_');

/** VIGIL_ALERT_* variables: the alert for programs that would rather not parse JSON. */
export function alertEnvironment(hook: string, key: string, alert: DispatchedAlert, dryRun: boolean): Record<string, string> {
  const env: Record<string, string> = {
    VIGIL_HOOK: hook,
    VIGIL_HOOK_KEY: clean(key),
    VIGIL_HOOK_DRY_RUN: dryRun ? '1' : '0',
    VIGIL_ALERT_NAME: clean(alert.labels.alertname ?? ''),
    VIGIL_ALERT_STATUS: statusOf(alert),
    VIGIL_ALERT_FINGERPRINT: alert.fingerprint,
    VIGIL_ALERT_STARTS_AT: new Date(alert.startsAt).toISOString(),
    VIGIL_ALERT_ENDS_AT: alert.endsAt === undefined ? '' : new Date(alert.endsAt).toISOString(),
    VIGIL_ALERT_LABELS: clean(JSON.stringify(alert.labels)),
    VIGIL_ALERT_ANNOTATIONS: clean(JSON.stringify(alert.annotations)),
  };
  for (const [name, value] of Object.entries(alert.labels)) env[`VIGIL_ALERT_LABEL_${envName(name)}`] = clean(value);
  return env;
}
