import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbStore, migrate, renderMigrations } from '../core/store/index.ts';
import { migrations } from '../core/store/migrations/index.ts';
import { MATERIALIZED_RESOURCE_KEYS } from '../core/store/schema/otel-logs-2026.ts';
import { tempDir } from './support/vigil-process.ts';

// A store created by an older vigil (migrations before 0008, rows without EventName) is
// upgraded in place: columns appear, old rows stay readable, new rows carry EventName, the
// keys Grafana's OTel mode relies on (TimestampTime) are untouched.
const dir = tempDir('schema-upgrade');
const store = new ChdbStore({ path: dir });
const options = { database: 'default', ttlDays: 3650 };
const goldenLogs = () =>
  (JSON.parse(readFileSync(join(import.meta.dirname, '../core/model/testdata/logs.rows.json'), 'utf8')) as Array<{ rows: Array<Record<string, unknown>> }>)[0]!.rows;

const columnsOf = async (table: string) =>
  (await store.query<{ name: string; default_kind: string }>(
    'SELECT name, default_kind FROM system.columns WHERE database = {db:String} AND table = {t:String}',
    { db: 'default', t: table },
  )).reduce((m, c) => m.set(c.name, c.default_kind), new Map<string, string>());

let firstReport: Awaited<ReturnType<typeof migrate>>;

beforeAll(async () => {
  await store.start();
  await migrate(store, options, migrations.filter((m) => m.version < 8));
  // An old row: what vigil wrote before EventName existed, with a Kubernetes resource.
  const { EventName: _dropped, ...old } = goldenLogs()[0]!;
  await store.insertRows('otel_logs', [
    { ...old, Body: 'written before 0008', ResourceAttributes: { 'service.name': 'checkout', 'k8s.namespace.name': 'shop' } },
  ]);
  firstReport = await migrate(store, options);
}, 60_000);

afterAll(async () => {
  await store.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('migration 0008 on a store made by an older vigil', () => {
  it('applies only 0008 and is a no-op the second time', async () => {
    expect(firstReport.applied).toEqual([8]);
    const again = await migrate(store, options);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toContain(8);
  });

  it('adds EventName and the materialized resource columns, keeping TimestampTime and the keys', async () => {
    const columns = await columnsOf('otel_logs');
    expect(columns.get('EventName')).toBe('');
    for (const key of MATERIALIZED_RESOURCE_KEYS) expect(columns.get(`__otel_materialized_${key}`)).toBe('MATERIALIZED');
    // Grafana's ClickHouse plugin picks its OTel schema by this column; it is also vigil's key.
    expect(columns.get('TimestampTime')).toBe('DEFAULT');
    const [table] = await store.query<{ sorting_key: string; partition_key: string }>(
      "SELECT sorting_key, partition_key FROM system.tables WHERE database = 'default' AND name = 'otel_logs'",
    );
    expect(table).toEqual({ sorting_key: 'ServiceName, TimestampTime, Timestamp', partition_key: 'toDate(TimestampTime)' });
  });

  it('keeps old rows readable and stores EventName of new rows', async () => {
    await store.insertRows('otel_logs', goldenLogs());
    const rows = await store.query<Record<string, string>>(
      "SELECT Body, EventName, `__otel_materialized_k8s.namespace.name` AS ns FROM otel_logs ORDER BY Timestamp, Body",
    );
    expect(rows).toEqual([
      { Body: 'payment declined\nline two', EventName: 'payment.declined', ns: '' },
      { Body: 'written before 0008', EventName: '', ns: 'shop' },
      { Body: '{"msg":"structured"}', EventName: '', ns: '' },
    ]);
    // The per-minute rollup view still follows the altered table.
    const [{ n }] = await store.query<{ n: string }>('SELECT sum(Count) AS n FROM vigil_logs_1m');
    expect(Number(n)).toBe(3);
  });
});

describe('migration 0008 on a cluster', () => {
  it('alters otel_logs ON CLUSTER, column by column, idempotently', () => {
    const alters = renderMigrations({ database: 'obs', cluster: 'prod', ttlDays: 14 }).filter((s) => s.startsWith('ALTER TABLE'));
    expect(alters).toHaveLength(1 + MATERIALIZED_RESOURCE_KEYS.length);
    for (const ddl of alters) expect(ddl).toMatch(/^ALTER TABLE `obs`\.`otel_logs` ON CLUSTER `prod` ADD COLUMN IF NOT EXISTS /);
    expect(alters[0]).toContain('EventName String');
  });
});
