import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Session as ChdbSession } from 'chdb';
import { checkReadOnlyStatement, cleanEngineMessage } from './read-only-guard.ts';
import { engineCode, isPermanentCode, StoreError, type InsertOptions, type QueryLimits, type QueryResult, type Store } from './store.ts';

const require = createRequire(import.meta.url);

export interface ChdbStoreOptions {
  /** Data directory; chDB allows one process per directory. */
  path: string;
  database?: string;
}

/**
 * The embedded ClickHouse engine. Only async APIs are used: the sync ones block the event loop
 * for the whole query.
 */
export class ChdbStore implements Store {
  readonly kind = 'chdb' as const;
  readonly database: string;
  private session: ChdbSession | undefined;

  constructor(private readonly options: ChdbStoreOptions) {
    this.database = options.database ?? 'default';
  }

  async start(): Promise<void> {
    if (this.session) return;
    mkdirSync(this.options.path, { recursive: true });
    const { Session } = require('chdb') as typeof import('chdb');
    try {
      this.session = new Session(this.options.path);
    } catch (err) {
      const message = (err as Error).message;
      throw new StoreError(
        /CONNECTION|lock/i.test(message)
          ? `cannot open data directory ${this.options.path}: it is in use by another vigil process (chDB allows one process per directory); use \`vigil query\` against the running instance or another --data-dir`
          : `cannot open data directory ${this.options.path}: ${message}`,
        false,
        undefined,
        { cause: err },
      );
    }
    if (this.database !== 'default') await this.exec(`CREATE DATABASE IF NOT EXISTS \`${this.database}\``);
  }

  async shutdown(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    session?.close();
  }

  private get live(): ChdbSession {
    if (!this.session) throw new StoreError('store is not started', false);
    return this.session;
  }

  async exec(sql: string): Promise<void> {
    await this.wrap(() => this.live.queryAsync(sql, { format: 'JSONEachRow' }));
  }

  async query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
    const result = await this.wrap(() =>
      params ? this.live.queryBindAsync(sql, params, { format: 'JSONEachRow' }) : this.live.queryAsync(sql, { format: 'JSONEachRow' }),
    );
    const text = result.text();
    if (text.trim() === '') return [];
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as T);
  }

  async insertRows(table: string, rows: readonly object[], options: InsertOptions = {}): Promise<void> {
    if (rows.length === 0) return;
    // JSON.stringify escapes newlines inside values, so the payload never holds the blank
    // line at which chDB ends inline INSERT data (FIELD-NOTES).
    let payload = '';
    for (const row of rows) payload += JSON.stringify(row) + '\n';
    const settings: Record<string, string | number> = {
      // vigil batches itself and needs "acknowledged" to mean "written"; the engine's
      // async-insert buffer would add latency and a second dedup mechanism.
      async_insert: 0,
      // With a dedup window on the table, ClickHouse would also drop any block whose content
      // hashes like a recent one: two identical but distinct batches must both be kept, so
      // dedup is on only for inserts that carry a token (replays from the bus). Engine 26.x
      // governs this with deduplicate_insert; the older insert_deduplicate=0 no longer does.
      deduplicate_insert: options.dedupToken ? 'enable' : 'disable',
      deduplicate_blocks_in_dependent_materialized_views: 1,
    };
    if (options.dedupToken) settings.insert_deduplication_token = options.dedupToken;
    await this.wrap(() =>
      this.live.insert({ table: `${this.database}.${table}`, values: Buffer.from(payload), format: 'JSONEachRow', settings }),
    );
  }

  async readOnlyQuery(sql: string, limits: QueryLimits): Promise<QueryResult> {
    const statement = await checkReadOnlyStatement(sql, (q, p) => this.query(q, p));
    const seconds = Math.max(1, Math.ceil(limits.maxExecutionTimeMs / 1000));
    const guarded =
      `${statement} SETTINGS readonly = 1, max_execution_time = ${seconds}, ` +
      `max_result_rows = ${Math.floor(limits.maxResultRows)}, result_overflow_mode = 'throw'`;
    const result = await this.wrap(() =>
      this.live.queryAsync(guarded, { format: 'JSON', timeout: limits.maxExecutionTimeMs + 5000 }),
    );
    const text = result.text();
    if (text.trim() === '') return { meta: [], data: [], rows: 0 };
    const parsed = JSON.parse(text) as QueryResult;
    return { meta: parsed.meta, data: parsed.data, rows: parsed.rows, statistics: parsed.statistics };
  }

  private async wrap<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof StoreError) throw err;
      const message = (err as Error).message ?? String(err);
      const code = (err as { clickhouseCode?: number }).clickhouseCode ?? engineCode(message);
      throw new StoreError(cleanEngineMessage(message), !isPermanentCode(code), code, { cause: err });
    }
  }
}
