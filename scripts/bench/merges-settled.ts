import { threadCpu } from './thread-cpu.ts';

const MERGE_THREADS = 'MergeMutate';

const mergeSeconds = (pid: number) => threadCpu(pid).byName[MERGE_THREADS] ?? 0;

/**
 * Waits until the engine in process `pid` has stopped merging: its merge threads' CPU has not
 * grown for `quietMs`. Resolves with the moment (performance.now()) they last grew, or `since`
 * if they did not grow at all.
 *
 * Why: a burst of inserts ends before the merges it causes, and skip indexes are built during
 * merges (insert-settings.ts), so a rate measured to the last insert leaves work unpaid. A
 * sustained rate is only sustainable if merges keep up, so the benchmarks time both the
 * pipeline and the engine baseline to the end of their merges.
 */
export async function mergesSettled(pid: number, since: number, quietMs = 2000, pollMs = 100): Promise<number> {
  let last = mergeSeconds(pid);
  let grewAt = since;
  while (performance.now() - Math.max(grewAt, since) < quietMs) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    const now = mergeSeconds(pid);
    if (now > last) [last, grewAt] = [now, performance.now()];
  }
  return grewAt;
}
