import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbStore } from './chdb-store.ts';

// chDB 3.4 hands the output a failed query wrote before failing to the session's next query.
const dir = mkdtempSync(join(tmpdir(), 'vigil-store-failed-'));
const store = new ChdbStore({ path: dir });
beforeAll(() => store.start());
afterAll(async () => {
  await store.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('a failed query leaves nothing behind', () => {
  it('rows written before an error do not show up in the next query', async () => {
    await expect(store.query('SELECT number, throwIf(number = 20000) AS t FROM numbers(100000) SETTINGS max_block_size = 1000')).rejects.toThrow(/throwIf/);
    expect(await store.query('SELECT 7 AS x')).toEqual([{ x: 7 }]);
  });

  it('a timed-out read-only query does not corrupt the next one, even one already queued', async () => {
    const slow = store.readOnlyQuery('SELECT count() AS value FROM numbers(100000000000)', { maxExecutionTimeMs: 500, maxResultRows: 10 });
    const next = store.readOnlyQuery('SELECT 1 AS value', { maxExecutionTimeMs: 5000, maxResultRows: 10 });
    await expect(slow).rejects.toThrow(/Timeout exceeded/);
    expect((await next).data).toEqual([{ value: 1 }]);
    expect(await store.query('SELECT 8 AS x')).toEqual([{ x: 8 }]);
  });
});
