import { readFile } from 'node:fs/promises';
import type { Metric } from '../../../core/model/index.ts';
import { gauge, point, sum, type ScrapeContext } from './points.ts';

/** Load averages and the process count, both from /proc/loadavg ("0.1 0.2 0.3 2/345 6789"). */
export async function loadMetrics(ctx: ScrapeContext): Promise<Metric[]> {
  const fields = (await readFile(`${ctx.procRoot}/loadavg`, 'utf8')).trim().split(/\s+/);
  const [one, five, fifteen] = fields.slice(0, 3).map(Number);
  const processes = Number(fields[3]?.split('/')[1] ?? 0);
  return [
    gauge('system.cpu.load_average.1m', '{thread}', [point(one ?? 0, {}, ctx)]),
    gauge('system.cpu.load_average.5m', '{thread}', [point(five ?? 0, {}, ctx)]),
    gauge('system.cpu.load_average.15m', '{thread}', [point(fifteen ?? 0, {}, ctx)]),
    sum('system.process.count', '{process}', [point(processes, {}, ctx)], false),
  ];
}
