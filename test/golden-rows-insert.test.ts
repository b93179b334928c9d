import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbStore, migrate } from '../core/store/index.ts';
import { tempDir } from './support/vigil-process.ts';

// The golden rows of core/model must be accepted by the real tables, values intact.
const dir = tempDir('golden');
const store = new ChdbStore({ path: dir });
const golden = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../core/model/testdata', `${name}.rows.json`), 'utf8')) as Array<{ table: string; rows: object[] }>;

beforeAll(async () => {
  await store.start();
  // Golden timestamps are fixed in 2025, so keep them past the TTL.
  await migrate(store, { database: 'default', ttlDays: 3650 });
  for (const name of ['logs', 'metrics', 'traces']) for (const t of golden(name)) await store.insertRows(t.table, t.rows);
});
afterAll(async () => {
  await store.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('golden rows in the real tables', () => {
  it('keeps log timestamps, ids, bodies, attributes and event names exact', async () => {
    const rows = await store.query<Record<string, any>>(
      "SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ns, TraceId, Body, LogAttributes['order.id'] AS id, EventName, TimestampTime FROM otel_logs ORDER BY Timestamp",
    );
    expect(rows.map((r) => [r.ns, r.TraceId, r.Body, r.id, r.EventName])).toEqual([
      ['1763856000123456789', '5b8efff798038103d269b633813fc60c', 'payment declined\nline two', '9007199254740993', 'payment.declined'],
      ['1763856001000000000', '', '{"msg":"structured"}', '', ''],
    ]);
  });

  it('fills every metric table', async () => {
    const counts = await store.query<{ t: string; n: string }>(
      "SELECT 'gauge' AS t, count() AS n FROM otel_metrics_gauge UNION ALL SELECT 'sum', count() FROM otel_metrics_sum UNION ALL SELECT 'histogram', count() FROM otel_metrics_histogram UNION ALL SELECT 'exp', count() FROM otel_metrics_exponential_histogram UNION ALL SELECT 'summary', count() FROM otel_metrics_summary ",
    );
    expect(counts.map((c) => [c.t, Number(c.n)]).sort()).toEqual([['exp', 1], ['gauge', 1], ['histogram', 1], ['sum', 1], ['summary', 1]]);
    const [hist] = await store.query<Record<string, any>>('SELECT BucketCounts, ExplicitBounds, Count FROM otel_metrics_histogram');
    expect(hist).toMatchObject({ BucketCounts: ['1', '2', '0', '1'].map(Number), ExplicitBounds: [1, 5, 10] });
    const [rollup] = await store.query<Record<string, any>>("SELECT Min, Max, Sum, Count FROM vigil_metrics_1m WHERE MetricName = 'temp'");
    expect({ ...rollup, Count: Number(rollup!.Count) }).toEqual({ Min: 21.5, Max: 21.5, Sum: 21.5, Count: 1 });
  });

  it('keeps span nesting, durations, events and links', async () => {
    const [span] = await store.query<Record<string, any>>(
      "SELECT Duration, SpanKind, StatusCode, Events.Name AS ev, Links.TraceId AS lt FROM otel_traces",
    );
    expect({ ...span, Duration: String(span!.Duration) }).toEqual({
      Duration: '250000001',
      SpanKind: 'Server',
      StatusCode: 'Error',
      ev: ['cache.miss'],
      lt: ['0af7651916cd43dd8448eb211c80319c'],
    });
  });
});
