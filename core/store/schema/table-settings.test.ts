import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbStore } from '../chdb-store.ts';
import { migrate } from '../migrate.ts';
import type { Store } from '../store.ts';
import { reconcileTableSettings } from './table-settings.ts';

const options = { database: 'default', ttlDays: 7 };

describe('table settings: skip indexes packed into one file and built when parts merge, vertical merges', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-packed-idx-'));
  const store = new ChdbStore({ path: dir });
  beforeAll(async () => {
    await store.start();
    await migrate(store, options);
  });
  afterAll(async () => {
    await store.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  const parts = () =>
    store.query<{ name: string; path: string; rows: string; idx: string }>(
      "SELECT name, path, rows, secondary_indices_uncompressed_bytes AS idx FROM system.parts WHERE database = currentDatabase() AND table = 'otel_logs' AND active ORDER BY name",
    );
  const found = async (token: string) =>
    Number((await store.query<{ n: string }>('SELECT count() AS n FROM otel_logs WHERE hasToken(Body, {t:String})', { t: token }))[0]!.n);

  it('packs skip indexes on every table that has them, merges vertically everywhere, and alters only once', async () => {
    const withSetting = async (setting: string) =>
      (await store.query<{ name: string }>(`SELECT name FROM system.tables WHERE database = currentDatabase() AND engine_full LIKE {s:String} ORDER BY name`, { s: `%${setting}%` })).map((t) => t.name);
    const packed = await withSetting('packed_skip_index_max_bytes = 262144');
    expect(packed).toEqual(expect.arrayContaining(['otel_logs', 'otel_traces', 'otel_metrics_gauge', 'otel_metrics_sum']));
    expect(packed).not.toContain('vigil_logs_1m'); // no skip indexes there
    expect(await withSetting('vertical_merge_algorithm_min_rows_to_activate = 1')).toEqual(expect.arrayContaining(['otel_logs', 'vigil_logs_1m', 'vigil_alerts']));
    expect(await reconcileTableSettings(store, options)).toEqual([]);
  });

  it('writes a small insert without per-index files, finds its rows, and indexes them when parts merge', async () => {
    const row = (i: number, body: string) => ({ Timestamp: `${Date.now()}00000${i}`, ServiceName: 'packed', Body: body, ResourceAttributes: { 'host.name': 'h' } });
    await store.insertRows('otel_logs', [row(1, 'GET /orders needleone'), row(2, 'POST /users')]);
    await store.insertRows('otel_logs', [row(3, 'GET /items needleone'), row(4, 'DELETE /x needletwo')]);
    const fresh = await parts();
    expect(fresh).toHaveLength(2);
    for (const part of fresh) {
      const files = readdirSync(part.path);
      // Before: 29 files (16 of them skip indexes); no index is built on insert now.
      expect(files.filter((f) => f.startsWith('skp_idx'))).toEqual([]);
      expect(Number(part.idx)).toBe(0);
    }
    expect([await found('needleone'), await found('needletwo'), await found('absent')]).toEqual([2, 1, 0]);

    await store.exec('OPTIMIZE TABLE otel_logs FINAL');
    const merged = await parts();
    expect(merged).toHaveLength(1);
    expect(Number(merged[0]!.rows)).toBe(4);
    expect(Number(merged[0]!.idx)).toBeGreaterThan(0);
    // The eight small indexes live in one packed file, not sixteen.
    expect(readdirSync(merged[0]!.path).filter((f) => f.startsWith('skp_idx'))).toEqual(['skp_idx.packed']);
    expect([await found('needleone'), await found('needletwo'), await found('absent')]).toEqual([2, 1, 0]);
    // The merged part's token index now rules out a word that is not there.
    const plan = (await store.query<{ explain: string }>("EXPLAIN indexes = 1 SELECT count() FROM otel_logs WHERE hasToken(Body, 'absent')")).map((r) => r.explain).join('\n');
    expect(plan).toMatch(/Name: idx_body[\s\S]*Granules: 0\/1/);
  });

  it('leaves tables alone for a setting the engine does not know', async () => {
    const older: Store = Object.create(store, {
      query: { value: (sql: string, params?: Record<string, unknown>) => (sql.includes('system.merge_tree_settings') ? Promise.resolve([]) : store.query(sql, params)) },
      exec: { value: () => Promise.reject(new Error('an older engine must not be altered')) },
    });
    expect(await reconcileTableSettings(older, options)).toEqual([]);
    // A setting the engine does not have is skipped; the rest still apply.
    expect(await reconcileTableSettings(store, options, [{ name: 'no_such_merge_tree_setting', value: 1, tables: 'all' }])).toEqual([]);
  });
});
