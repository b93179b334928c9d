import { z } from 'zod';
import { duration } from '../../core/config/index.ts';

const series = z
  .object({
    metric: z.string().min(1),
    type: z.enum(['gauge', 'sum']).default('gauge'),
    /** For sums: cumulative counters (the OTel SDKs' default), or delta (each point is the increase since the last). */
    temporality: z.enum(['cumulative', 'delta']).default('cumulative'),
    /** host.name and service.name become resource attributes, the rest point attributes. */
    labels: z.record(z.string(), z.string()).default({}),
    /** promtool's expanding notation: "1 2 _ 4", "0+10x5", "1x3 _x2". */
    values: z.string(),
  })
  .strict();

const histograms = z
  .object({
    metric: z.string().min(1),
    labels: z.record(z.string(), z.string()).default({}),
    explicit_bounds: z.array(z.number()).min(1),
    /** Per step: the bucket counts of that interval (delta temporality), one more than the bounds. */
    buckets: z.array(z.array(z.number().nonnegative())),
  })
  .strict()
  .superRefine((h, ctx) => {
    h.buckets.forEach((b, i) => {
      if (b.length !== h.explicit_bounds.length + 1) ctx.addIssue({ code: 'custom', path: ['buckets', i], message: `expected ${h.explicit_bounds.length + 1} bucket counts` });
    });
  });

const logs = z
  .object({
    labels: z.record(z.string(), z.string()).default({}),
    severity: z.string().default('INFO'),
    body: z.string().default(''),
    /** Number of records at each step, in the same notation. */
    values: z.string(),
  })
  .strict();

export const ruleTestFileSchema = z
  .object({
    rule_files: z.array(z.string()).min(1),
    evaluation_interval: duration.prefault('15s'),
    tests: z
      .array(
        z
          .object({
            name: z.string().default(''),
            interval: duration.prefault('1m'),
            input_series: z.array(series).default([]),
            input_logs: z.array(logs).default([]),
            input_histograms: z.array(histograms).default([]),
            alert_rule_test: z
              .array(
                z
                  .object({
                    eval_time: duration,
                    alertname: z.string(),
                    exp_alerts: z
                      .array(
                        z
                          .object({
                            exp_labels: z.record(z.string(), z.string()).default({}),
                            exp_annotations: z.record(z.string(), z.string()).optional(),
                          })
                          .strict(),
                      )
                      .default([]),
                  })
                  .strict(),
              )
              .default([]),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export type RuleTestFile = z.output<typeof ruleTestFileSchema>;
export type RuleTest = RuleTestFile['tests'][number];
