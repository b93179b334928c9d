import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbStore } from './chdb-store.ts';
import { migrate } from './migrate.ts';
import { migrations } from './migrations/index.ts';
import type { SchemaOptions } from './schema/render.ts';

const options: SchemaOptions = { database: 'default', ttlDays: 7 };
const dir = mkdtempSync(join(tmpdir(), 'vigil-store-'));
const store = new ChdbStore({ path: dir });

// Recent: rows already past the table TTL are dropped at insert.
const NOW_NANOS = `${Date.now()}123456`;
const logRow = (body: string, severity = 'INFO') => ({
  Timestamp: NOW_NANOS,
  TraceId: '',
  SpanId: '',
  TraceFlags: 0,
  SeverityText: severity,
  SeverityNumber: 9,
  ServiceName: 'checkout',
  Body: body,
  ResourceSchemaUrl: '',
  ResourceAttributes: { 'host.name': 'node-1', 'service.name': 'checkout' },
  ScopeSchemaUrl: '',
  ScopeName: '',
  ScopeVersion: '',
  ScopeAttributes: {},
  LogAttributes: {},
});

beforeAll(async () => {
  await store.start();
});
afterAll(async () => {
  await store.shutdown();
  await store.shutdown(); // idempotent
  rmSync(dir, { recursive: true, force: true });
});

describe('migrations', () => {
  it('creates the exporter tables and rollups, and a second run is a no-op', async () => {
    // Every migration there is, in order: the list grows as migrations are appended.
    const versions = migrations.map((m) => m.version).sort((a, b) => a - b);
    const first = await migrate(store, options);
    expect(first.applied).toEqual(versions);
    const tables = (await store.query<{ name: string }>("SELECT name FROM system.tables WHERE database = 'default' ORDER BY name")).map((r) => r.name);
    expect(tables).toEqual(
      expect.arrayContaining([
        'otel_logs',
        'otel_traces',
        'otel_metrics_gauge',
        'otel_metrics_sum',
        'otel_metrics_histogram',
        'otel_metrics_exponential_histogram',
        'otel_metrics_summary',
        'vigil_logs_1m',
        'vigil_metrics_1m',
        'vigil_schema_migrations',
      ]),
    );
    const second = await migrate(store, options);
    expect(second).toEqual({ applied: [], alreadyApplied: versions });
  });

  it('two migrators racing on one store end with one schema and no error', async () => {
    const other = { ...options, database: 'race' };
    const results = await Promise.all([migrate(store, other), migrate(store, other)]);
    expect(results.every((r) => r.applied.length + r.alreadyApplied.length === migrations.length)).toBe(true);
    const versions = await store.query<{ version: number }>('SELECT version FROM race.vigil_schema_migrations FINAL ORDER BY version');
    expect(versions.map((v) => Number(v.version))).toEqual(migrations.map((m) => m.version).sort((a, b) => a - b));
    const [{ n }] = await store.query<{ n: number }>("SELECT count() AS n FROM system.tables WHERE database = 'race' AND name LIKE 'otel_%'");
    expect(Number(n)).toBe(7);
  });

  it('every MergeTree table an insert reaches carries a dedup window', async () => {
    const rows = await store.query<{ name: string; engine_full: string }>(
      "SELECT name, engine_full FROM system.tables WHERE database = 'default' AND engine LIKE '%MergeTree'",
    );
    expect(rows.length).toBeGreaterThanOrEqual(10);
    for (const row of rows) expect(row.engine_full, row.name).toContain('non_replicated_deduplication_window = 1000');
  });

  it('the otel_logs columns have the exporter names and types', async () => {
    const cols = await store.query<{ name: string; type: string }>(
      "SELECT name, type FROM system.columns WHERE database = 'default' AND table = 'otel_logs' ORDER BY position",
    );
    expect(cols.slice(0, 4)).toEqual([
      { name: 'Timestamp', type: 'DateTime64(9)' },
      { name: 'TimestampTime', type: 'DateTime' },
      { name: 'TraceId', type: 'String' },
      { name: 'SpanId', type: 'String' },
    ]);
    expect(cols.find((c) => c.name === 'LogAttributes')?.type).toBe('Map(LowCardinality(String), String)');
  });
});

describe('inserts', () => {
  it('a replayed insert with the same dedup token is counted once, rollups included', async () => {
    const rows = [logRow('a'), logRow('b', 'ERROR'), logRow('c')];
    await store.insertRows('otel_logs', rows, { dedupToken: 'otlp_logs-0-0-2' });
    await store.insertRows('otel_logs', rows, { dedupToken: 'otlp_logs-0-0-2' });
    const [raw] = await store.query<{ n: string }>("SELECT count() AS n FROM otel_logs WHERE ServiceName = 'checkout'");
    expect(Number(raw!.n)).toBe(3);
    const [rollup] = await store.query<{ n: string }>("SELECT sum(Count) AS n FROM vigil_logs_1m WHERE ServiceName = 'checkout'");
    expect(Number(rollup!.n)).toBe(3);
    const bySeverity = await store.query<{ SeverityText: string; n: string }>(
      "SELECT SeverityText, sum(Count) AS n FROM vigil_logs_1m WHERE HostName = 'node-1' GROUP BY SeverityText ORDER BY SeverityText",
    );
    expect(bySeverity.map((r) => [r.SeverityText, Number(r.n)])).toEqual([['ERROR', 1], ['INFO', 2]]);
  });

  it('keeps nanosecond timestamps exact', async () => {
    const [row] = await store.query<{ ns: string }>("SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ns FROM otel_logs WHERE Body = 'a'");
    expect(row!.ns).toBe(NOW_NANOS);
  });

  it('a bad row fails the insert with a permanent error', async () => {
    await expect(store.insertRows('otel_logs', [{ Timestamp: 'not a time' }])).rejects.toMatchObject({ retryable: false });
  });
});

