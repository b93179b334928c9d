import { readdir } from 'node:fs/promises';
import type { Metric } from '../../../core/model/index.ts';
import { sum, type ScrapeContext } from './points.ts';

/**
 * system.process.count: the numeric directories of /proc, one per process. /proc/loadavg's
 * "3/123" looks like a process count but counts threads.
 */
export async function processMetrics(ctx: ScrapeContext): Promise<Metric[]> {
  const entries = await readdir(ctx.procRoot, { withFileTypes: true });
  const count = entries.filter((e) => e.isDirectory() && /^\d+$/.test(e.name)).length;
  return [sum(ctx, { name: 'system.process.count', unit: '{process}', description: 'Processes on the host.', integer: true, monotonic: false }, [{ value: count }])];
}
