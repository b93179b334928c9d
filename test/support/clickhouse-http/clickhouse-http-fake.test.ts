import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnClickHouseHttpFake, type SpawnedClickHouseFake } from './spawn-fake.ts';

// The TEST FAKE's protocol, as the README describes it, with plain HTTP requests.
const dir = mkdtempSync(join(tmpdir(), 'vigil-chfake-'));
let fake: SpawnedClickHouseFake;
beforeAll(async () => {
  fake = await spawnClickHouseHttpFake(dir);
}, 60_000);
afterAll(async () => {
  await fake?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const post = (params: Record<string, string>, body?: string) => fetch(`${fake.url}/?${new URLSearchParams(params)}`, { method: 'POST', body });

describe('ClickHouse HTTP test fake', () => {
  it('answers /ping', async () => {
    const r = await fetch(`${fake.url}/ping`);
    expect([r.status, await r.text()]).toEqual([200, 'Ok.\n']);
  });

  it('takes the query in the URL or in the body, settings and params as URL parameters', async () => {
    const inUrl = await post({ query: 'SELECT 1 AS x FORMAT JSONEachRow' });
    expect(await inUrl.text()).toBe('{"x":1}\n');
    const inBody = await post({ param_v: "it\\'s", max_result_rows: '10' }, 'SELECT {v:String} AS s, getSetting(\'max_result_rows\') AS m FORMAT JSONEachRow');
    expect(JSON.parse(await inBody.text())).toEqual({ s: "it's", m: 10 });
    expect(JSON.parse(inBody.headers.get('x-clickhouse-summary')!)).toHaveProperty('read_rows');
  });

  it('inserts the body as data of the INSERT in the URL, and says how many rows it wrote', async () => {
    await post({}, 'CREATE TABLE fake_t (n UInt32, s String) ENGINE = MergeTree ORDER BY n');
    const r = await post({ query: 'INSERT INTO fake_t FORMAT JSONEachRow' }, '{"n":1,"s":"a"}\n{"n":2,"s":"b\\n\\nc"}\n');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.headers.get('x-clickhouse-summary')!).written_rows).toBe('2');
    expect(await (await post({ query: 'SELECT count() FROM fake_t' })).text()).toBe('2\n');
  });

  it('answers a failure with 500, X-ClickHouse-Exception-Code and the engine text, and keeps serving', async () => {
    const r = await post({ query: 'SELECT * FROM fake_missing' });
    expect(r.status).toBe(500);
    expect(r.headers.get('x-clickhouse-exception-code')).toBe('60');
    expect(await r.text()).toMatch(/^Code: 60\. DB::Exception: .*\(UNKNOWN_TABLE\)/);
    expect(await (await post({ query: 'SELECT 2' })).text()).toBe('2\n');
  });
});
