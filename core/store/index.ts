export type { Store, QueryLimits, QueryResult, InsertOptions, EncodedBlock } from './store.ts';
export { StoreError } from './store.ts';
export { ChdbStore } from './chdb-store.ts';
export { ClickHouseStore } from './clickhouse-store.ts';
export { createStore, schemaOptions } from './create-store.ts';
export { migrate, renderMigrations } from './migrate.ts';
export type { MigrationReport } from './migrate.ts';
export type { Migration } from './migrations/index.ts';
export type { SchemaOptions } from './schema/render.ts';
