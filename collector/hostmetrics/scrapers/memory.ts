import { readFile } from 'node:fs/promises';
import type { Metric } from '../../../core/model/index.ts';
import { gauge, point, sum, type ScrapeContext } from './points.ts';

/** system.memory.usage by state (bytes) and system.memory.utilization, from /proc/meminfo. */
export async function memoryMetrics(ctx: ScrapeContext): Promise<Metric[]> {
  const text = await readFile(`${ctx.procRoot}/meminfo`, 'utf8');
  const kb: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^(\w+):\s+(\d+)/.exec(line);
    if (match) kb[match[1]!] = Number(match[2]) * 1024;
  }
  const total = kb.MemTotal ?? 0;
  const free = kb.MemFree ?? 0;
  const buffered = kb.Buffers ?? 0;
  const cached = (kb.Cached ?? 0) + (kb.SReclaimable ?? 0);
  const states = { used: Math.max(0, total - free - buffered - cached), free, buffered, cached };
  return [
    sum('system.memory.usage', 'By', Object.entries(states).map(([state, v]) => point(v, { 'system.memory.state': state }, ctx)), false),
    gauge('system.memory.utilization', '1', Object.entries(states).map(([state, v]) => point(total > 0 ? v / total : 0, { 'system.memory.state': state }, ctx))),
  ];
}
