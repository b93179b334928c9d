import { migrations as allMigrations, type Migration } from './migrations/index.ts';
import { reconcileDedupWindow } from './schema/dedup-window.ts';
import { reconcileTableSettings } from './schema/table-settings.ts';
import { qualified, renderTable, type SchemaOptions, type TableSpec } from './schema/render.ts';
import type { Store } from './store.ts';

const migrationsTable: TableSpec = {
  name: 'vigil_schema_migrations',
  // Replacing: two processes migrating at once both record a version; one row survives.
  engine: 'ReplacingMergeTree',
  columns: `
  version UInt32,
  name String,
  applied_at DateTime64(3) DEFAULT now64(3)`,
  keys: 'ORDER BY version',
};

export interface MigrationReport {
  applied: number[];
  alreadyApplied: number[];
}

/**
 * Brings the schema up to date. Safe to run again (a no-op) and safe when several processes
 * run it at once: every statement is IF NOT EXISTS and the version record is idempotent.
 */
export async function migrate(store: Store, options: SchemaOptions, migrations: Migration[] = allMigrations): Promise<MigrationReport> {
  const onCluster = options.cluster ? ` ON CLUSTER \`${options.cluster}\`` : '';
  if (options.database !== 'default') await store.exec(`CREATE DATABASE IF NOT EXISTS \`${options.database}\`${onCluster}`);
  await store.exec(renderTable(options, migrationsTable));
  const table = qualified(options, migrationsTable.name);
  const done = new Set((await store.query<{ version: number }>(`SELECT DISTINCT version FROM ${table}`)).map((r) => Number(r.version)));
  const report: MigrationReport = { applied: [], alreadyApplied: [] };
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(migration.version)) {
      report.alreadyApplied.push(migration.version);
      continue;
    }
    for (const statement of migration.statements(options)) await store.exec(statement);
    await store.query(`INSERT INTO ${table} (version, name) SELECT {version:UInt32}, {name:String}`, {
      version: migration.version,
      name: migration.name,
    });
    report.applied.push(migration.version);
  }
  // The window follows config (partitions, rate, replay delay), also for tables made before.
  await reconcileDedupWindow(store, options);
  // How new parts are written and merged (table-settings.ts), also on tables made before.
  await reconcileTableSettings(store, options);
  return report;
}

/** The DDL a migration run would execute, without running it (for review and tests). */
export function renderMigrations(options: SchemaOptions, migrations: Migration[] = allMigrations): string[] {
  return [renderTable(options, migrationsTable), ...migrations.flatMap((m) => m.statements(options))];
}
