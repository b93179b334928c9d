import { lstatSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

const SPOOL_NAME = /^vigil-(\d+)-\d+\.rowbinary$/;
/**
 * A spool file lives for one insert (seconds). Only older ones are swept: a pid that looks dead
 * may belong to a vigil in another pid namespace sharing this directory, mid-insert.
 */
const MIN_AGE_MS = 10 * 60_000;

/**
 * Removes insert spool files (`vigil-<pid>-<n>.rowbinary`) left in `dir` by vigil processes that
 * died between writing and removing them: in /dev/shm they hold RAM until reboot. Only regular
 * files of this user, at least 10 minutes old, whose process is gone; links, other users' files
 * and live processes' files are left alone. Returns how many were removed.
 */
export function sweepSpoolFiles(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  const uid = process.getuid?.();
  let removed = 0;
  for (const name of names) {
    const pid = SPOOL_NAME.exec(name)?.[1];
    if (!pid || alive(Number(pid))) continue;
    const path = join(dir, name);
    try {
      const stat = lstatSync(path);
      if (!stat.isFile() || (uid !== undefined && stat.uid !== uid) || Date.now() - stat.mtimeMs < MIN_AGE_MS) continue;
      unlinkSync(path);
      removed += 1;
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
  return removed;
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user's process.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
