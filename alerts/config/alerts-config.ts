import { z } from 'zod';

/** The `alerts` section of vigil.yaml. */
export const alertsConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    rule_files: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type AlertsConfig = z.output<typeof alertsConfigSchema>;
