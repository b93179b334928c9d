import { readFile } from 'node:fs/promises';
import type { Metric } from '../../../core/model/index.ts';
import { gauge, sum, type ScrapeContext } from './points.ts';

/** system.memory.usage (bytes) and system.memory.utilization by state, from /proc/meminfo. */
export async function memoryMetrics(ctx: ScrapeContext): Promise<Metric[]> {
  const text = await readFile(`${ctx.procRoot}/meminfo`, 'utf8');
  const bytes: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^(\w+):\s+(\d+)/.exec(line);
    if (match) bytes[match[1]!] = Number(match[2]) * 1024; // meminfo says kB and means KiB
  }
  const total = bytes.MemTotal;
  if (!total) throw new Error(`${ctx.procRoot}/meminfo: no MemTotal`);
  const free = bytes.MemFree ?? 0;
  const buffered = bytes.Buffers ?? 0;
  // Reclaimable slab is cache the kernel gives back under pressure; gopsutil, and so the
  // Collector, count it as cached rather than used.
  const cached = (bytes.Cached ?? 0) + (bytes.SReclaimable ?? 0);
  const states = { used: Math.max(0, total - free - buffered - cached), free, cached, buffered };
  const samples = (scale: number) =>
    Object.entries(states).map(([state, v]) => ({ value: v / scale, attributes: { 'system.memory.state': state } }));
  return [
    sum(ctx, { name: 'system.memory.usage', unit: 'By', description: 'Bytes of memory in each state.', integer: true, monotonic: false }, samples(1)),
    gauge(ctx, { name: 'system.memory.utilization', unit: '1', description: 'Share of memory in each state.' }, samples(total)),
  ];
}
