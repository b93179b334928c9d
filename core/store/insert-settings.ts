import type { InsertOptions } from './store.ts';

/**
 * The settings every vigil insert carries, in both stores (ClickHouseStore sends them as URL
 * parameters, ChdbStore as a SETTINGS clause), so the two behave the same.
 */
export function insertSettings(options: InsertOptions = {}): Record<string, string | number> {
  const token = options.dedupToken;
  return {
    // vigil batches itself and needs "acknowledged" to mean "written"; the engine's
    // async-insert buffer would add latency and a second dedup mechanism.
    async_insert: 0,
    // With a dedup window on the table, ClickHouse 26.x drops any block whose content hashes
    // like a recent one, token or not: two identical but distinct batches must both be kept, so
    // dedup is on only for inserts that carry a token (replays). 26.x governs this with
    // deduplicate_insert; the older insert_deduplicate=0 is ignored (FIELD-NOTES).
    deduplicate_insert: token ? 'enable' : 'disable',
    // A replay dropped in the table must be dropped in the rollups fed from it too.
    deduplicate_blocks_in_dependent_materialized_views: 1,
    // Skip indexes are built when parts merge, not on every insert: small inserted parts merge
    // within seconds, so indexes built for them were thrown away, and their files (two per
    // index) were a third of the files each insert created. A part not yet merged is small
    // and read whole; merged parts carry every index (materialize_skip_indexes_on_merge).
    materialize_skip_indexes_on_insert: 0,
    ...(token ? { insert_deduplication_token: token } : {}),
  };
}

/** The same settings as a SETTINGS clause body, values quoted as ClickHouse literals. */
export function insertSettingsClause(options: InsertOptions = {}): string {
  return Object.entries(insertSettings(options))
    .map(([name, value]) => `${name} = ${typeof value === 'number' ? value : `'${value.replace(/[\\']/g, '\\$&')}'`}`)
    .join(', ');
}
