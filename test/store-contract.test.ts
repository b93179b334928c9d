import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertStore } from '../alerts/engine/alert-store.ts';
import { ChdbStore, ClickHouseStore, migrate, type Store } from '../core/store/index.ts';
import { spawnClickHouseHttpFake, type SpawnedClickHouseFake } from './support/clickhouse-http/spawn-fake.ts';

// One contract, both stores: the embedded engine (ChdbStore) and a ClickHouse server over HTTP
// (ClickHouseStore through @clickhouse/client, unchanged, against the test fake in front of a
// real chDB engine in another process).

const dirs: string[] = [];
const tempDir = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `vigil-contract-${name}-`));
  dirs.push(dir);
  return dir;
};
let fake: SpawnedClickHouseFake;

beforeAll(async () => {
  fake = await spawnClickHouseHttpFake(tempDir('fake'));
}, 60_000);
afterAll(async () => {
  await fake?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const schema = { database: 'default', ttlDays: 7 };
const now = `${Date.now()}000000`;
const logRow = (body: string) => ({
  Timestamp: now,
  TraceId: '',
  SpanId: '',
  TraceFlags: 0,
  SeverityText: 'INFO',
  SeverityNumber: 9,
  ServiceName: 'contract',
  Body: body,
  ResourceSchemaUrl: '',
  ResourceAttributes: { 'host.name': 'node-1', 'service.name': 'contract' },
  ScopeSchemaUrl: '',
  ScopeName: '',
  ScopeVersion: '',
  ScopeAttributes: {},
  LogAttributes: {},
});

describe.each([
  ['ChdbStore (embedded)', () => new ChdbStore({ path: tempDir('chdb') })],
  ['ClickHouseStore (HTTP, @clickhouse/client)', () => new ClickHouseStore({ url: fake.url })],
])('%s', (_name, make) => {
  let store: Store;
  const count = async (where: string, params: Record<string, unknown> = {}) =>
    Number((await store.query<{ n: string }>(`SELECT count() AS n FROM otel_logs WHERE ${where}`, params))[0]!.n);
  const rollup = async (service: string) =>
    Number((await store.query<{ n: string }>('SELECT sum(Count) AS n FROM vigil_logs_1m WHERE ServiceName = {s:String}', { s: service }))[0]!.n);

  beforeAll(async () => {
    store = make();
    await store.start();
    await store.start(); // idempotent
  }, 60_000);
  afterAll(async () => {
    await store.shutdown();
    await store.shutdown();
  });

  it('shuts down without having started', async () => {
    await make().shutdown();
  });

  it('migrates, and migrating again is a no-op', async () => {
    const first = await migrate(store, schema);
    expect(first.applied.length).toBeGreaterThan(0);
    const second = await migrate(store, schema);
    expect(second.applied).toEqual([]);
  });

  it('inserts rows and reads them back with bound parameters, awkward strings included', async () => {
    const awkward = "it's a \\ back\tslash\nand a newline";
    await store.insertRows('otel_logs', [logRow('plain'), logRow(awkward)]);
    expect(await count('Body = {b:String}', { b: awkward })).toBe(1);
    expect(await count('Body = {b:String}', { b: 'plain' })).toBe(1);
    const [row] = await store.query<{ n: number | string }>('SELECT toUInt32({v:UInt32}) + 1 AS n', { v: 41 });
    expect(Number(row!.n)).toBe(42);
  });

  it('drops a replay carrying the same dedup token, in the table and in the rollup fed from it', async () => {
    const rows = [logRow('replayed 1'), logRow('replayed 2')].map((r) => ({ ...r, ServiceName: `${_name}-replay` }));
    await store.insertRows('otel_logs', rows, { dedupToken: 'contract/0/0-1/otel_logs' });
    await store.insertRows('otel_logs', rows, { dedupToken: 'contract/0/0-1/otel_logs' });
    expect(await count('ServiceName = {s:String}', { s: `${_name}-replay` })).toBe(2);
    expect(await rollup(`${_name}-replay`)).toBe(2);
  });

  it('keeps two identical batches sent without a token (dedup windows must not eat real data)', async () => {
    const rows = [logRow('same twice')].map((r) => ({ ...r, ServiceName: `${_name}-twice` }));
    await store.insertRows('otel_logs', rows);
    await store.insertRows('otel_logs', rows);
    expect(await count('ServiceName = {s:String}', { s: `${_name}-twice` })).toBe(2);
    expect(await rollup(`${_name}-twice`)).toBe(2);
  });

  // A pending alert has no fired_at: written as '0', a ClickHouse server refused every insert of
  // alert state (it reads DateTime64 text as ticks only with 19 digits), and no alert was announced.
  it('keeps alert state, a pending alert without fired_at included', async () => {
    const alerts = new AlertStore(store);
    const at = Date.now();
    const pending = { rule: 'Contract', group: 'g', fingerprint: 'fp-pending', labels: { host: 'a' }, annotations: {}, state: 'pending' as const, value: 1, activeAt: at, lastActiveAt: at };
    const firing = { ...pending, fingerprint: 'fp-firing', state: 'firing' as const, firedAt: at + 1000 };
    const transition = { at, rule: 'Contract', group: 'g', fingerprint: 'fp-pending', labels: { host: 'a' }, annotations: {}, from: 'inactive' as const, to: 'pending' as const, value: 1, activeAt: at };
    await alerts.save({ group: 'g', at, dedupToken: `contract-${at}`, transitions: [transition], upserts: [pending, firing], removed: [] });
    const loaded = (await alerts.load()).filter((a) => a.rule === 'Contract').sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
    expect(loaded.map((a) => [a.fingerprint, a.state, a.firedAt])).toEqual([['fp-firing', 'firing', at + 1000], ['fp-pending', 'pending', undefined]]);
  });

  it('classifies failures by the shared table of codes', async () => {
    await expect(store.insertRows('contract_not_yet', [{ n: 1 }])).rejects.toMatchObject({ code: 60, retryable: true });
    await expect(store.exec('INSERT INTO otel_logs (Body) SELECT toString(number) FROM numbers(3000000) ORDER BY number DESC SETTINGS max_memory_usage = 1000')).rejects.toMatchObject({ code: 241, retryable: true });
    await expect(store.query('SELECT * FROM contract_missing')).rejects.toMatchObject({ code: 60, retryable: false });
    await expect(store.query('SELEC 1')).rejects.toMatchObject({ code: 62, retryable: false });
    // The store still answers after failures.
    expect(await count("Body = 'plain'")).toBe(1);
  });

  it('runs user SQL read-only under limits', async () => {
    const limits = { maxExecutionTimeMs: 5000, maxResultRows: 100 };
    const result = await store.readOnlyQuery('SELECT Body FROM otel_logs WHERE Body = {b:String}', limits, { b: 'plain' });
    expect(result.data).toEqual([{ Body: 'plain' }]);
    await expect(store.readOnlyQuery("INSERT INTO otel_logs (Body) VALUES ('x')", limits)).rejects.toMatchObject({ retryable: false });
    await expect(store.readOnlyQuery('SELECT number FROM numbers(5000)', limits)).rejects.toThrow(/limit/i);
  });
});
