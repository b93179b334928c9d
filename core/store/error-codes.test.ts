import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbStore } from './chdb-store.ts';
import { classifyCode } from './error-codes.ts';
import { insertSettings, insertSettingsClause } from './insert-settings.ts';

describe('the one table of engine codes', () => {
  it.each([
    [241, 'write', 'retryable'], // MEMORY_LIMIT_EXCEEDED: memory pressure passes
    [241, 'read', 'retryable'],
    [159, 'write', 'retryable'], // TIMEOUT_EXCEEDED
    [209, 'write', 'retryable'], // SOCKET_TIMEOUT
    [252, 'write', 'retryable'], // TOO_MANY_PARTS
    [60, 'write', 'retryable'], // UNKNOWN_TABLE while ON CLUSTER DDL propagates
    [81, 'write', 'retryable'], // UNKNOWN_DATABASE likewise
    [60, 'read', 'permanent'], // a user's query naming a missing table
    [81, 'read', 'permanent'],
    [undefined, 'write', 'retryable'], // no code: connection refused, reset
    [123456, 'write', 'retryable'], // a code we do not know
    [62, 'write', 'permanent'], // SYNTAX_ERROR
    [27, 'write', 'permanent'], // CANNOT_PARSE_INPUT_ASSERTION_FAILED
    [53, 'write', 'permanent'], // TYPE_MISMATCH
    [6, 'write', 'permanent'], // CANNOT_PARSE_TEXT
    [164, 'read', 'permanent'], // READONLY
    [396, 'read', 'permanent'], // result too large
  ] as const)('code %s on a %s is %s', (code, kind, expected) => {
    expect(classifyCode(code, kind)).toBe(expected);
  });

  it('gives both stores the same insert settings, dedup off without a token', () => {
    expect(insertSettings()).toEqual({ async_insert: 0, deduplicate_insert: 'disable', deduplicate_blocks_in_dependent_materialized_views: 1, materialize_skip_indexes_on_insert: 0 });
    expect(insertSettings({ dedupToken: "t/0/1-2/x'y" })).toMatchObject({ deduplicate_insert: 'enable', insert_deduplication_token: "t/0/1-2/x'y" });
    expect(insertSettingsClause({ dedupToken: "a'b" })).toContain("insert_deduplication_token = 'a\\'b'");
    expect(JSON.stringify(insertSettings({ dedupToken: 'x' }))).not.toContain('insert_deduplicate"');
  });
});

describe('failures of the real engine, classified', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-error-codes-'));
  const store = new ChdbStore({ path: dir });
  beforeAll(async () => {
    await store.start();
    await store.exec('CREATE TABLE IF NOT EXISTS codes_t (n UInt64) ENGINE = MergeTree ORDER BY n');
  });
  afterAll(async () => {
    await store.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('memory limit exceeded on an insert is retryable (code 241)', async () => {
    const failure = store.exec('INSERT INTO codes_t SELECT number FROM numbers(2000000) ORDER BY number DESC SETTINGS max_memory_usage = 1000');
    await expect(failure).rejects.toMatchObject({ code: 241, retryable: true });
  });

  it('an insert into a table that is not there yet is retryable (code 60)', async () => {
    await expect(store.insertRows('codes_not_yet', [{ n: 1 }])).rejects.toMatchObject({ code: 60, retryable: true });
    await expect(store.exec('INSERT INTO codes_not_yet VALUES (1)')).rejects.toMatchObject({ code: 60, retryable: true });
  });

  it('a query naming a missing table or database is permanent, a syntax error too', async () => {
    await expect(store.query('SELECT * FROM codes_missing')).rejects.toMatchObject({ code: 60, retryable: false });
    await expect(store.query('SELECT * FROM nodb.codes_missing')).rejects.toMatchObject({ code: 81, retryable: false });
    await expect(store.exec('INSERT INTO codes_t VALUE (1')).rejects.toMatchObject({ code: 62, retryable: false });
  });
});
