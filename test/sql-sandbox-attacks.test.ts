import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbStore, migrate } from '../core/store/index.ts';
import { silentLogger } from '../core/telemetry/index.ts';
import { ApiServer } from '../dashboards/index.ts';
import { compileLogQuery } from '../dashboards/ui/log-query/compile-log-query.ts';

// Issue #9 item 1: escape attempts against the SQL API of a real chDB engine, through HTTP.
// Each must be refused (403 naming what was refused, or 400 for what does not even parse),
// return nothing of the canary file, and make no connection to the listener below. Before the
// sandbox, the file() rows returned the canary and the url()/s3() rows hit the listener.
// $F = a file holding the canary, $U = the listener's URL, $H = its host:port, $O = an output path.
// Adding an attack is one line: [sql, what the 403 names (null: 400 or 403, any name)].
const ATTACKS: Array<[string, string | null]> = [
  ["SELECT file('$F')", 'file'],
  ["SELECT FILE('$F')", 'FILE'],
  ["SELECT fIlE('$F')", 'fIlE'],
  ["SELECT `file`('$F')", 'file'],
  ["SELECT `\\x66ile`('$F')", 'file'],
  ["SELECT /* hi */ file('$F') -- bye", 'file'],
  ["WITH (SELECT file('$F')) AS x SELECT x", 'file'],
  ["WITH x AS (SELECT file('$F') AS c) SELECT * FROM x", 'file'],
  ["SELECT * FROM (SELECT file('$F'))", 'file'],
  ["SELECT (SELECT file('$F'))", 'file'],
  ["SELECT arrayJoin([file('$F')])", 'file'],
  ["SELECT extract(file('/proc/self/environ'), 'PASSWORD=([^\\\\x00]*)')", 'file'],
  ["SELECT 1 WHERE file('$F') != ''", 'file'],
  ["SELECT count() FROM numbers(1) GROUP BY file('$F')", 'file'],
  ["SELECT 1 ORDER BY file('$F')", 'file'],
  ["SELECT 1 UNION ALL SELECT file('$F')", 'file'],
  ["EXPLAIN SELECT file('$F')", 'file'],
  ["EXPLAIN SYNTAX SELECT file('$F')", 'file'],
  ["EXPLAIN AST SELECT file('$F')", 'file'],
  ["SELECT * FROM (EXPLAIN SELECT file('$F'))", 'viewExplain'],
  ["SELECT * APPLY(file) FROM (SELECT '$F' AS path)", 'ColumnsApplyTransformer'],
  ["SELECT * FROM file('$F', 'LineAsString')", 'file'],
  ["DESCRIBE TABLE url('$U', 'JSONEachRow')", 'url'],
  ["DESC url('$U/x.csv', 'CSV')", 'url'],
  ["DESCRIBE TABLE s3('$U/bucket/x.csv', 'CSV')", 's3'],
  ["EXPLAIN SELECT * FROM url('$U', 'JSONEachRow')", 'url'],
  ["EXPLAIN PIPELINE SELECT * FROM url('$U', 'JSONEachRow')", 'url'],
  ["SELECT * FROM url('$U', 'LineAsString')", 'url'],
  ["SELECT * FROM numbers(1) AS n INNER JOIN url('$U', 'LineAsString') AS u ON 1 = 1", 'url'],
  ["SELECT 1 FROM numbers(1) WHERE number IN (SELECT * FROM url('$U', 'LineAsString'))", 'url'],
  ["SELECT * FROM s3('$U/bucket/x.csv', 'CSV')", 's3'],
  ["SELECT * FROM remote('$H', system.one)", 'remote'],
  ["SELECT * FROM remoteSecure('$H', system.one)", 'remoteSecure'],
  ["SELECT * FROM cluster('default', system.one)", 'cluster'],
  ["SELECT * FROM clusterAllReplicas('default', system.one)", 'clusterAllReplicas'],
  ["SELECT * FROM mysql('$H', 'db', 't', 'u', 'p')", 'mysql'],
  ["SELECT * FROM postgresql('$H', 'db', 't', 'u', 'p')", 'postgresql'],
  ["SELECT * FROM jdbc('jdbc:mysql://$H/db', 'db', 't')", 'jdbc'],
  ["SELECT * FROM odbc('DSN=x', 'db', 't')", 'odbc'],
  ["SELECT * FROM hdfs('hdfs://$H/x.csv', 'CSV')", 'hdfs'],
  ["SELECT * FROM executable('cat $F', 'LineAsString', 'line String')", 'executable'],
  ["SELECT * FROM input('line String')", 'input'],
  ["SELECT * FROM sqlite('$F', 't')", 'sqlite'],
  ["SELECT * FROM merge('system', '^users$')", 'merge'],
  ["SELECT * FROM view(SELECT * FROM numbers(1))", 'view'],
  ["SELECT * FROM dictionary('d')", 'dictionary'],
  ["SELECT dictGet('d', 'attr', toUInt64(1))", 'dictGet'],
  ["SELECT dictGetOrDefault('d', 'attr', toUInt64(1), 'x')", 'dictGetOrDefault'],
  ["SELECT dictHas('d', toUInt64(1))", 'dictHas'],
  ["SELECT joinGet('j', 'v', 1)", 'joinGet'],
  ["SELECT catboostEvaluate('$F', 1)", 'catboostEvaluate'],
  ["SELECT aiGenerate('say hi')", 'aiGenerate'],
  ["SELECT getSetting('max_memory_usage')", 'getSetting'],
  ["SELECT hostName()", 'hostName'],
  ['SELECT * FROM system.users', 'system.users'],
  ['SELECT * FROM system.grants', 'system.grants'],
  ['SELECT * FROM system.settings', 'system.settings'],
  ['SELECT * FROM system.query_log', 'system.query_log'],
  ['SELECT * FROM system.processes', 'system.processes'],
  ['SELECT * FROM `system`.`users`', 'system.users'],
  ['SELECT * FROM INFORMATION_SCHEMA.TABLES', 'INFORMATION_SCHEMA.TABLES'],
  ["SELECT 'default' IN system.users", 'system.users'],
  ['SHOW CREATE TABLE system.users', 'system.users'],
  ['EXISTS TABLE system.grants', 'system.grants'],
  ['DESCRIBE TABLE system.users', 'system.users'],
  ['SHOW GRANTS', 'ShowGrantsQuery'],
  ['SHOW USERS', null],
  ['SHOW SETTINGS LIKE \'%password%\'', 'SHOW'],
  ['SHOW PROCESSLIST', 'ShowProcesslistQuery'],
  ['SELECT 1 SETTINGS readonly = 0', 'SETTINGS'],
  ['SELECT count() FROM (SELECT 1 SETTINGS readonly = 0)', 'SETTINGS'],
  ['WITH x AS (SELECT 1 SETTINGS readonly = 0) SELECT * FROM x', 'SETTINGS'],
  ['SELECT * FROM numbers(1) SETTINGS allow_ddl = 1', 'SETTINGS'],
  ['EXPLAIN PIPELINE header = 1 SELECT 1', 'SETTINGS'],
  ["SELECT 1; SELECT file('$F')", null],
  ["SELECT 1 -- x\n; SELECT file('$F')", null],
  ["SELECT 1 INTO OUTFILE '$O'", 'FORMAT/INTO OUTFILE'],
  ["EXPLAIN SELECT 1 INTO OUTFILE '$O'", 'FORMAT/INTO OUTFILE'],
  ["SHOW TABLES INTO OUTFILE '$O'", 'SHOW'],
  ['SELECT 1 FORMAT TSV', 'FORMAT/INTO OUTFILE'],
  ['DESCRIBE TABLE otel_logs FORMAT TSV', 'FORMAT/INTO OUTFILE'],
  ["INSERT INTO otel_logs (Body) VALUES ('x')", 'InsertQuery'],
  ["CREATE TABLE leak (a String) ENGINE = File(TSV, '$F')", 'CreateQuery'],
  ['SET readonly = 0', 'Set'],
  ['SYSTEM RELOAD DICTIONARIES', 'SYSTEM'],
  ["SELECT ｆｉｌｅ('$F')", null],
  ["SELECT ﬁle('$F')", null],
];

