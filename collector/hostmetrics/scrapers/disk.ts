import { readFile } from 'node:fs/promises';
import type { Metric } from '../../../core/model/index.ts';
import { sum, type Sample, type ScrapeContext } from './points.ts';

// diskstats counts 512-byte sectors whatever the device's real sector size (Documentation/block/stat).
const SECTOR_BYTES = 512;
// Loop devices are files already counted on their backing disk; ram and zram are memory.
const NOT_A_DISK = /^(loop|ram|zram)\d/;

/** system.disk.io: bytes read and written per block device since boot, from /proc/diskstats. */
export async function diskMetrics(ctx: ScrapeContext): Promise<Metric[]> {
  const text = await readFile(`${ctx.procRoot}/diskstats`, 'utf8');
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    // major minor name reads merged sectors_read ms writes merged sectors_written …
    const f = line.trim().split(/\s+/);
    const device = f[2];
    const read = Number(f[5]);
    const written = Number(f[9]);
    if (!device || NOT_A_DISK.test(device) || !Number.isFinite(read) || !Number.isFinite(written)) continue;
    samples.push({ value: read * SECTOR_BYTES, attributes: { 'system.device': device, 'disk.io.direction': 'read' } });
    samples.push({ value: written * SECTOR_BYTES, attributes: { 'system.device': device, 'disk.io.direction': 'write' } });
  }
  if (samples.length === 0) return [];
  return [sum(ctx, { name: 'system.disk.io', unit: 'By', description: 'Bytes read from and written to each disk.', integer: true, monotonic: true }, samples)];
}
