import { readFile } from 'node:fs/promises';
import type { Metric } from '../../../core/model/index.ts';
import { gauge, point, sum, type ScrapeContext } from './points.ts';

const MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export type CpuTimes = Record<(typeof MODES)[number], number>;

export async function readCpuTimes(procRoot: string): Promise<CpuTimes> {
  const stat = await readFile(`${procRoot}/stat`, 'utf8');
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error(`${procRoot}/stat has no aggregate cpu line`);
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(MODES.map((mode, i) => [mode, (fields[i] ?? 0) / TICKS_PER_SECOND])) as CpuTimes;
}

/**
 * system.cpu.time (cumulative seconds per mode) and system.cpu.utilization (share of time per
 * mode since the previous scrape; since boot on the first one).
 */
export function cpuMetrics(now: CpuTimes, previous: CpuTimes | undefined, ctx: ScrapeContext): Metric[] {
  const delta = Object.fromEntries(MODES.map((m) => [m, now[m] - (previous?.[m] ?? 0)])) as CpuTimes;
  const total = MODES.reduce((n, m) => n + delta[m], 0);
  return [
    sum('system.cpu.time', 's', MODES.map((m) => point(now[m], { 'cpu.mode': m }, ctx, true)), true),
    gauge('system.cpu.utilization', '1', MODES.map((m) => point(total > 0 ? delta[m] / total : 0, { 'cpu.mode': m }, ctx))),
  ];
}
