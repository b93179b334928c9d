/**
 * TEST FAKE — not a ClickHouse server, and not shipped to users.
 *
 * Speaks the part of ClickHouse's HTTP interface that `@clickhouse/client` (and so vigil's
 * ClickHouseStore) uses, in front of ONE real chDB engine: the SQL, the MergeTree tables, the
 * dedup windows and tokens, the materialized views and the error codes are the real engine's.
 * What it fakes is only the transport: query in the URL or the body, settings and `param_*` as
 * URL parameters, `X-ClickHouse-Summary`, `X-ClickHouse-Exception-Code` with a 500 and the
 * engine's "Code: N. DB::Exception: …" text, `/ping`, and the output format the client asks for.
 * It lets several processes share one engine (chDB allows one process per data directory).
 * What it does not prove is listed in README ("A shared ClickHouse for tests").
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Session } from 'chdb';

const require = createRequire(import.meta.url);

/** URL parameters that are part of the protocol, not settings of the query. */
const PROTOCOL_PARAMS = new Set([
  'query', 'database', 'query_id', 'session_id', 'session_timeout', 'session_check', 'default_format',
  'user', 'password', 'quota_key', 'role', 'compress', 'decompress', 'buffer_size', 'wait_end_of_query',
  'enable_http_compression', 'http_headers_progress_interval_ms', 'send_progress_in_http_headers',
]);

export interface ClickHouseHttpFakeOptions {
  /** chDB data directory; this process must not open another chDB session. */
  dataDir: string;
}

export interface ClickHouseHttpFake {
  url: string;
  /** Statements run so far, with the settings they carried (for asserting what clients send). */
  readonly log: Array<{ query: string; settings: Record<string, string> }>;
  stop(): Promise<void>;
}

export async function startClickHouseHttpFake(options: ClickHouseHttpFakeOptions, port = 0): Promise<ClickHouseHttpFake> {
  mkdirSync(options.dataDir, { recursive: true });
  const { Session: ChdbSession } = require('chdb') as typeof import('chdb');
  const session: Session = new ChdbSession(options.dataDir);
  const spoolDir = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const log: ClickHouseHttpFake['log'] = [];
  // One engine call at a time, as the one chDB session allows; a failed call's leftover output
  // is drained so it cannot reach the next request (FIELD-NOTES).
  let serial: Promise<unknown> = Promise.resolve();
  let currentDatabase = 'default';
  const exclusive = <T>(database: string, run: () => Promise<T>): Promise<T> => {
    const result = serial.then(async () => {
      try {
        // The session is shared by every client: switch only when a request names another one.
        if (database !== currentDatabase) {
          await session.queryAsync(`USE \`${database.replace(/`/g, '')}\``, { format: 'Null' });
          currentDatabase = database;
        }
        return await run();
      } catch (err) {
        await session.queryAsync('SELECT 1', { format: 'Null' }).catch(() => {});
        throw err;
      }
    });
    serial = result.catch(() => {});
    return result;
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => answerError(res, err));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname === '/ping' || (url.pathname === '/' && req.method === 'GET' && !url.searchParams.has('query'))) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
      return;
    }
    if (url.pathname !== '/') {
      res.writeHead(404).end(`There is no handle ${url.pathname}\n`);
      return;
    }
    let body = await readBody(req);
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    const settings: Record<string, string> = {};
    const params: Record<string, string> = {};
    for (const [name, value] of url.searchParams) {
      if (name.startsWith('param_')) params[name.slice(6)] = value;
      else if (!PROTOCOL_PARAMS.has(name)) settings[name] = value;
    }
    const database = url.searchParams.get('database') ?? 'default';
    const queryId = url.searchParams.get('query_id') ?? randomUUID();
    const inUrl = url.searchParams.get('query') ?? '';
    const insertData = /^\s*INSERT\b[\s\S]*\bFORMAT\s+\w+\s*$/i.test(inUrl) && body.length > 0;
    const query = insertData ? inUrl : `${inUrl}${inUrl && body.length ? '\n' : ''}${body.toString('utf8')}`;
    log.push({ query, settings });
    if (process.env.VIGIL_CH_FAKE_TRACE) appendFileSync(process.env.VIGIL_CH_FAKE_TRACE, `${JSON.stringify({ t: Date.now(), query: query.slice(0, 200), token: settings.insert_deduplication_token, dedup: settings.deduplicate_insert, bytes: body.length })}\n`);

    const started = process.hrtime.bigint();
    if (insertData) {
      // Data goes through a file: chDB ends inline INSERT data at the first blank line.
      const file = join(spoolDir, `vigil-chfake-${process.pid}-${randomUUID()}`);
      await writeFile(file, body);
      try {
        const { head, format } = splitFormat(inUrl);
        const sql = `${head} FROM INFILE '${file}'${settingsClause(settings)} FORMAT ${format}`;
        await exclusive(database, () => session.queryAsync(sql, { format: 'Null' }));
      } finally {
        await unlink(file).catch(() => {});
      }
      const written = countRows(body);
      answer(res, queryId, Buffer.alloc(0), 'TabSeparated', { written_rows: written, written_bytes: body.length, elapsed_ns: Number(process.hrtime.bigint() - started) });
      return;
    }
    const { head, format } = splitFormat(query);
    const outputFormat = format ?? url.searchParams.get('default_format') ?? 'TabSeparated';
    const sql = withSettings(head, settings);
    const bound = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, paramValue(head, k, v)]));
    const result = await exclusive(database, () =>
      Object.keys(bound).length ? session.queryBindAsync(sql, bound, { format: outputFormat }) : session.queryAsync(sql, { format: outputFormat }),
    );
    answer(res, queryId, Buffer.from(result.bytes()), outputFormat, {
      read_rows: result.rowsRead,
      read_bytes: result.bytesRead,
      elapsed_ns: Math.round(result.elapsed * 1e9),
    });
  }

  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    log,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await serial.catch(() => {});
      session.close();
    },
  };
}

