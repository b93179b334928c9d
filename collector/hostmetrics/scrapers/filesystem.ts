import { readFile, statfs } from 'node:fs/promises';
import type { Metric, NumberDataPoint } from '../../../core/model/index.ts';
import { gauge, point, sum, type ScrapeContext } from './points.ts';

// Kernel and container pseudo filesystems say nothing about disk space.
const PSEUDO = new Set([
  'proc', 'sysfs', 'devtmpfs', 'devpts', 'tmpfs', 'cgroup', 'cgroup2', 'mqueue', 'securityfs', 'debugfs', 'tracefs',
  'pstore', 'bpf', 'autofs', 'hugetlbfs', 'configfs', 'fusectl', 'binfmt_misc', 'nsfs', 'rpc_pipefs', 'overlay', 'squashfs', 'ramfs',
]);

/** system.filesystem.usage (bytes used/free) and utilization per real mounted filesystem. */
export async function filesystemMetrics(ctx: ScrapeContext): Promise<Metric[]> {
  const mounts = (await readFile(`${ctx.procRoot}/mounts`, 'utf8'))
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f.length >= 3)
    .map(([device, mountpoint, type]) => ({ device: device!, mountpoint: unescapeMount(mountpoint!), type: type! }));
  let real = mounts.filter((m) => !PSEUDO.has(m.type));
  // In a container everything may be overlay: report the root filesystem rather than nothing.
  if (real.length === 0) real = mounts.filter((m) => m.mountpoint === '/').slice(0, 1);
  const seen = new Set<string>();
  const usage: NumberDataPoint[] = [];
  const utilization: NumberDataPoint[] = [];
  for (const m of real) {
    if (seen.has(m.mountpoint)) continue;
    seen.add(m.mountpoint);
    let stats;
    try {
      stats = await statfs(m.mountpoint);
    } catch {
      continue; // unmounted or unreadable since /proc/mounts was read
    }
    const total = stats.blocks * stats.bsize;
    const free = stats.bavail * stats.bsize;
    const used = total - stats.bfree * stats.bsize;
    const labels = { 'system.device': m.device, 'system.filesystem.mountpoint': m.mountpoint, 'system.filesystem.type': m.type };
    usage.push(point(used, { ...labels, 'system.filesystem.state': 'used' }, ctx));
    usage.push(point(free, { ...labels, 'system.filesystem.state': 'free' }, ctx));
    utilization.push(point(total > 0 ? used / (used + free) : 0, labels, ctx));
  }
  return usage.length > 0 ? [sum('system.filesystem.usage', 'By', usage, false), gauge('system.filesystem.utilization', '1', utilization)] : [];
}

/** /proc/mounts escapes spaces and tabs as octal (\040). */
function unescapeMount(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