let store: ChdbStore;
let api: ApiServer;
let listener: Server;
let hits = 0;
let base = '';
let subst: (sql: string) => string;
const canary = `vigil-canary-${Math.random().toString(36).slice(2)}`;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'vigil-sandbox-'));
  const secret = join(base, 'secret.txt');
  writeFileSync(secret, `${canary}\n`);
  listener = createServer((_req, res) => {
    hits++;
    res.end(`{"line":"${canary}"}\n`);
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const hostPort = `127.0.0.1:${(listener.address() as AddressInfo).port}`;
  subst = (sql) => sql.replaceAll('$F', secret).replaceAll('$U', `http://${hostPort}`).replaceAll('$H', hostPort).replaceAll('$O', join(base, 'out.tsv'));
  store = new ChdbStore({ path: join(base, 'data') });
  await store.start();
  await migrate(store, { database: 'default', ttlDays: 30 });
  api = new ApiServer({
    host: '127.0.0.1',
    port: 0,
    store,
    limits: { maxExecutionTimeMs: 10_000, maxResultRows: 10_000, maxResultBytes: 10_000_000, maxMemoryUsage: 500_000_000, maxThreads: 1 },
    maxConcurrentQueries: 4,
    logger: silentLogger,
    isReady: () => true,
  });
  await api.start();
}, 60_000);

afterAll(async () => {
  await api?.shutdown();
  await store?.shutdown();
  await new Promise((r) => listener?.close(r));
  rmSync(base, { recursive: true, force: true });
});

async function query(sql: string, params?: Record<string, unknown>): Promise<{ status: number; text: string; body: Record<string, unknown> }> {
  const response = await fetch(`${api.address}/api/v1/query`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sql, params }) });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Record<string, unknown> };
}

