import type { Store } from '../store.ts';
import type { SchemaOptions } from './render.ts';

/**
 * Skip-index files smaller than this are written into one `skp_idx.packed` file per part
 * instead of an index file and a marks file per index. otel_logs has eight skip indexes, so a
 * small part had 16 index files beside its 12 others; creating files is most of what a small
 * insert costs the engine (on this project's machines, ~1 ms of kernel time per file: see the
 * README's benchmarks). Large indexes (of big merged parts) stay in files of their own. The
 * writer buffers each packed stream up to this size, so the memory it adds is bounded by
 * 2 × this × indexes being written (4 MiB for otel_logs).
 */
export const PACKED_SKIP_INDEX_MAX_BYTES = 262_144;

const SETTING = 'packed_skip_index_max_bytes';

/**
 * Sets the packing threshold on every MergeTree table of vigil's database that has skip
 * indexes, where the engine knows the setting (ClickHouse 26.7, the version chDB 3.4 embeds;
 * an older server keeps its per-index files and is left alone). Only new parts follow it, so
 * it is safe on tables with data; tables already set are not altered, so a start costs two
 * queries.
 */
export async function reconcilePackedSkipIndexes(store: Store, options: SchemaOptions): Promise<string[]> {
  const known = await store.query<{ n: string }>('SELECT count() AS n FROM system.merge_tree_settings WHERE name = {name:String}', { name: SETTING });
  if (Number(known[0]?.n ?? 0) === 0) return [];
  const tables = await store.query<{ name: string; engine_full: string }>(
    `SELECT name, engine_full FROM system.tables
     WHERE database = {db:String} AND engine LIKE '%MergeTree' AND NOT is_temporary
       AND name IN (SELECT table FROM system.data_skipping_indices WHERE database = {db:String})`,
    { db: options.database },
  );
  const altered: string[] = [];
  const pattern = new RegExp(`\\b${SETTING} = (\\d+)`);
  for (const { name, engine_full } of tables) {
    if (Number(pattern.exec(engine_full)?.[1] ?? NaN) === PACKED_SKIP_INDEX_MAX_BYTES) continue;
    const onCluster = options.cluster ? ` ON CLUSTER \`${options.cluster}\`` : '';
    await store.exec(`ALTER TABLE \`${options.database}\`.\`${name}\`${onCluster} MODIFY SETTING ${SETTING} = ${PACKED_SKIP_INDEX_MAX_BYTES}`);
    altered.push(name);
  }
  return altered;
}
