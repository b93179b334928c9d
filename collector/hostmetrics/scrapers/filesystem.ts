import { readFile, statfs as nodeStatfs } from 'node:fs/promises';
import type { Metric } from '../../../core/model/index.ts';
import { gauge, sum, type Sample, type ScrapeContext } from './points.ts';

/** The statfs(2) fields the usage figures need; injectable so tests get exact numbers. */
export type Statfs = (path: string) => Promise<{ bsize: number; blocks: number; bfree: number; bavail: number }>;

// Kernel, memory and container filesystems: their "disk space" is RAM, an image, or nothing.
const PSEUDO = new Set([
  'proc', 'sysfs', 'devtmpfs', 'devpts', 'tmpfs', 'ramfs', 'cgroup', 'cgroup2', 'mqueue', 'securityfs', 'debugfs',
  'tracefs', 'pstore', 'bpf', 'autofs', 'hugetlbfs', 'configfs', 'fusectl', 'binfmt_misc', 'nsfs', 'rpc_pipefs',
  'nfsd', 'efivarfs', 'selinuxfs', 'overlay', 'squashfs', 'fuse.lxcfs', 'fuse.gvfsd-fuse', 'fuse.portal',
]);

interface Mount {
  device: string;
  mountpoint: string;
  type: string;
}

/**
 * system.filesystem.usage (bytes used and free) and system.filesystem.utilization for each real
 * mounted filesystem. Free is what unprivileged users can still write, and utilization is
 * used / (used + free), the figure df shows as Use%.
 */
export async function filesystemMetrics(ctx: ScrapeContext, statfs: Statfs = nodeStatfs): Promise<Metric[]> {
  const mounts = realMounts(await readFile(`${ctx.procRoot}/mounts`, 'utf8'));
  const usage: Sample[] = [];
  const utilization: Sample[] = [];
  for (const m of mounts) {
    let stats;
    try {
      stats = await statfs(m.mountpoint);
    } catch {
      continue; // unmounted since /proc/mounts was read, or not ours to look at
    }
    const used = (stats.blocks - stats.bfree) * stats.bsize;
    const free = stats.bavail * stats.bsize;
    const labels = { 'system.device': m.device, 'system.filesystem.mountpoint': m.mountpoint, 'system.filesystem.type': m.type };
    usage.push({ value: used, attributes: { ...labels, 'system.filesystem.state': 'used' } });
    usage.push({ value: free, attributes: { ...labels, 'system.filesystem.state': 'free' } });
    utilization.push({ value: used + free > 0 ? used / (used + free) : 0, attributes: labels });
  }
  if (usage.length === 0) return [];
  return [
    sum(ctx, { name: 'system.filesystem.usage', unit: 'By', description: 'Bytes used and free on each filesystem.', integer: true, monotonic: false }, usage),
    gauge(ctx, { name: 'system.filesystem.utilization', unit: '1', description: 'Share of each filesystem in use.' }, utilization),
  ];
}

/** One entry per mountpoint, pseudo filesystems left out; the root filesystem if nothing else is left. */
export function realMounts(procMounts: string): Mount[] {
  // A later mount on the same point hides the earlier one, and statfs sees the later.
  const visible = new Map<string, Mount>();
  for (const line of procMounts.split('\n')) {
    const [device, mountpoint, type] = line.split(' ');
    if (device && mountpoint && type) visible.set(unescapeMount(mountpoint), { device, mountpoint: unescapeMount(mountpoint), type });
  }
  const real = [...visible.values()].filter((m) => !PSEUDO.has(m.type));
  if (real.length > 0) return real;
  // In a container the root is usually overlay: report it rather than no disk at all.
  const root = visible.get('/');
  return root ? [root] : [];
}

/** /proc/mounts escapes space, tab, newline and backslash as octal (\040). */
function unescapeMount(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
