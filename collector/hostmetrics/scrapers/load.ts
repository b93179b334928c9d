import { readFile } from 'node:fs/promises';
import type { Metric } from '../../../core/model/index.ts';
import { gauge, type ScrapeContext } from './points.ts';

/** system.cpu.load_average.1m|5m|15m from /proc/loadavg ("0.50 0.25 0.10 3/123 4567"). */
export async function loadMetrics(ctx: ScrapeContext): Promise<Metric[]> {
  const text = await readFile(`${ctx.procRoot}/loadavg`, 'utf8');
  const averages = text.trim().split(/\s+/).slice(0, 3).map(Number);
  if (averages.length < 3 || averages.some((v) => !Number.isFinite(v))) throw new Error(`${ctx.procRoot}/loadavg: unexpected format`);
  return (['1m', '5m', '15m'] as const).map((window, i) =>
    gauge(ctx, { name: `system.cpu.load_average.${window}`, unit: '{thread}', description: `Average runnable and uninterruptible threads over ${window}.` }, [
      { value: averages[i]! },
    ]),
  );
}
