/**
 * The time range every page shows, kept in the URL (`from`, `to`) so a link shows the same view:
 * relative (`now-1h`, `now`) or absolute (epoch milliseconds).
 */

export interface TimeRange {
  from: string;
  to: string;
  fromMs: number;
  toMs: number;
  /** Seconds per chart bucket: about 120 points over the range, never below one minute for rollups. */
  stepSeconds: number;
}

export const PRESETS: Array<[label: string, from: string]> = [
  ['Last 15m', 'now-15m'],
  ['Last 30m', 'now-30m'],
  ['Last 1h', 'now-1h'],
  ['Last 6h', 'now-6h'],
  ['Last 24h', 'now-24h'],
  ['Last 7d', 'now-7d'],
];

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const NICE_STEPS = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

export function resolveTime(value: string, now: number): number | undefined {
  if (value === 'now') return now;
  const relative = /^now-(\d+)([smhd])$/.exec(value);
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2]!]!;
  if (/^\d{10,14}$/.test(value)) return Number(value);
  const parsed = Date.parse(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

export function timeRange(params: URLSearchParams, now = Date.now(), minStep = 1): TimeRange {
  const from = params.get('from') ?? 'now-1h';
  const to = params.get('to') ?? 'now';
  let fromMs = resolveTime(from, now) ?? now - 3_600_000;
  let toMs = resolveTime(to, now) ?? now;
  if (toMs <= fromMs) [fromMs, toMs] = [toMs - 60_000, fromMs];
  const wanted = (toMs - fromMs) / 1000 / 120;
  const stepSeconds = Math.max(minStep, NICE_STEPS.find((s) => s >= wanted) ?? 86400);
  return { from, to, fromMs, toMs, stepSeconds };
}

/** The bound parameters every page query takes for its range. */
export function rangeParams(range: TimeRange): { from_ms: number; to_ms: number; step: number } {
  return { from_ms: Math.floor(range.fromMs), to_ms: Math.ceil(range.toMs), step: range.stepSeconds };
}
