import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { insertSettings } from './insert-settings.ts';
import { cleanEngineMessage } from './engine-message.ts';
import { limitSettings, SqlSandbox } from './sql-sandbox/index.ts';
import { asStoreError, type EncodedBlock, type StoreCallKind, StoreError, type InsertOptions, type QueryLimits, type QueryResult, type Store } from './store.ts';

export interface ClickHouseStoreOptions {
  url: string;
  username?: string;
  password?: string;
  database?: string;
  /** PEM files for an https:// server with a private CA (and a client certificate for mutual TLS). */
  tls?: { ca_file: string; cert_file?: string; key_file?: string };
}

/** A ClickHouse server (or cluster entry point) over HTTP. */
export class ClickHouseStore implements Store {
  readonly kind = 'clickhouse' as const;
  readonly database: string;
  private client: ClickHouseClient | undefined;
  private readonly sandbox: SqlSandbox;

  constructor(private readonly options: ClickHouseStoreOptions) {
    this.database = options.database ?? 'default';
    this.sandbox = new SqlSandbox(this.database);
  }

  async start(): Promise<void> {
    if (this.client) return;
    this.client = createClient({
      url: this.options.url,
      username: this.options.username ?? 'default',
      password: this.options.password ?? '',
      database: this.database,
      request_timeout: 60_000,
      tls: this.tlsOptions(),
    });
    const ping = await this.client.ping();
    if (!ping.success) {
      throw new StoreError(`cannot reach ClickHouse at ${redactUrl(this.options.url)}: ${ping.error.message}`, true);
    }
  }

  private tlsOptions() {
    const tls = this.options.tls;
    if (!tls) return undefined;
    const read = (key: 'ca_file' | 'cert_file' | 'key_file') => {
      try {
        return readFileSync(tls[key]!);
      } catch (err) {
        throw new StoreError(`store.tls.${key}: cannot read ${tls[key]}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, false);
      }
    };
    const ca_cert = read('ca_file');
    return tls.cert_file && tls.key_file ? { ca_cert, cert: read('cert_file'), key: read('key_file') } : { ca_cert };
  }

  async shutdown(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.close();
  }

  private get live(): ClickHouseClient {
    if (!this.client) throw new StoreError('store is not started', false);
    return this.client;
  }

  async exec(sql: string): Promise<void> {
    await this.wrap(() => this.live.command({ query: sql }));
  }

  async query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
    return this.wrap(async () => {
      const result = await this.live.query({ query: sql, query_params: params, format: 'JSONEachRow' });
      return (await result.json()) as T[];
    }, 'read');
  }

  async insertRows(table: string, rows: readonly object[], options: InsertOptions = {}): Promise<void> {
    if (rows.length === 0) return;
    await this.wrap(() =>
      this.live.insert({
        table,
        values: rows as object[],
        format: 'JSONEachRow',
        // The same settings as ChdbStore's (insert-settings.ts).
        clickhouse_settings: insertSettings(options) as ClickHouseSettings,
      }),
    );
  }

  /** Rows the transcoder encoded, sent as the body of `INSERT … FORMAT RowBinary` over HTTP. */
  async insertEncoded(table: string, block: EncodedBlock, options: InsertOptions = {}): Promise<void> {
    const parts = [block.data, ...(block.more ?? [])].filter((part) => part.length > 0);
    if (parts.length === 0) return;
    for (const column of block.columns) {
      if (/[`\\]/.test(column)) throw new StoreError(`cannot insert into ${table}: invalid column name ${JSON.stringify(column)}`, false);
    }
    const columns = block.columns.map((c) => `\`${c}\``).join(', ');
    await this.wrap(async () => {
      const result = await this.live.exec({
        query: `INSERT INTO \`${this.database}\`.\`${table}\` (${columns}) FORMAT RowBinary`,
        values: Readable.from(parts.map((part) => Buffer.from(part.buffer, part.byteOffset, part.byteLength))),
        clickhouse_settings: insertSettings(options) as ClickHouseSettings,
      });
      // The answer carries nothing; drain it so the connection goes back to the pool.
      for await (const _chunk of result.stream) void _chunk;
    });
  }

  /** The SQL sandbox (sql-sandbox/), then the query under limits; aborting limits.signal cancels it on the server. */
  async readOnlyQuery(sql: string, limits: QueryLimits, params?: Record<string, unknown>): Promise<QueryResult> {
    const statement = await this.sandbox.check(sql, (q, p) => this.query(q, p), params);
    return this.wrap(async () => {
      const result = await this.live.query({
        query: statement,
        query_params: params,
        format: 'JSON',
        abort_signal: limits.signal,
        clickhouse_settings: {
          // readonly=2: reads only, but the limits below may still be set in the same request.
          readonly: '2',
          // The server stops a read whose client went away (an aborted request).
          cancel_http_readonly_queries_on_client_close: 1,
          ...(limitSettings(limits) as ClickHouseSettings),
        },
      });
      return (await result.json()) as unknown as QueryResult;
    }, 'read');
  }

  private wrap<T>(run: () => Promise<T>, kind: StoreCallKind = 'write'): Promise<T> {
    return asStoreError(
      run,
      (err) => {
        const raw = (err as { code?: string }).code;
        return raw && /^\d+$/.test(raw) ? Number(raw) : undefined;
      },
      cleanEngineMessage,
      kind,
    );
  }

}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^/:@\s]*):[^/@\s]*@/, '//$1:<redacted>@');
}
