import { readFile } from 'node:fs/promises';
import type { Metric, NumberDataPoint } from '../../../core/model/index.ts';
import { point, sum, type ScrapeContext } from './points.ts';

const SECTOR_BYTES = 512;

/** system.disk.io (cumulative bytes read/written per device), from /proc/diskstats. */
export async function diskMetrics(ctx: ScrapeContext): Promise<Metric[]> {
  const text = await readFile(`${ctx.procRoot}/diskstats`, 'utf8');
  const points: NumberDataPoint[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    const device = f[2];
    // Loop and RAM devices are not disks; partitions are kept, as the Collector does.
    if (!device || /^(loop|ram|zram|dm-)/.test(device)) continue;
    points.push(point(Number(f[5]) * SECTOR_BYTES, { 'system.device': device, 'disk.io.direction': 'read' }, ctx, true));
    points.push(point(Number(f[9]) * SECTOR_BYTES, { 'system.device': device, 'disk.io.direction': 'write' }, ctx, true));
  }
  return points.length > 0 ? [sum('system.disk.io', 'By', points, true)] : [];
}

/** system.network.io (cumulative bytes per interface and direction), from /proc/net/dev. */
export async function networkMetrics(ctx: ScrapeContext): Promise<Metric[]> {
  const text = await readFile(`${ctx.procRoot}/net/dev`, 'utf8');
  const points: NumberDataPoint[] = [];
  for (const line of text.split('\n').slice(2)) {
    const [name, rest] = line.split(':');
    if (!name || rest === undefined) continue;
    const f = rest.trim().split(/\s+/).map(Number);
    const iface = name.trim();
    points.push(point(f[0] ?? 0, { 'network.interface.name': iface, 'network.io.direction': 'receive' }, ctx, true));
    points.push(point(f[8] ?? 0, { 'network.interface.name': iface, 'network.io.direction': 'transmit' }, ctx, true));
  }
  return points.length > 0 ? [sum('system.network.io', 'By', points, true)] : [];
}