describe('SQL sandbox: escape attempts', () => {
  it('has at least 40 of them', () => expect(ATTACKS.length).toBeGreaterThanOrEqual(40));

  it.each(ATTACKS)('refuses %s', async (template, refused) => {
    const { status, text, body } = await query(subst(template));
    expect(text).not.toContain(canary);
    if (refused === null) {
      expect([400, 403]).toContain(status);
    } else {
      expect(status, text).toBe(403);
      expect((body.refused as { name: string }).name.toLowerCase()).toBe(refused.toLowerCase());
      expect(String(body.error)).toContain(refused === 'FORMAT/INTO OUTFILE' ? 'FORMAT' : refused);
    }
  });

  it('refuses a table named through an Identifier parameter', async () => {
    const { status, body } = await query('SELECT * FROM {t:Identifier}', { t: 'system.users' });
    expect(status).toBe(403);
    expect(body.refused).toEqual({ kind: 'table', name: 'system.users' });
  });

  it('made no connection and wrote no file', () => {
    expect(hits).toBe(0);
    expect(existsSync(join(base, 'out.tsv'))).toBe(false);
  });
});

// Queries dashboards and users run: they must keep working under the sandbox.
const DASHBOARD_QUERIES: string[] = [
  "SELECT toStartOfInterval(Timestamp, INTERVAL 1 MINUTE) AS t, SeverityText, count() AS n FROM otel_logs WHERE Timestamp > now() - INTERVAL 1 HOUR GROUP BY t, SeverityText ORDER BY t WITH FILL STEP INTERVAL 1 MINUTE",
  'SELECT ServiceName, countIf(SeverityNumber >= 17) / count() AS error_ratio FROM otel_logs GROUP BY ServiceName',
  "SELECT ResourceAttributes['host.name'] AS host, max(Timestamp) AS last_seen, dateDiff('second', last_seen, now()) AS age FROM otel_logs GROUP BY host",
  "SELECT Body FROM otel_logs WHERE Body ILIKE '%error%' OR JSONExtractString(Body, 'level') = 'error' ORDER BY Timestamp DESC LIMIT 10",
  'SELECT quantiles(0.5, 0.9, 0.99)(Duration) AS q, uniqExactIf(TraceId, StatusCode = \'Error\') AS failed, avgIf(Duration, SpanName != \'\') FROM otel_traces',
  'SELECT MetricName, avg(Value), quantileTDigest(0.9)(Value), anyLast(Attributes) FROM otel_metrics_gauge GROUP BY MetricName',
  'SELECT sumMerge(s), uniqMerge(u) FROM (SELECT sumState(number) AS s, uniqState(number) AS u FROM numbers(10))',
  'SELECT number, number - lagInFrame(number) OVER w, row_number() OVER w, lagInFrame(number) OVER w FROM numbers(5) WINDOW w AS (ORDER BY number)',
  "SELECT arrayJoin(splitByChar(',', 'a,b')) AS part, upper(part), lcase(part), length(part), arrayMap(x -> x * 2, [1, 2])",
  "SELECT if(1, 'a', 'b'), multiIf(0, 1, 2), coalesce(NULL, 1), CAST('1' AS UInt8), 1::String, date_trunc('hour', now()), formatDateTime(now(), '%F'), parseDateTimeBestEffort('2026-01-01T00:00:00Z')",
  "SELECT map('a', 1)['a'], tupleElement((1, 2), 1), toTypeName(now64(9)), formatReadableSize(1e9), cityHash64('x'), IPv4NumToString(toUInt32(1))",
  'SELECT name, total_rows, formatReadableSize(total_bytes) FROM system.tables WHERE database = currentDatabase()',
  "SELECT table, sum(rows) FROM system.parts WHERE active GROUP BY table",
  "SELECT name, type FROM system.columns WHERE table = 'otel_logs'",
  'SELECT * FROM generateSeries(1, 3)',
  "SELECT * FROM values('a UInt8, b String', (1, 'x'))",
  'SELECT count() FROM system.one',
  'SHOW TABLES',
  'SHOW DATABASES',
  'DESCRIBE TABLE otel_logs',
  'EXISTS TABLE otel_logs',
  'SHOW CREATE TABLE otel_logs',
  'EXPLAIN SELECT count() FROM otel_logs',
  'WITH recent AS (SELECT * FROM otel_logs LIMIT 5) SELECT count() FROM recent',
];

describe('SQL sandbox: dashboard queries', () => {
  it.each(DASHBOARD_QUERIES)('runs %s', async (sql) => {
    const { status, text } = await query(sql);
    expect(status, text).toBe(200);
  });

  it('runs the UI log search with its bound parameters', async () => {
    const compiled = compileLogQuery('level:error "timeout" service:api');
    const { status, text } = await query(`SELECT Timestamp, Body FROM otel_logs WHERE ${compiled.where} ORDER BY Timestamp DESC LIMIT 100`, compiled.params);
    expect(status, text).toBe(200);
  });

  it('stops a query at the result row limit, with a clear error', async () => {
    const { status, body } = await query('SELECT number FROM numbers(100000)');
    expect(status).toBe(422);
    expect(String(body.error)).toMatch(/limit|rows/i);
  });
});
