import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { Clock } from '../../core/clock/index.ts';
import { formatPath } from '../../core/config/index.ts';
import type { Store } from '../../core/store/index.ts';
import type { Logger } from '../../core/telemetry/index.ts';
import { Inhibitor } from '../inhibit/inhibitor.ts';
import { EmailIntegration } from '../notify/email.ts';
import { NotificationLog } from '../notify/notification-log.ts';
import { WebhookIntegration } from '../notify/webhook.ts';
import { Silences } from '../silence/silences.ts';
import { Dispatcher } from './dispatcher.ts';
import type { Integration } from './group-message.ts';
import { notificationConfigSchema, type NotificationConfig } from './notification-config.ts';
import { resolveRoute } from './route.ts';

export type NotificationConfigLoad = { ok: true; config: NotificationConfig } | { ok: false; problems: string[] };

/** Reads the Alertmanager-style notification file; every problem comes with its path. */
export async function loadNotificationConfig(file: string): Promise<NotificationConfigLoad> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, problems: [`${file}: cannot read: ${(err as Error).message}`] };
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return { ok: false, problems: doc.errors.map((e) => `${file}: YAML: ${e.message.split('\n')[0]}`) };
  const parsed = notificationConfigSchema.safeParse(doc.toJS());
  return parsed.success
    ? { ok: true, config: parsed.data }
    : { ok: false, problems: parsed.error.issues.map((i) => `${file}: ${formatPath(i.path)}: ${i.message}`) };
}

export interface NotificationPipeline {
  dispatcher: Dispatcher;
  silences: Silences;
}

export function createNotificationPipeline(
  config: NotificationConfig,
  store: Store,
  clock: Clock,
  logger: Logger,
  isActive?: () => boolean,
): NotificationPipeline {
  const receivers = new Map<string, Integration[]>(
    config.receivers.map((r) => [r.name, [...r.webhook_configs.map((c) => new WebhookIntegration(c)), ...r.email_configs.map((c) => new EmailIntegration(c))]]),
  );
  const silences = new Silences(store, clock);
  const dispatcher = new Dispatcher({
    route: resolveRoute(config.route),
    receivers,
    inhibitor: new Inhibitor(config.inhibit_rules),
    silences,
    log: new NotificationLog(store),
    externalUrl: config.external_url,
    logger,
    clock,
    isActive,
    timeIntervals: config.time_intervals,
  });
  return { dispatcher, silences };
}