describe('readOnlyQuery', () => {
  const limits = { maxExecutionTimeMs: 10_000, maxResultRows: 1000 };

  it('answers SELECT, SHOW and DESCRIBE', async () => {
    const result = await store.readOnlyQuery('SELECT Body FROM otel_logs ORDER BY Body', limits);
    expect(result.data.map((r) => r.Body)).toEqual(['a', 'b', 'c']);
    expect(result.meta).toEqual([{ name: 'Body', type: 'String' }]);
    expect((await store.readOnlyQuery('SHOW TABLES', limits)).rows).toBeGreaterThan(5);
    expect((await store.readOnlyQuery('DESCRIBE TABLE otel_logs', limits)).rows).toBeGreaterThan(10);
  });

  it.each([
    ['INSERT INTO otel_logs (Body) VALUES (1)'],
    ["INSERT INTO otel_logs (Body) SELECT 'x'"],
    ['ALTER TABLE otel_logs DELETE WHERE 1'],
    ['DROP TABLE otel_logs'],
    ['TRUNCATE TABLE otel_logs'],
    ['SYSTEM STOP MERGES'],
    ['KILL QUERY WHERE 1'],
    ['SELECT 1; DROP TABLE otel_logs'],
    ['SELECT * FROM (SELECT * FROM file(\'/etc/hostname\', \'LineAsString\') SETTINGS readonly = 0)'],
    ['SELECT 1 SETTINGS readonly = 0'],
    ['SELECT * FROM file(\'/etc/hostname\', \'LineAsString\')'],
    ['SELECT 1 FORMAT CSV'],
    ["SELECT 1 INTO OUTFILE '/tmp/vigil-outfile'"],
    [''],
  ])('refuses %j and leaves the data intact', async (sql) => {
    await expect(store.readOnlyQuery(sql, limits)).rejects.toMatchObject({ retryable: false });
    const [row] = await store.query<{ n: string }>('SELECT count() AS n FROM otel_logs');
    expect(Number(row!.n)).toBe(3);
  });

  it('enforces the row limit', async () => {
    await expect(store.readOnlyQuery('SELECT number FROM numbers(5000)', { ...limits, maxResultRows: 100 })).rejects.toThrow(/limit/i);
  });
});

describe('a second process on the same data directory', () => {
  it('is refused with a message that says why', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = `import { ChdbStore } from ${JSON.stringify(new URL('./chdb-store.ts', import.meta.url).pathname)};
      try { await new ChdbStore({ path: ${JSON.stringify(dir)} }).start(); console.log('opened'); } catch (e) { console.log(e.message); }`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.stdout).toMatch(/in use by another vigil process/);
  });
});

describe('identical batches without a token', () => {
  it('are both kept: only token-carrying replays are deduplicated', async () => {
    const store2 = store;
    const rows = [{ ...logRow('twin'), Timestamp: NOW_NANOS }];
    await store2.insertRows('otel_logs', rows);
    await store2.insertRows('otel_logs', rows);
    const [row] = await store2.query<{ n: string }>("SELECT count() AS n FROM otel_logs WHERE Body = 'twin'");
    expect(Number(row!.n)).toBe(2);
  });
});

describe('insert spool files', () => {
  it('never write through a file planted at a spool name, and the insert goes on under a new name', async () => {
    await migrate(store, options, migrations);
    const spoolDir = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    const target = join(dir, 'victim.txt');
    writeFileSync(target, 'untouched');
    // Symlinks at the next spool names of this process (vigil-<pid>-<n>.rowbinary).
    const planted: string[] = [];
    for (let n = 1; n <= 400; n++) {
      const path = join(spoolDir, `vigil-${process.pid}-${n}.rowbinary`);
      if (existsSync(path)) continue;
      symlinkSync(target, path);
      planted.push(path);
    }
    try {
      let error: unknown;
      for (let attempt = 0; attempt < 500; attempt++) {
        try {
          await store.insertRows('otel_logs', [logRow('spool-planted')]);
          error = undefined;
          break;
        } catch (err) {
          error = err;
          // Each refusal is a retryable store error naming the file; the caller's retry moves on.
          expect(err).toMatchObject({ name: 'StoreError', retryable: true, message: expect.stringContaining('spool file') });
        }
      }
      expect(error).toBeUndefined();
      expect(readFileSync(target, 'utf8')).toBe('untouched');
      // The planted links were left alone, not removed as if they were vigil's.
      expect(planted.filter((p) => !lstatSync(p, { throwIfNoEntry: false })?.isSymbolicLink())).toEqual([]);
      const [row] = await store.query<{ n: string }>("SELECT count() AS n FROM otel_logs WHERE Body = 'spool-planted'");
      expect(Number(row!.n)).toBe(1);
    } finally {
      for (const p of planted) unlinkSync(p);
    }
  });
});
