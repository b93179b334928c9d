import { existsSync, mkdirSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Session as ChdbSession } from 'chdb';
import { checkReadOnlyStatement, cleanEngineMessage } from './read-only-guard.ts';
import { RowBinaryEncoder } from './row-binary/row-binary-encoder.ts';
import { insertSettingsClause } from './insert-settings.ts';
import { asStoreError, classifyCode, type StoreCallKind, StoreError, type InsertOptions, type QueryLimits, type QueryResult, type Store } from './store.ts';

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
  private readonly columnTypes = new Map<string, Map<string, string>>();
  private readonly encoders = new Map<string, RowBinaryEncoder>();
  private spoolSeq = 0;
  private serial: Promise<unknown> = Promise.resolve();
  // Binary inserts go through a file: chDB ends inline INSERT data at the first blank line,
  // which binary data contains at random (FIELD-NOTES). tmpfs keeps that off the disk.
  private readonly spoolDir = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

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
    const result = await this.wrap(
      () => (params ? this.live.queryBindAsync(sql, params, { format: 'JSONEachRow' }) : this.live.queryAsync(sql, { format: 'JSONEachRow' })),
      'read',
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
    const encoder = await this.encoderFor(table, Object.keys(rows[0]!));
    // RowBinary costs the engine about a third of what parsing JSONEachRow does.
    const file = join(this.spoolDir, `vigil-${process.pid}-${++this.spoolSeq}.rowbinary`);
    let payload: Buffer;
    try {
      payload = encoder.encode(rows);
    } catch (err) {
      // A value that does not fit its column: the same rows would fail again.
      throw new StoreError(`cannot encode rows for ${table}: ${(err as Error).message}`, false);
    }
    await writeFile(file, payload);
    try {
      await this.wrap(() =>
        this.live.queryAsync(
          `INSERT INTO \`${this.database}\`.\`${table}\` (${encoder.columns.map((c) => `\`${c}\``).join(', ')}) ` +
            `FROM INFILE '${file}' SETTINGS ${insertSettingsClause(options)} FORMAT RowBinary`,
        ),
      );
    } finally {
      await unlink(file).catch(() => {});
    }
  }

  private async encoderFor(table: string, columns: string[]): Promise<RowBinaryEncoder> {
    const key = `${table}:${columns.join(',')}`;
    let encoder = this.encoders.get(key);
    if (!encoder) {
      let types = this.columnTypes.get(table);
      // A column unknown to the cached types may have been added since (a migration such as
      // 0008 run by this or another process): read the table's columns again before refusing.
      if (!types || columns.some((c) => !types!.has(c))) {
        const rows = await this.query<{ name: string; type: string }>(
          'SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {table:String}',
          { db: this.database, table },
        );
        // Retryable: with ON CLUSTER the table may still be on its way to this replica.
        if (rows.length === 0) throw new StoreError(`table ${this.database}.${table} does not exist`, classifyCode(60, 'write') === 'retryable', 60);
        types = new Map(rows.map((r) => [r.name, r.type]));
        this.columnTypes.set(table, types);
      }
      try {
        encoder = new RowBinaryEncoder(columns, types);
      } catch (err) {
        throw new StoreError(`cannot insert into ${table}: ${(err as Error).message}`, false);
      }
      this.encoders.set(key, encoder);
    }
    return encoder;
  }

  async readOnlyQuery(sql: string, limits: QueryLimits, params?: Record<string, unknown>): Promise<QueryResult> {
    const statement = await checkReadOnlyStatement(sql, (q, p) => this.query(q, p), params);
    const seconds = Math.max(1, Math.ceil(limits.maxExecutionTimeMs / 1000));
    const guarded =
      `${statement} SETTINGS readonly = 1, max_execution_time = ${seconds}, ` +
      `max_result_rows = ${Math.floor(limits.maxResultRows)}, result_overflow_mode = 'throw'`;
    const options = { format: 'JSON', timeout: limits.maxExecutionTimeMs + 5000 };
    const result = await this.wrap(
      () => (params ? this.live.queryBindAsync(guarded, params, options) : this.live.queryAsync(guarded, options)),
      'read',
    );
    const text = result.text();
    if (text.trim() === '') return { meta: [], data: [], rows: 0 };
    const parsed = JSON.parse(text) as QueryResult;
    return { meta: parsed.meta, data: parsed.data, rows: parsed.rows, statistics: parsed.statistics };
  }

  /**
   * Runs one engine call at a time, and after a failed one drains what it left behind: chDB
   * 3.4 hands the output a query wrote before failing (rows before a throwIf, a JSON header
   * before a timeout) to the session's next query, as if that query had returned it. chDB runs
   * one query at a time anyway, so queuing here costs nothing and keeps the next caller's
   * query from running before the drain.
   */
  private wrap<T>(run: () => Promise<T>, kind: StoreCallKind = 'write'): Promise<T> {
    const result = this.serial.then(async () => {
      try {
        return await run();
      } catch (err) {
        await this.session?.queryAsync('SELECT 1', { format: 'Null' }).catch(() => {});
        throw err;
      }
    });
    this.serial = result.catch(() => {});
    return asStoreError(() => result, (err) => (err as { clickhouseCode?: number }).clickhouseCode, cleanEngineMessage, kind);
  }

}
