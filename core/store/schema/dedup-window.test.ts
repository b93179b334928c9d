import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type VigilConfig } from '../../config/index.ts';
import { ChdbStore } from '../chdb-store.ts';
import { schemaOptions } from '../create-store.ts';
import { migrate } from '../migrate.ts';
import { dedupWindowSize, reconcileDedupWindow } from './dedup-window.ts';

const config = (raw: Record<string, unknown>): VigilConfig => {
  const result = parseConfig(raw, {});
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config;
};

describe('dedup window sized from config', () => {
  it('is partitions × inserts per second × longest replay delay, at least 1000', () => {
    expect(dedupWindowSize({ partitions: 12, insertsPerSecondPerPartition: 5, longestReplayDelayMs: 600_000 })).toBe(36_000);
    expect(dedupWindowSize({ partitions: 1, insertsPerSecondPerPartition: 1, longestReplayDelayMs: 60_000 })).toBe(1000);
  });

  it('follows the Kafka partition count, the rate and the replay delay in config, or is set outright', () => {
    const kafka = (partitions: number, dedup: Record<string, unknown> = {}) =>
      schemaOptions(config({ bus: { kind: 'kafka', kafka: { brokers: ['127.0.0.1:9092'], partitions } }, store: { dedup } })).dedupWindow;
    expect(kafka(6)).toBe(18_000); // defaults: 5 inserts/s per partition, 10 min
    expect(kafka(24)).toBe(72_000);
    expect(kafka(6, { inserts_per_second: 2, max_replay_delay: '30m' })).toBe(21_600);
    expect(kafka(6, { window: 5000 })).toBe(5000);
    expect(schemaOptions(config({})).dedupWindow).toBe(3000); // embedded: one stream per table
    const bad = parseConfig({ store: { dedup: { max_replay_delay: 'soon', extra: 1 } } }, {});
    expect(bad.ok).toBe(false);
  });
});

describe('reconciling the window on tables that exist', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-dedup-window-'));
  const store = new ChdbStore({ path: dir });
  const windowOf = async (table: string) =>
    Number(/non_replicated_deduplication_window = (\d+)/.exec((await store.query<{ e: string }>('SELECT engine_full AS e FROM system.tables WHERE database = currentDatabase() AND name = {t:String}', { t: table }))[0]!.e)?.[1]);
  beforeAll(() => store.start());
  afterAll(async () => {
    await store.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('alters tables made with an older window, rollup targets included, and leaves them alone after', async () => {
    await migrate(store, { database: 'default', ttlDays: 7 });
    expect(await windowOf('otel_logs')).toBe(1000);
    await migrate(store, { database: 'default', ttlDays: 7, dedupWindow: 18_000 });
    for (const table of ['otel_logs', 'otel_metrics_sum', 'vigil_logs_1m', 'vigil_metrics_1m']) expect(await windowOf(table)).toBe(18_000);
    expect(await reconcileDedupWindow(store, { database: 'default', ttlDays: 7, dedupWindow: 18_000 })).toEqual([]);
    // A replay is still dropped, in the table and in the rollup.
    const row = { Timestamp: `${Date.now()}000000`, ServiceName: 'window', Body: 'b', ResourceAttributes: { 'host.name': 'h' } };
    await store.insertRows('otel_logs', [row], { dedupToken: 'w/0/0-0/otel_logs' });
    await store.insertRows('otel_logs', [row], { dedupToken: 'w/0/0-0/otel_logs' });
    const [n] = await store.query<{ n: string; r: string }>("SELECT (SELECT count() FROM otel_logs WHERE ServiceName = 'window') AS n, (SELECT sum(Count) FROM vigil_logs_1m WHERE ServiceName = 'window') AS r");
    expect([Number(n!.n), Number(n!.r)]).toEqual([1, 1]);
  });
});
