import { z } from 'zod';
import { duration } from '../../core/config/index.ts';

const labelName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'expected a label name (letters, digits, _ and .)');
const labels = z.record(labelName, z.string()).default({});
const comparison = z.object({
  op: z.enum(['>', '>=', '<', '<=', '==', '!=']),
  value: z.number(),
});

const common = {
  alert: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an alert name like NodeDown'),
  for: duration.prefault('0s'),
  keep_firing_for: duration.prefault('0s'),
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
    aggregation: z.enum(['avg', 'min', 'max', 'sum', 'count', 'rate', 'quantile']).default('avg'),
    quantile: z.number().min(0).max(1).optional(),
    window: duration.prefault('5m'),
    group_by: z.array(labelName).default([]),
    ...comparison.shape,
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.aggregation === 'quantile' && rule.quantile === undefined) {
      ctx.addIssue({ code: 'custom', path: ['quantile'], message: 'required when aggregation is "quantile"' });
    }
  });

export const logsRule = z
  .object({
    ...common,
    kind: z.literal('logs'),
    service: z.string().optional(),
    severity: z.array(z.string()).optional(),
    body_contains: z.string().optional(),
    window: duration.prefault('5m'),
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
    /** The label that identifies a source; one alert per silent source. */
    by: labelName.default('host.name'),
    /** Silent for this long means absent. */
    window: duration.prefault('1m'),
    /** Sources seen within this long are remembered; older ones are forgotten, not alerted on. */
    lookback: duration.prefault('24h'),
  })
  .strict();

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
            interval: duration.prefault('15s'),
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
    });
  });

export type Rule = z.output<typeof ruleSchema>;
export type RuleFile = z.output<typeof ruleFileSchema>;
export type RuleGroup = RuleFile['groups'][number];
