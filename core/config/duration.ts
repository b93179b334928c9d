import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const WHOLE = /^(\d+(?:\.\d+)?(ms|s|m|h|d))+$/;

/** Parses Prometheus-style durations ("500ms", "10s", "1h30m") into milliseconds. */
export function parseDuration(text: string): number | undefined {
  if (!WHOLE.test(text)) return undefined;
  let total = 0;
  for (const [, n, unit] of text.matchAll(PART)) total += Number(n) * UNIT_MS[unit!]!;
  return total;
}

/** A zod type for durations written as strings in YAML, yielding milliseconds. */
export const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like "10s", "500ms" or "1h30m", got "${value}"` });
    return z.NEVER;
  }
  return ms;
});
