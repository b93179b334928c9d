import { z } from 'zod';
import { duration } from '../../core/config/index.ts';

/** A window or interval: zero would select nothing or evaluate in a busy loop. */
const positiveDuration = duration.pipe(z.number().positive({ error: 'expected a duration above 0' }));
/** for / keep_firing_for: zero means at once. */
const nonNegativeDuration = duration.pipe(z.number().nonnegative({ error: 'expected a duration of 0 or more' }));
const labelName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'expected a label name (letters, digits, _ and .)');
const labels = z.record(labelName, z.string()).default({});
const comparison = z.object({
  op: z.enum(['>', '>=', '<', '<=', '==', '!=']),
  value: z.number(),
});

const common = {
  alert: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an alert name like NodeDown'),
  for: nonNegativeDuration.prefault('0s'),
  keep_firing_for: nonNegativeDuration.prefault('0s'),
  labels,
  annotations: z.record(z.string(), z.string()).default({}),
};

export const thresholdRule = z
  .object({
    ...common,
    kind: z.literal('threshold'),
    metric: z.string().min(1),
    /** Which exporter table holds the metric. */
    metric_type: z.enum(['gauge', 'sum']).default('gauge'),
    /** Attribute equality filters (point attributes, then resource attributes). */
    where: z.record(z.string(), z.string()).default({}),
    /** rate: per-second increase of a counter (metric_type: sum), per series, summed per group. */
    aggregation: z.enum(['avg', 'min', 'max', 'sum', 'count', 'rate', 'quantile']).default('avg'),
    quantile: z.number().min(0).max(1).optional(),
    window: positiveDuration.prefault('5m'),
    group_by: z.array(labelName).default([]),
    ...comparison.shape,
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.aggregation === 'quantile' && rule.quantile === undefined) {
      ctx.addIssue({ code: 'custom', path: ['quantile'], message: 'required when aggregation is "quantile"' });
    }
    if (rule.aggregation === 'rate' && rule.metric_type !== 'sum') {
      ctx.addIssue({ code: 'custom', path: ['metric_type'], message: 'aggregation "rate" is for counters: set metric_type: sum' });
    }
  });

export const logsRule = z
  .object({
    ...common,
    kind: z.literal('logs'),
    service: z.string().optional(),
    severity: z.array(z.string()).optional(),
    body_contains: z.string().optional(),
    window: positiveDuration.prefault('5m'),
    /** count: records in the window; rate: records per second. */
    measure: z.enum(['count', 'rate']).default('count'),
    group_by: z.array(labelName).default([]),
    ...comparison.shape,
  })
  .strict();

export const absentRule = z
  .object({
    ...common,
    kind: z.literal('absent'),
    metric: z.string().default('vigil.agent.up'),
    metric_type: z.enum(['gauge', 'sum']).default('gauge'),
    /** The label that identifies a source; one alert per silent source. */
    by: labelName.default('host.name'),
    /** Silent for this long means absent. */
    window: positiveDuration.prefault('1m'),
    /**
     * Sources seen within this long are remembered; older ones are forgotten, not alerted on. A
     * source silent for longer than this resolves its alert, as a Prometheus target removed from
     * service discovery does: set it to how long a decommissioned host should keep alerting.
     */
    lookback: positiveDuration.prefault('24h'),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.lookback <= rule.window) ctx.addIssue({ code: 'custom', path: ['lookback'], message: 'must be longer than window: sources are remembered for lookback and alerted on after window' });
  });

export const sqlRule = z
  .object({
    ...common,
    kind: z.literal('sql'),
    /** A SELECT returning label columns and a numeric `value`; may use {now:DateTime64(3)}. */
    query: z.string().min(1),
  })
  .strict();

export const ruleSchema = z.discriminatedUnion('kind', [thresholdRule, logsRule, absentRule, sqlRule]);

export const ruleFileSchema = z
  .object({
    groups: z
      .array(
        z
          .object({
            name: z.string().min(1),
            interval: positiveDuration.prefault('15s'),
            rules: z.array(ruleSchema).min(1, { error: 'expected at least one rule' }),
          })
          .strict(),
      )
      .min(1, { error: 'expected at least one group' }),
  })
  .strict()
  .superRefine((file, ctx) => {
    const names = new Set<string>();
    file.groups.forEach((g, i) => {
      if (names.has(g.name)) ctx.addIssue({ code: 'custom', path: ['groups', i, 'name'], message: `duplicate group name "${g.name}"` });
      names.add(g.name);
      // Same-named rules (a warning and a critical HighCpu) are fine, but their alerts must be
      // told apart, by a constant label such as severity, or both would claim the same alerts.
      const identities = new Map<string, number>();
      g.rules.forEach((rule, r) => {
        const constant = Object.entries(rule.labels).filter(([, v]) => !v.includes('{{')).sort(([a], [b]) => a.localeCompare(b));
        const identity = JSON.stringify([rule.alert, constant]);
        const first = identities.get(identity);
        if (first !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['groups', i, 'rules', r, 'labels'], message: `rules[${first}] is also "${rule.alert}" with the same constant labels: add a label that tells them apart (e.g. severity)` });
        } else identities.set(identity, r);
      });
    });
  });

export type Rule = z.output<typeof ruleSchema>;
export type RuleFile = z.output<typeof ruleFileSchema>;
export type RuleGroup = RuleFile['groups'][number];
