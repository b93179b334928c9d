import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbStore, migrate } from '../../../core/store/index.ts';
import { tempDir } from '../../../test/support/vigil-process.ts';
import { compileLogQuery } from './compile-log-query.ts';
import { LogQueryError } from './parse-log-query.ts';

// Each search runs, compiled, against the real otel_logs table; the answer is which rows match.
const dir = tempDir('log-query');
const store = new ChdbStore({ path: dir });
const now = BigInt(Date.now()) * 1_000_000n;
const row = (id: string, severity: string, service: string, body: string, attrs: Record<string, string>, host = 'web-1') => ({
  Timestamp: String(now),
  TraceId: id === 'a' ? '5b8efff798038103d269b633813fc60c' : '',
  SpanId: '',
  TraceFlags: 0,
  SeverityText: severity,
  SeverityNumber: severity === 'ERROR' ? 17 : severity === 'WARN' ? 13 : 9,
  ServiceName: service,
  Body: body,
  ResourceSchemaUrl: '',
  ResourceAttributes: { 'host.name': host },
  ScopeSchemaUrl: '',
  ScopeName: '',
  ScopeVersion: '',
  ScopeAttributes: {},
  LogAttributes: { id, ...attrs },
});

beforeAll(async () => {
  await store.start();
  await migrate(store, { database: 'default', ttlDays: 30 });
  await store.insertRows('otel_logs', [
    row('a', 'ERROR', 'checkout', 'payment timed out after 30s', { 'http.status': '504', duration: '3000' }),
    row('b', 'INFO', 'checkout', 'order placed', { 'http.status': '200', duration: '80' }),
    row('c', 'WARN', 'cart', 'cart is slow; timed', { 'http.status': '429', duration: '150' }, 'db-1'),
    row('d', 'INFO', 'cart', "it's 100% done_ok \\ \"quoted\"", { 'http.status': '201', duration: '5' }, 'db-1'),
  ]);
});
afterAll(async () => {
  await store.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

const CASES: Array<[search: string, ids: string]> = [
  ['', 'abcd'],
  ['level:error', 'a'],
  ['level:ERROR', 'a'],
  ['severity_number:>=13', 'ac'],
  ['service:checkout', 'ab'],
  ['service:check*', 'ab'],
  ['-service:checkout', 'cd'],
  ['NOT service:checkout', 'cd'],
  ['timed', 'ac'],
  ['"timed out"', 'a'],
  ['body:"order placed"', 'b'],
  ['service:cart AND level:warn', 'c'],
  ['service:cart level:warn', 'c'],
  ['level:error OR level:warn', 'ac'],
  ['(level:error OR level:warn) -host:db-1', 'a'],
  ['host:db-1', 'cd'],
  ['http.status:504', 'a'],
  ['attributes.http.status:200', 'b'],
  ['resource.host.name:web-1', 'ab'],
  ['duration:>100', 'ac'],
  ['duration:<=80', 'bd'],
  ['http.status:[400 TO 499]', 'c'],
  ['http.status:{429 TO 504]', 'a'],
  ['http.status:[500 TO *]', 'a'],
  ['http.status:*', 'abcd'],
  ['trace_id:5B8EFFF798038103D269B633813FC60C', 'a'],
  // What an attacker types is bound as a value: it matches nothing and breaks nothing.
  ["' OR 1=1 --", 'd'], // three terms: "'" (in "it's") OR (1=1 AND NOT "-")
  ['"\' OR 1=1 --"', ''],
  ["service:x' OR '1'='1", ''],
  ['service:"checkout\' OR 1=1 --"', ''],
  ['body:"}\\" OR 1=1"', ''],
  ['{q0:String}', ''],
  ['level:"{q0:String}" OR service:checkout', 'ab'],
  ['"x\') OR (\'1\'=\'1"', ''],
  ['"100%"', 'd'],
  ['done_ok', 'd'],
  ['"\\\\"', 'd'],
  ['"\\"quoted\\""', 'd'],
  ['100_', ''],
  ['%', 'd'],
];

describe('log search compiled to parameterized SQL, run on the real schema', () => {
  it.each(CASES)('%j matches %j', async (search, ids) => {
    const { where, params } = compileLogQuery(search);
    const rows = await store.query<{ id: string }>(`SELECT LogAttributes['id'] AS id FROM otel_logs WHERE ${where} ORDER BY id`, params);
    expect(rows.map((r) => r.id).join('')).toBe(ids);
  });

  it('never puts the search text into the SQL', () => {
    for (const [search] of CASES) {
      const { where } = compileLogQuery(search);
      expect(where).not.toMatch(/OR 1=1|'1'='1|--|timed|checkout|db-1|http\.status/);
    }
  });

  it.each([
    ['"unclosed', /unclosed quote/],
    ['(level:error', /missing \)/],
    ['level:', /no value/],
    ['duration:>abc', /not a number/],
    ['code:[1 2]', /low TO high/],
    ['AND', /unexpected AND/],
    ['level:error )', /unexpected \)/],
    ["x') OR ('1'='1:value", /unexpected \)/],
  ])('refuses %j with a clear message', (search, message) => {
    expect(() => compileLogQuery(search)).toThrow(LogQueryError);
    expect(() => compileLogQuery(search)).toThrow(message);
  });
});
