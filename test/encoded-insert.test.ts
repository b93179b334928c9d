import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptRequest, decodeJson, encodeProtobuf, type Signal } from '../core/model/index.ts';
import { transcodeRequest } from '../core/model/transcode/index.ts';
import { ChdbStore, ClickHouseStore, migrate, type Store } from '../core/store/index.ts';
import { spawnClickHouseHttpFake, type SpawnedClickHouseFake } from './support/clickhouse-http/spawn-fake.ts';

// The transcoder's RowBinary read by the real engine: the golden requests inserted as row
// objects (the reference path) and as transcoded blocks (Store.insertEncoded) must read back as
// the same rows, in chDB (FROM INFILE) and over ClickHouse's HTTP interface (FORMAT RowBinary).
const TTL_DAYS = 3650;
const dirs: string[] = [];
const tempDir = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `vigil-encoded-${name}-`));
  dirs.push(dir);
  return dir;
};
const SIGNALS: Signal[] = ['logs', 'traces', 'metrics'];
const bytesOf = (signal: Signal) => encodeProtobuf(signal, decodeJson(signal, readFileSync(join(import.meta.dirname, `../core/model/testdata/${signal}.json`), 'utf8')));
const TABLES = ['otel_logs', 'otel_traces', 'otel_metrics_gauge', 'otel_metrics_sum', 'otel_metrics_histogram', 'otel_metrics_exponential_histogram', 'otel_metrics_summary'];

async function readBack(store: Store): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of TABLES) out[table] = await store.query(`SELECT * FROM ${table} ORDER BY toString(tuple(*))`);
  return out;
}

async function insertTranscoded(store: Store): Promise<number> {
  let rows = 0;
  for (const signal of SIGNALS) {
    const result = transcodeRequest(signal, bytesOf(signal), { ttlDays: TTL_DAYS });
    expect(result.path).toBe('transcoder');
    for (const block of result.tables) {
      // As a group-commit batch hands blocks over (EncodedBlock.more): the rows cut in three at
      // row boundaries, with an empty part between, must read back as the whole block would.
      const n = block.offsets.length - 1;
      const cut = (row: number) => block.offsets[row]!;
      const [a, b] = [Math.floor(n / 3), Math.floor((2 * n) / 3)];
      await store.insertEncoded!(block.table, {
        columns: block.columns,
        data: block.data.subarray(0, cut(a)),
        more: [block.data.subarray(cut(a), cut(b)), Buffer.alloc(0), block.data.subarray(cut(b))],
      });
      rows += n;
    }
  }
  return rows;
}

let fake: SpawnedClickHouseFake;
beforeAll(async () => {
  fake = await spawnClickHouseHttpFake(tempDir('fake'));
}, 60_000);
afterAll(async () => {
  await fake?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('Store.insertEncoded: transcoded RowBinary in the real engine', () => {
  let reference: Record<string, unknown[]>;

  it('ChdbStore: the same rows as the reference path inserting row objects', async () => {
    const store = new ChdbStore({ path: tempDir('chdb') });
    await store.start();
    try {
      await migrate(store, { database: 'default', ttlDays: TTL_DAYS });
      for (const signal of SIGNALS) {
        for (const { table, rows } of acceptRequest(signal, decodeJson(signal, readFileSync(join(import.meta.dirname, `../core/model/testdata/${signal}.json`), 'utf8')), { ttlDays: TTL_DAYS }).rows) {
          await store.insertRows(table, rows);
        }
      }
      reference = await readBack(store);
      for (const table of TABLES) await store.exec(`TRUNCATE TABLE ${table}`);
      const rows = await insertTranscoded(store);
      expect(rows).toBe(Object.values(reference).reduce((n, list) => n + list.length, 0));
      expect(await readBack(store)).toEqual(reference);
    } finally {
      await store.shutdown();
    }
  }, 120_000);

  it('ClickHouseStore (HTTP, FORMAT RowBinary): the same rows', async () => {
    const store = new ClickHouseStore({ url: fake.url });
    await store.start();
    try {
      await migrate(store, { database: 'default', ttlDays: TTL_DAYS });
      await insertTranscoded(store);
      expect(await readBack(store)).toEqual(reference);
      // A block the engine cannot read is refused with a non-retryable error, as insertRows' would be.
      await expect(store.insertEncoded('otel_logs', { columns: ['Timestamp'], data: Buffer.from([1, 2, 3]) })).rejects.toMatchObject({ retryable: false });
    } finally {
      await store.shutdown();
    }
  }, 120_000);
});
