import type { Store } from '../store.ts';
import type { SchemaOptions } from './render.ts';

/** A MergeTree setting vigil gives its tables: all of them, or those with skip indexes. */
export interface TableSetting {
  name: string;
  value: number;
  tables: 'all' | 'with skip indexes';
}

export const TABLE_SETTINGS: readonly TableSetting[] = [
  // Skip-index files smaller than this go into one `skp_idx.packed` file per part instead of an
  // index file and a marks file per index. otel_logs has eight skip indexes, so a small part had
  // 16 index files beside its 12 others, and creating files is most of what a small insert costs
  // the engine (on this project's machines ~0.8 ms of kernel time per file: README, Benchmarks).
  // Large indexes (of big merged parts) keep files of their own. The writer buffers each packed
  // stream up to this size: at most 2 × 256 KiB × 8 indexes = 4 MiB per part being written.
  { name: 'packed_skip_index_max_bytes', value: 262_144, tables: 'with skip indexes' },
  // Every merge into a wide part is vertical: the sort key columns first, then one column at a
  // time, instead of all ~25 columns' buffers at once (the engine's default waits for 131,072
  // rows). Merges were most of the engine's memory under ingest: chDB inserting 8,000-row blocks
  // grew 134–245 MB with merges, 31–39 MB with merges stopped, 73–102 MB with this, at the same
  // CPU per row.
  { name: 'vertical_merge_algorithm_min_rows_to_activate', value: 1, tables: 'all' },
];

/**
 * Brings every MergeTree table of vigil's database to TABLE_SETTINGS, for the settings the engine
 * knows (packed skip indexes need ClickHouse 26.7, the engine chDB 3.4 embeds; an older server
 * keeps its defaults for that one). They change only how new parts are written and merged, so
 * this is safe on tables with data. Tables already set are not altered: a start costs two queries.
 */
export async function reconcileTableSettings(store: Store, options: SchemaOptions, settings: readonly TableSetting[] = TABLE_SETTINGS): Promise<string[]> {
  const known = new Set(
    (await store.query<{ name: string }>('SELECT name FROM system.merge_tree_settings WHERE has({names:Array(String)}, name)', { names: settings.map((s) => s.name) })).map((r) => r.name),
  );
  const wanted = settings.filter((s) => known.has(s.name));
  if (wanted.length === 0) return [];
  const tables = await store.query<{ name: string; engine_full: string; skip_indexes: number | string }>(
    `SELECT name, engine_full, name IN (SELECT table FROM system.data_skipping_indices WHERE database = {db:String}) AS skip_indexes
     FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree' AND NOT is_temporary`,
    { db: options.database },
  );
  const altered: string[] = [];
  for (const { name, engine_full, skip_indexes } of tables) {
    const changes = wanted
      .filter((s) => s.tables === 'all' || Number(skip_indexes) === 1)
      .filter((s) => Number(new RegExp(`\\b${s.name} = (\\d+)`).exec(engine_full)?.[1] ?? NaN) !== s.value);
    if (changes.length === 0) continue;
    const onCluster = options.cluster ? ` ON CLUSTER \`${options.cluster}\`` : '';
    await store.exec(`ALTER TABLE \`${options.database}\`.\`${name}\`${onCluster} MODIFY SETTING ${changes.map((s) => `${s.name} = ${s.value}`).join(', ')}`);
    altered.push(name);
  }
  return altered;
}
