import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChdbStore, migrate, type Store } from '../../core/store/index.ts';

let shared: Promise<Store> | undefined;
let sharedDir: string | undefined;

/**
 * The embedded store rule tests run on: one per process, created on first use in a temp
 * directory and removed when the process exits. One per process because chDB allows only one
 * data directory per process at a time (and one process per directory); every test file and
 * test reuses it, truncating the tables between tests.
 */
export function ephemeralStore(): Promise<Store> {
  shared ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-test-'));
    sharedDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const store = new ChdbStore({ path: dir });
    await store.start();
    await migrate(store, { database: store.database, ttlDays: 30 });
    return store;
  })().catch((err: unknown) => {
    shared = undefined;
    throw err;
  });
  return shared;
}

/** Empties every data table (inputs, rollups, alert state and history); the schema stays. */
export async function truncateTables(store: Store): Promise<void> {
  const tables = await store.query<{ name: string }>(
    `SELECT name FROM system.tables
     WHERE database = {db:String} AND engine LIKE '%MergeTree' AND name != 'vigil_schema_migrations'`,
    { db: store.database },
  );
  for (const { name } of tables) await store.exec(`TRUNCATE TABLE \`${store.database}\`.\`${name}\``);
}

/**
 * Closes the ephemeral store and removes its directory. For test runners whose workers end
 * without an 'exit' event (vitest's forks); a CLI process cleans up at exit on its own.
 */
export async function closeEphemeralStore(): Promise<void> {
  const store = shared;
  const dir = sharedDir;
  shared = undefined;
  sharedDir = undefined;
  if (store) await (await store.catch(() => undefined))?.shutdown();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
