import { z } from 'zod';
import { duration } from '../../core/config/index.ts';
import { parseMatcher } from './matchers.ts';
import { timeIntervalSchema } from './time-intervals.ts';
import { hookConfigSchema } from '../notify/hook/hook-config.ts';

const matcherList = z.array(z.string()).default([]).superRefine((list, ctx) => {
  list.forEach((text, i) => {
    try {
      parseMatcher(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: [i], message: (err as Error).message });
    }
  });
});

export interface RouteInput {
  receiver?: string;
  matchers?: string[];
  continue?: boolean;
  group_by?: string[];
  group_wait?: string | number;
  group_interval?: string | number;
  repeat_interval?: string | number;
  routes?: RouteInput[];
}

const routeSchema: z.ZodType<any> = z.lazy(() =>
  z
    .object({
      receiver: z.string().optional(),
      matchers: matcherList,
      continue: z.boolean().default(false),
      /** Labels to group by; ["..."] groups by all labels (one alert per notification). */
      group_by: z.array(z.string()).optional(),
      group_wait: duration.optional(),
      group_interval: duration.optional(),
      repeat_interval: duration.optional(),
      /** Names of time_intervals during which this route sends nothing. */
      mute_time_intervals: z.array(z.string()).default([]),
      routes: z.array(routeSchema).default([]),
    })
    .strict(),
);

const webhook = z
  .object({
    url: z.url(),
    timeout: duration.prefault('10s'),
    /** Retries on network errors, 5xx and 429 (honouring Retry-After) stop after this long. */
    max_retry_time: duration.prefault('2m'),
    /** Signs X-Vigil-Timestamp and the body: X-Vigil-Signature: sha256=<hex HMAC-SHA256(`${timestamp}.${body}`)>. */
    hmac_secret: z.string().optional(),
    headers: z.record(z.string(), z.string()).default({}),
    max_alerts: z.number().int().nonnegative().default(0),
    send_resolved: z.boolean().default(true),
  })
  .strict();

const email = z
  .object({
    to: z.array(z.string().min(3)).min(1),
    from: z.string().min(3),
    smarthost: z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port'),
    /** tls: TLS from the first byte (port 465); starttls: upgrade (required); none: plain. */
    security: z.enum(['starttls', 'tls', 'none']).default('starttls'),
    auth_username: z.string().optional(),
    auth_password: z.string().optional(),
    /** Accept self-signed certificates (tests, private relays). */
    insecure_skip_verify: z.boolean().default(false),
    subject: z.string().default('[{{ .Status }}] {{ .GroupLabels }} ({{ .Count }} alerts)'),
    send_resolved: z.boolean().default(false),
  })
  .strict();

const receiver = z
  .object({
    name: z.string().min(1),
    webhook_configs: z.array(webhook).default([]),
    email_configs: z.array(email).default([]),
    /** Failover hooks: run once per incident, before the receiver's other integrations send. */
    hook_configs: z.array(hookConfigSchema).default([]),
  })
  .strict();

export const notificationConfigSchema = z
  .object({
    external_url: z.string().default('http://127.0.0.1:8080'),
    route: routeSchema,
    receivers: z.array(receiver).min(1),
    time_intervals: z.array(timeIntervalSchema).default([]),
    inhibit_rules: z
      .array(z.object({ source_matchers: matcherList, target_matchers: matcherList, equal: z.array(z.string()).default([]) }).strict())
      .default([]),
  })
  .strict()
  .superRefine((config, ctx) => {
    const names = new Set(config.receivers.map((r) => r.name));
    if (!config.route.receiver) ctx.addIssue({ code: 'custom', path: ['route', 'receiver'], message: 'the root route needs a receiver' });
    const intervals = new Set(config.time_intervals.map((t) => t.name));
    const walk = (route: any, path: (string | number)[]) => {
      if (route.receiver && !names.has(route.receiver)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'receiver'], message: `unknown receiver "${route.receiver}"` });
      }
      (route.mute_time_intervals ?? []).forEach((name: string, i: number) => {
        if (!intervals.has(name)) ctx.addIssue({ code: 'custom', path: [...path, 'mute_time_intervals', i], message: `unknown time interval "${name}"` });
      });
      (route.routes ?? []).forEach((child: any, i: number) => walk(child, [...path, 'routes', i]));
    };
    walk(config.route, ['route']);
    const hooks = new Set<string>();
    config.receivers.forEach((r, i) =>
      r.hook_configs.forEach((h, j) => {
        const name = hookName(r.name, j, h.name);
        if (hooks.has(name)) ctx.addIssue({ code: 'custom', path: ['receivers', i, 'hook_configs', j, 'name'], message: `hook name "${name}" is used twice` });
        hooks.add(name);
      }),
    );
  });

/** A hook's name: its own, or <receiver>/<index>. */
export const hookName = (receiver: string, index: number, name?: string) => name ?? `${receiver}/${index}`;

export type NotificationConfig = z.output<typeof notificationConfigSchema>;
export type ReceiverConfig = NotificationConfig['receivers'][number];
export type WebhookConfig = ReceiverConfig['webhook_configs'][number];
export type EmailConfig = ReceiverConfig['email_configs'][number];
export type { HookConfig } from '../notify/hook/hook-config.ts';
