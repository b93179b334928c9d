import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Metric } from '../../../core/model/index.ts';
import { cpuMetrics, readCpuTimes, type CpuTimes } from './cpu.ts';
import { filesystemMetrics, realMounts, type Statfs } from './filesystem.ts';
import type { ScrapeContext } from './points.ts';

const FAKE_PROC = join(import.meta.dirname, '../testdata/proc');
const ctx: ScrapeContext = { procRoot: FAKE_PROC, timeNanos: '1763856000000000000', startNanos: '1762856000000000000' };

/** Points of a metric keyed by their attribute values joined with '|'. */
const values = (m: Metric | undefined) =>
  Object.fromEntries(
    (m?.gauge?.dataPoints ?? m?.sum?.dataPoints ?? []).map((p) => [
      (p.attributes ?? []).map((a) => a.value!.stringValue).join('|'),
      p.asDouble ?? Number(p.asInt),
    ]),
  );
const named = (metrics: Metric[], name: string) => metrics.find((m) => m.name === name);

describe('cpu', () => {
  const times = (over: Partial<CpuTimes>): CpuTimes => ({ user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0, ...over });

  it('reads seconds per mode and leaves guest time inside user', async () => {
    expect(await readCpuTimes(FAKE_PROC)).toEqual(times({ user: 10, system: 5, idle: 80, iowait: 3, softirq: 2 }));
  });

  it('shares the time between two readings, clamping counters that went backwards', () => {
    const before = times({ user: 10, system: 5, idle: 80, iowait: 3 });
    const after = times({ user: 13, system: 6, idle: 86, iowait: 2.5 }); // iowait fell: proc(5) allows it
    const util = values(named(cpuMetrics(ctx, after, before), 'system.cpu.utilization'));
    expect(util).toMatchObject({ user: 0.3, system: 0.1, idle: 0.6, iowait: 0 });
    expect(Object.values(util).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('falls back to since-boot shares when no tick passed between readings', () => {
    const same = times({ user: 25, idle: 75 });
    expect(values(named(cpuMetrics(ctx, same, same), 'system.cpu.utilization'))).toMatchObject({ user: 0.25, idle: 0.75, system: 0 });
  });
});

describe('filesystem', () => {
  const blocks: Record<string, { bsize: number; blocks: number; bfree: number; bavail: number }> = {
    '/': { bsize: 4096, blocks: 1000, bfree: 300, bavail: 250 },
    '/mnt': { bsize: 1024, blocks: 100, bfree: 100, bavail: 100 },
    '/srv/my data': { bsize: 4096, blocks: 10, bfree: 1, bavail: 1 },
  };
  const fakeStatfs: Statfs = async (path) => {
    const stats = blocks[path];
    if (!stats) throw new Error(`ENOENT: ${path}`);
    return stats;
  };

  it('reports real mounts only, the visible one per mountpoint, with df arithmetic', async () => {
    const metrics = await filesystemMetrics(ctx, fakeStatfs);
    expect(values(named(metrics, 'system.filesystem.usage'))).toEqual({
      '/dev/sda1|/|ext4|used': 700 * 4096,
      '/dev/sda1|/|ext4|free': 250 * 4096,
      '/dev/sdb1|/mnt|ext4|used': 0,
      '/dev/sdb1|/mnt|ext4|free': 100 * 1024,
      '/dev/mapper/vg-data|/srv/my data|xfs|used': 9 * 4096,
      '/dev/mapper/vg-data|/srv/my data|xfs|free': 4096,
    });
    expect(values(named(metrics, 'system.filesystem.utilization'))).toEqual({
      '/dev/sda1|/|ext4': 700 / 950,
      '/dev/sdb1|/mnt|ext4': 0,
      '/dev/mapper/vg-data|/srv/my data|xfs': 0.9,
    });
    expect(named(metrics, 'system.filesystem.usage')).toMatchObject({ unit: 'By', sum: { isMonotonic: false, aggregationTemporality: 2 } });
  });

  it('keeps the root filesystem when every mount is a pseudo one (a container on overlay)', () => {
    const mounts = 'overlay / overlay rw 0 0\nproc /proc proc rw 0 0\ntmpfs /dev tmpfs rw 0 0\ncgroup /sys/fs/cgroup/cpu cgroup rw 0 0\n';
    expect(realMounts(mounts)).toEqual([{ device: 'overlay', mountpoint: '/', type: 'overlay' }]);
    expect(realMounts('proc /proc proc rw 0 0\n')).toEqual([]);
  });
});
