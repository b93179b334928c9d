import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { Clock } from '../../core/clock/index.ts';
import { formatPath } from '../../core/config/index.ts';
import type { Store } from '../../core/store/index.ts';
import type { Logger } from '../../core/telemetry/index.ts';
import { Inhibitor } from '../inhibit/inhibitor.ts';
import { EmailIntegration } from '../notify/email.ts';
import { HookIntegration, HookLedger, instanceId } from '../notify/hook/index.ts';
import { NotificationLog } from '../notify/notification-log.ts';
import { WebhookIntegration } from '../notify/webhook.ts';
import { Silences } from '../silence/silences.ts';
import { Dispatcher } from './dispatcher.ts';
import type { Integration } from './group-message.ts';
import { hookName, notificationConfigSchema, type NotificationConfig } from './notification-config.ts';
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
  /** Failover hooks by name, and the ledger of their runs (vigil_hook_runs). */
  hooks: Map<string, HookIntegration>;
  hookLedger: HookLedger;
}

export function createNotificationPipeline(
  config: NotificationConfig,
  store: Store,
  clock: Clock,
  logger: Logger,
  isActive?: () => boolean,
): NotificationPipeline {
  const hookLedger = new HookLedger(store, instanceId());
  const hooks = new Map<string, HookIntegration>();
  let dispatcher: Dispatcher | undefined;
  for (const r of config.receivers) {
    r.hook_configs.forEach((c, i) => {
      const name = hookName(r.name, i, c.name);
      hooks.set(name, new HookIntegration({ name, receiver: r.name, config: c, ledger: hookLedger, clock, logger: logger.child({ hook: name }), firingRoutedHere: () => dispatcher?.firingFor(r.name) ?? 0 }));
    });
  }
  // Hooks first: their outcome (annotation hook_outcome) reaches the receiver's webhooks and emails.
  const receivers = new Map<string, Integration[]>(
    config.receivers.map((r) => [
      r.name,
      [
        ...[...hooks.values()].filter((h) => h.receiver === r.name),
        ...r.webhook_configs.map((c) => new WebhookIntegration(c)),
        ...r.email_configs.map((c) => new EmailIntegration(c)),
      ],
    ]),
  );
  const silences = new Silences(store, clock);
  dispatcher = new Dispatcher({
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
  return { dispatcher, silences, hooks, hookLedger };
}