function answer(res: ServerResponse, queryId: string, body: Buffer, format: string, summary: Record<string, number>): void {
  const full = { read_rows: 0, read_bytes: 0, written_rows: 0, written_bytes: 0, total_rows_to_read: 0, result_rows: 0, result_bytes: body.length, elapsed_ns: 0, ...summary };
  res.writeHead(200, {
    'Content-Type': /JSON/i.test(format) ? 'application/json; charset=UTF-8' : 'text/plain; charset=UTF-8',
    'X-ClickHouse-Query-Id': queryId,
    'X-ClickHouse-Format': format,
    'X-ClickHouse-Timezone': 'UTC',
    'X-ClickHouse-Summary': JSON.stringify(Object.fromEntries(Object.entries(full).map(([k, v]) => [k, String(v)]))),
  });
  res.end(body);
}

/** A failure as ClickHouse answers it: 500, the code in a header, the engine's text in the body. */
function answerError(res: ServerResponse, err: unknown): void {
  const message = (err as Error).message ?? String(err);
  const code = (err as { clickhouseCode?: number }).clickhouseCode ?? Number(/Code: (\d+)/.exec(message)?.[1] ?? 1001);
  const text = /Code: \d+/.test(message) ? message : `Code: ${code}. DB::Exception: ${message}. (STD_EXCEPTION)`;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(500, { 'Content-Type': 'text/plain; charset=UTF-8', 'X-ClickHouse-Exception-Code': String(code) }).end(`${text}\n`);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Splits a trailing `FORMAT Name` (which @clickhouse/client appends) off a statement. */
function splitFormat(query: string): { head: string; format: string | undefined } {
  const match = /^([\s\S]*?)\s*\bFORMAT\s+(\w+)\s*;?\s*$/i.exec(query);
  return match ? { head: match[1]!, format: match[2]! } : { head: query.replace(/;\s*$/, ''), format: undefined };
}

/** URL settings become the statement's SETTINGS clause (after one it may already have). */
function withSettings(head: string, settings: Record<string, string>): string {
  const entries = Object.entries(settings);
  if (entries.length === 0 || !/^\s*(SELECT|WITH|INSERT|SHOW|DESCRIBE|DESC|EXPLAIN|EXISTS|\()/i.test(head)) return head;
  if (/\bSETTINGS\b[^()'`]*$/i.test(head)) return `${head}, ${entries.map(settingLiteral).join(', ')}`;
  return `${head}${settingsClause(settings)}`;
}

function settingsClause(settings: Record<string, string>): string {
  const entries = Object.entries(settings);
  return entries.length ? ` SETTINGS ${entries.map(settingLiteral).join(', ')}` : '';
}

function settingLiteral([name, value]: [string, string]): string {
  if (!/^\w+$/.test(name)) throw Object.assign(new Error(`Code: 115. DB::Exception: Unknown setting '${name}'. (UNKNOWN_SETTING)`), { clickhouseCode: 115 });
  return /^-?\d+(\.\d+)?$/.test(value) ? `${name} = ${value}` : `${name} = '${value.replace(/[\\']/g, '\\$&')}'`;
}

/**
 * `param_*` values arrive in ClickHouse's escaped text format; chDB escapes the JS string it is
 * given, so a String parameter is unescaped first. Other types pass through (numbers and dates
 * have nothing to escape; arrays of strings with quotes or backslashes are not supported here).
 */
function paramValue(query: string, name: string, value: string): string {
  const type = new RegExp(`\\{${name}\\s*:\\s*([^}]+)\\}`).exec(query)?.[1] ?? '';
  if (!/^(Nullable\()?(LowCardinality\()?(String|FixedString)/.test(type.trim())) return value;
  return value.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', '0': '\0', b: '\b', f: '\f' })[c] ?? c);
}

function countRows(body: Buffer): number {
  let n = 0;
  for (const byte of body) if (byte === 0x0a) n += 1;
  return n;
}
