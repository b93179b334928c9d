import { readFile } from 'node:fs/promises';
import type { Metric } from '../../../core/model/index.ts';
import { gauge, sum, type ScrapeContext } from './points.ts';

// The first eight columns of /proc/stat's cpu line. guest and guest_nice follow, but the
// kernel already counts them inside user and nice: adding them would count guest time twice.
const MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
// /proc/stat counts USER_HZ ticks, which the kernel fixes at 100 for userspace on Linux.
const TICKS_PER_SECOND = 100;

export type CpuTimes = Record<(typeof MODES)[number], number>;

/** Seconds per mode since boot, summed over all CPUs. */
export async function readCpuTimes(procRoot: string): Promise<CpuTimes> {
  const stat = await readFile(`${procRoot}/stat`, 'utf8');
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  const fields = line?.trim().split(/\s+/).slice(1, 1 + MODES.length).map(Number) ?? [];
  if (fields.length < 4 || fields.some((f) => !Number.isFinite(f))) throw new Error(`${procRoot}/stat: no readable aggregate cpu line`);
  return Object.fromEntries(MODES.map((mode, i) => [mode, (fields[i] ?? 0) / TICKS_PER_SECOND])) as CpuTimes;
}

/**
 * system.cpu.time (seconds per mode since boot) and system.cpu.utilization (each mode's share of
 * the time since `previous`). Without a previous reading, or when no tick has passed since it,
 * the shares are since boot, so every scrape reports shares that sum to 1.
 */
export function cpuMetrics(ctx: ScrapeContext, current: CpuTimes, previous?: CpuTimes): Metric[] {
  // iowait can go backwards (proc(5) calls it unreliable); a negative share is meaningless.
  const delta = (m: keyof CpuTimes) => Math.max(0, current[m] - (previous?.[m] ?? 0));
  const deltaTotal = MODES.reduce((n, m) => n + delta(m), 0);
  const share: (m: keyof CpuTimes) => number =
    previous && deltaTotal > 0 ? (m) => delta(m) / deltaTotal : (m) => current[m] / Math.max(1e-9, MODES.reduce((n, k) => n + current[k], 0));
  return [
    sum(ctx, { name: 'system.cpu.time', unit: 's', description: 'Seconds each logical CPU spent in each mode, summed over CPUs.', monotonic: true },
      MODES.map((m) => ({ value: current[m], attributes: { 'cpu.mode': m } }))),
    gauge(ctx, { name: 'system.cpu.utilization', unit: '1', description: 'Share of CPU time spent in each mode since the previous scrape.' },
      MODES.map((m) => ({ value: share(m), attributes: { 'cpu.mode': m } }))),
  ];
}
