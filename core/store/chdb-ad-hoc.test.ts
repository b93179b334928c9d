import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChdbStore } from './chdb-store.ts';
import type { QueryLimits } from './store.ts';

// Ad-hoc queries on their own sessions: cancelled in the engine on abort and at shutdown,
// queued ones included, and a cancelled query leaves nothing behind for the next one.
const SLOW = 'SELECT count() AS n FROM numbers(100000000000000)';
const adHoc = (signal?: AbortSignal): QueryLimits => ({ maxExecutionTimeMs: 30_000, maxResultRows: 10, maxThreads: 1, adHoc: true, signal });
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function startedStore(maxAdHocSessions: number): Promise<ChdbStore> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-adhoc-'));
  dirs.push(dir);
  const store = new ChdbStore({ path: dir, maxAdHocSessions });
  await store.start();
  return store;
}

describe('ad-hoc queries in the chDB store', () => {
  it('an aborted query is killed in the engine, and the next one on that session gets its own answer', async () => {
    const store = await startedStore(1);
    try {
      const controller = new AbortController();
      const slow = store.readOnlyQuery(SLOW, adHoc(controller.signal));
      await new Promise((r) => setTimeout(r, 800));
      const aborted = performance.now();
      controller.abort();
      await expect(slow).rejects.toThrow(/cancelled/);
      // One session only: this waits until the killed query has really ended and been drained.
      const next = await store.readOnlyQuery('SELECT 42 AS n', adHoc());
      expect(performance.now() - aborted).toBeLessThan(5000);
      expect(next.data).toEqual([{ n: 42 }]);
    } finally {
      await store.shutdown();
    }
  }, 30_000);

  it('shutdown cancels running and queued queries and returns within 5 s', async () => {
    const store = await startedStore(1);
    const running = store.readOnlyQuery(SLOW, adHoc());
    const queued = store.readOnlyQuery(SLOW, adHoc());
    // Handlers attached before shutdown: the queued query is refused during it, not after.
    const runningRefused = expect(running).rejects.toThrow(/cancel/i);
    const queuedRefused = expect(queued).rejects.toThrow(/shutting down/);
    await new Promise((r) => setTimeout(r, 800));
    const started = performance.now();
    await store.shutdown();
    expect(performance.now() - started).toBeLessThan(5000);
    await runningRefused;
    await queuedRefused;
    await expect(store.readOnlyQuery('SELECT 1', adHoc())).rejects.toThrow();
  }, 30_000);
});
