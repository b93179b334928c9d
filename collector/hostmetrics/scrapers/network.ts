import { readFile } from 'node:fs/promises';
import type { Metric } from '../../../core/model/index.ts';
import { sum, type Sample, type ScrapeContext } from './points.ts';

// After "iface:", /proc/net/dev has 8 receive columns then 8 transmit ones; bytes come first in each.
const RECEIVE_BYTES = 0;
const TRANSMIT_BYTES = 8;

/** system.network.io: bytes received and transmitted per interface since boot, from /proc/net/dev. */
export async function networkMetrics(ctx: ScrapeContext): Promise<Metric[]> {
  const text = await readFile(`${ctx.procRoot}/net/dev`, 'utf8');
  const samples: Sample[] = [];
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    const received = f[RECEIVE_BYTES];
    const transmitted = f[TRANSMIT_BYTES];
    if (!name || !Number.isFinite(received) || !Number.isFinite(transmitted)) continue;
    samples.push({ value: received!, attributes: { 'network.interface.name': name, 'network.io.direction': 'receive' } });
    samples.push({ value: transmitted!, attributes: { 'network.interface.name': name, 'network.io.direction': 'transmit' } });
  }
  if (samples.length === 0) return [];
  return [sum(ctx, { name: 'system.network.io', unit: 'By', description: 'Bytes received and transmitted on each network interface.', integer: true, monotonic: true }, samples)];
}
