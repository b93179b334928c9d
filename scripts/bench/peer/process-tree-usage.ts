import { readdirSync, readFileSync } from 'node:fs';
import { procUsage } from '../proc-usage.ts';
import { threadCpu } from '../thread-cpu.ts';

/** A process and all its descendants (threads are already counted in their process). */
function tree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pids[i]}/task`);
    } catch {
      continue; // exited meanwhile
    }
    for (const task of tasks) {
      try {
        const children = readFileSync(`/proc/${pids[i]}/task/${task}/children`, 'utf8').trim();
        if (children) pids.push(...children.split(' ').map(Number));
      } catch {
        // the thread ended meanwhile
      }
    }
  }
  return pids;
}

/**
 * CPU seconds and peak RSS of a process together with its children: a collector that forks
 * receiver processes (a cluster) is charged for all of them, not only for its first PID. Peak
 * RSS is the sum of each process's own peak, an upper bound when the peaks were not at once.
 * mainThreadCpuSeconds is the part spent on the processes' main threads (for Node, the event loop).
 */
export function processTreeUsage(pid: number): { cpuSeconds: number; mainThreadCpuSeconds: number; peakRssMb: number; processes: number } {
  let cpuSeconds = 0;
  let mainThreadCpuSeconds = 0;
  let peakRssMb = 0;
  let processes = 0;
  for (const p of tree(pid)) {
    try {
      const usage = procUsage(p);
      cpuSeconds += usage.cpuSeconds;
      // The main thread runs the event loop; the rest is pool threads (gzip), GC and compilers.
      mainThreadCpuSeconds += threadCpu(p).byThread[String(p)]?.seconds ?? 0;
      peakRssMb += usage.peakRssMb;
      processes += 1;
    } catch {
      // exited between the listing and the read
    }
  }
  return { cpuSeconds, mainThreadCpuSeconds, peakRssMb, processes };
}
