import type { Store } from '../store.ts';
import type { SchemaOptions } from './render.ts';

/**
 * How many recent blocks each table remembers for deduplication. A replayed insert is dropped
 * only while its first attempt is still inside that window, so the window must hold every
 * block inserted into one table between a batch's first attempt and its latest possible replay:
 *
 *   window = partitions × inserts per second per partition × longest replay delay (s)
 *
 * Each planned Kafka batch inserts one block per table, so "inserts per second per partition" is
 * batches per second per partition. The longest replay delay is how long a batch can wait
 * between its first attempt and a replay: the group's session timeout, a processor restart,
 * a store outage the batch retries through. Too small a window turns a late replay into
 * duplicates; too large costs memory (and Keeper space for Replicated tables).
 */
export interface DedupWindowInputs {
  partitions: number;
  insertsPerSecondPerPartition: number;
  longestReplayDelayMs: number;
}

/** ClickHouse's own default; the window never goes below it. */
export const MIN_DEDUP_WINDOW = 1000;

export function dedupWindowSize(inputs: DedupWindowInputs): number {
  const blocks = inputs.partitions * inputs.insertsPerSecondPerPartition * (inputs.longestReplayDelayMs / 1000);
  return Math.max(MIN_DEDUP_WINDOW, Math.ceil(blocks));
}

/**
 * Tables created before the window changed keep their old setting: this brings every MergeTree
 * table of vigil's database to the configured window, altering only those that differ, so
 * running it at every start costs one query.
 */
export async function reconcileDedupWindow(store: Store, options: SchemaOptions): Promise<string[]> {
  if (options.dedupWindow === undefined) return [];
  const setting = options.cluster ? 'replicated_deduplication_window' : 'non_replicated_deduplication_window';
  const tables = await store.query<{ name: string; engine_full: string }>(
    "SELECT name, engine_full FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree' AND NOT is_temporary",
    { db: options.database },
  );
  const altered: string[] = [];
  const pattern = new RegExp(`\\b${setting} = (\\d+)`);
  for (const { name, engine_full } of tables) {
    const current = Number(pattern.exec(engine_full)?.[1] ?? NaN);
    if (current === options.dedupWindow) continue;
    const onCluster = options.cluster ? ` ON CLUSTER \`${options.cluster}\`` : '';
    await store.exec(`ALTER TABLE \`${options.database}\`.\`${name}\`${onCluster} MODIFY SETTING ${setting} = ${options.dedupWindow}`);
    altered.push(name);
  }
  return altered;
}
