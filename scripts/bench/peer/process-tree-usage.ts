import { readdirSync, readFileSync } from 'node:fs';
import { procUsage } from '../proc-usage.ts';

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
 */
export function processTreeUsage(pid: number): { cpuSeconds: number; peakRssMb: number; processes: number } {
  let cpuSeconds = 0;
  let peakRssMb = 0;
  let processes = 0;
  for (const p of tree(pid)) {
    try {
      const usage = procUsage(p);
      cpuSeconds += usage.cpuSeconds;
      peakRssMb += usage.peakRssMb;
      processes += 1;
    } catch {
      // exited between the listing and the read
    }
  }
  return { cpuSeconds, peakRssMb, processes };
}
