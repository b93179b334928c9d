import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbStore } from '../chdb-store.ts';
import { AGGREGATE_COMBINATORS, AGGREGATE_FUNCTIONS, SCALAR_FUNCTIONS } from './allowed-functions.ts';
import { SYSTEM_TABLES, TABLE_FUNCTIONS } from './allowed-tables.ts';

// The allow-lists name things the engine has: a typo would silently refuse a function users need.
const dir = mkdtempSync(join(tmpdir(), 'vigil-allow-list-'));
const store = new ChdbStore({ path: dir });
beforeAll(() => store.start());
afterAll(async () => {
  await store.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

const names = async (sql: string) => new Set((await store.query<{ name: string }>(sql)).map((r) => r.name));
// Parser-made functions that system.functions does not list.
const SYNTAX = new Set(['lambda', 'exists', 'untuple', 'grouping']);

describe('the sandbox allow-lists', () => {
  it('name only functions, combinators, table functions and system tables the engine has', async () => {
    const functions = await names('SELECT name FROM system.functions');
    expect(SCALAR_FUNCTIONS.filter((f) => !functions.has(f) && !SYNTAX.has(f))).toEqual([]);
    expect(AGGREGATE_FUNCTIONS.filter((f) => !functions.has(f))).toEqual([]);
    const combinators = await names('SELECT name FROM system.aggregate_function_combinators');
    expect(AGGREGATE_COMBINATORS.filter((c) => !combinators.has(c))).toEqual([]);
    const tableFunctions = await names('SELECT name FROM system.table_functions');
    expect(TABLE_FUNCTIONS.filter((f) => !tableFunctions.has(f))).toEqual([]);
    const systemTables = await names("SELECT name FROM system.tables WHERE database = 'system'");
    expect(SYSTEM_TABLES.filter((t) => !systemTables.has(t))).toEqual([]);
  });

  it('keep out every function that reads files, reaches hosts or reads dictionaries', () => {
    const allowed = new Set([...SCALAR_FUNCTIONS, ...AGGREGATE_FUNCTIONS].map((f) => f.toLowerCase()));
    for (const f of ['file', 'url', 's3', 'dictGet', 'dictHas', 'joinGet', 'hasColumnInTable', 'catboostEvaluate', 'getSetting', 'aiGenerate', 'sleep']) {
      expect(allowed.has(f.toLowerCase()), f).toBe(false);
    }
  });
});
