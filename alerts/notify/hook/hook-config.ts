import { z } from 'zod';
import { duration } from '../../../core/config/index.ts';
import { validateTemplates } from '../../engine/template.ts';

/** Environment variable names a hook may inherit from vigil's own environment. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const http = z
  .object({
    url: z.url(),
    method: z.enum(['POST', 'PUT', 'PATCH']).default('POST'),
    headers: z.record(z.string(), z.string()).default({}),
    /** Signs X-Vigil-Timestamp and the body (X-Vigil-Signature: sha256=<hex HMAC-SHA256(`${timestamp}.${body}`)>), as the webhook does. */
    hmac_secret: z.string().optional(),
  })
  .strict();

/**
 * One failover hook: an argv command or an HTTP call run once per incident. Every safety knob
 * has a conservative default: one at a time, a cooldown, no inherited environment.
 */
export const hookConfigSchema = z
  .object({
    /** Names the hook in vigil_hook_runs, the CLI and the idempotency key; defaults to <receiver>/<index>. */
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." and "-" only').optional(),
    /** argv: the first element is the program, run without a shell; elements may use {{ $labels.x }}. */
    command: z.array(z.string()).min(1).optional(),
    http: http.optional(),
    on: z.array(z.enum(['firing', 'resolved'])).min(1).default(['firing']),
    timeout: duration.prefault('30s'),
    /** After a run for one alert fingerprint (and status), further incidents of it are skipped this long. */
    cooldown: duration.prefault('10m'),
    /** At most `count` runs of this hook, across all alerts, in any window of `per`. */
    max_runs: z.object({ count: z.number().int().positive(), per: duration }).strict().optional(),
    max_concurrent: z.number().int().positive().default(1),
    /** More firing alerts routed to this hook than max_firing: run none, say so in the notification. */
    storm_guard: z.object({ max_firing: z.number().int().positive() }).strict().optional(),
    /** Record and announce what would run, run nothing. */
    dry_run: z.boolean().default(false),
    /** Names of vigil's environment variables the command inherits; nothing else is passed on. */
    env_allow: z.array(z.string().regex(ENV_NAME, 'expected an environment variable name')).default([]),
    /** stdout and stderr are each kept up to this many bytes (the tail). */
    max_output_bytes: z.number().int().positive().max(1_048_576).default(4096),
  })
  .strict()
  .superRefine((hook, ctx) => {
    if ((hook.command === undefined) === (hook.http === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'a hook needs exactly one of command or http' });
    }
    hook.command?.forEach((arg, i) => {
      // The dispatched alert carries labels, not the rule's value: only $labels templates here.
      const problem = /\$value\b/.test(arg) ? 'hooks see $labels only; put the value in an annotation' : validateTemplates(arg);
      if (problem) ctx.addIssue({ code: 'custom', path: ['command', i], message: problem });
    });
    if (hook.command && hook.command[0]!.trim() === '') ctx.addIssue({ code: 'custom', path: ['command', 0], message: 'the program must not be empty' });
  });

export type HookConfig = z.output<typeof hookConfigSchema>;
