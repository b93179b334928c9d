import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * CPU (user + kernel, microseconds) to create one empty file in a new directory under `parent`,
 * as the engine does for every part it writes (a part is a directory of ~12 files).
 *
 * Printed beside every engine figure because on these machines it is not a constant: the root
 * file system is ext4 without a journal, where the inode allocator skips inodes deleted in the
 * last 60 s (360 s while their inode-table block is dirty) and checks each candidate in the
 * buffer cache. In a block group with heavy churn (/tmp, where tests and benchmarks create and
 * delete data directories all day, and any data directory the engine has been merging in for a
 * few minutes) one file costs 0.2–1 ms of kernel CPU; in a quiet one ~15 µs; on tmpfs ~10 µs.
 * The same insert then costs twice the engine CPU from one minute to the next. A journaled ext4
 * or xfs, as servers run, has no such check.
 */
export function fileCreateMicros(parent: string, directories = 8, filesPerDirectory = 12): number {
  const root = mkdtempSync(join(parent, 'vigil-fs-probe-'));
  try {
    const before = process.cpuUsage();
    for (let d = 0; d < directories; d++) {
      const dir = join(root, `part-${d}`);
      mkdirSync(dir);
      for (let f = 0; f < filesPerDirectory; f++) writeFileSync(join(dir, `f${f}`), '');
    }
    const used = process.cpuUsage(before);
    return Math.round((used.user + used.system) / (directories * filesPerDirectory));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
