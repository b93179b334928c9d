import { existsSync, mkdirSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import type { Session as ChdbSession } from 'chdb';
import { cleanEngineMessage } from './engine-message.ts';
import { sweepSpoolFiles } from './spool-sweep.ts';
import { ChdbSessionLane } from './chdb-session-lane.ts';
import { limitSettings, settingsClause, SqlSandbox, type QueryRunner } from './sql-sandbox/index.ts';
import { RowBinaryEncoder } from './row-binary/row-binary-encoder.ts';
import { insertSettingsClause } from './insert-settings.ts';
import { asStoreError, classifyCode, type EncodedBlock, type StoreCallKind, StoreError, type InsertOptions, type QueryLimits, type QueryResult, type Store } from './store.ts';

const require = createRequire(import.meta.url);

export interface ChdbStoreOptions {
  /** Data directory; chDB allows one process per directory. */
  path: string;
  database?: string;
  /** Ad-hoc queries run at once (each on its own engine session); more wait for one. Default 4. */
  maxAdHocSessions?: number;
}

/** Tags ad-hoc queries in the engine's process list so one, or all at shutdown, can be killed. */
const AD_HOC_TAG = 'vigil_adhoc_';
/**
 * libuv worker threads kept free of ad-hoc queries: chDB runs every async call on one, and so do
 * file writes (the insert spool), so with all of them busy an insert, a rule query or the KILL
 * QUERY that cancels a slow query would wait until a slow query ends (measured: a 29 s stall).
 */
const FREE_UV_THREADS = 3;
/** How long shutdown waits for killed ad-hoc queries to end before closing their sessions. */
const AD_HOC_DRAIN_MS = 2000;

/**
 * The embedded ClickHouse engine. Only async APIs are used: the sync ones block the event loop
 * for the whole query.
 */
export class ChdbStore implements Store {
  readonly kind = 'chdb' as const;
  readonly database: string;
  private session: ChdbSession | undefined;
  private main: ChdbSessionLane | undefined;
  // Reads (rule queries, schema lookups) have a session of their own, so a rule evaluation does
  // not queue behind a batch insert and an insert not behind a rule.
  private reads: ChdbSessionLane | undefined;
  private readonly sandbox: SqlSandbox;
  // Ad-hoc queries run on sessions of their own (same data directory), so inserts and rule
  // queries on the main session never wait behind them; bench:read-isolation has the numbers.
  private readonly idleAdHoc: ChdbSessionLane[] = [];
  private readonly busyAdHoc = new Set<ChdbSessionLane>();
  private readonly adHocWaiters: Array<{ grant: (lane: ChdbSessionLane) => void; fail: (err: Error) => void }> = [];
  private control: ChdbSessionLane | undefined;
  private closing = false;
  private readonly columnTypes = new Map<string, Map<string, string>>();
  private readonly encoders = new Map<string, RowBinaryEncoder>();
  private spoolSeq = 0;
  // Binary inserts go through a file: chDB ends inline INSERT data at the first blank line,
  // which binary data contains at random (FIELD-NOTES). tmpfs keeps that off the disk.
  private readonly spoolDir = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

  constructor(private readonly options: ChdbStoreOptions) {
    this.database = options.database ?? 'default';
    this.sandbox = new SqlSandbox(this.database);
  }

  async start(): Promise<void> {
    if (this.session) return;
    mkdirSync(this.options.path, { recursive: true });
    sweepSpoolFiles(this.spoolDir);
    try {
      this.session = this.openSession();
      this.main = new ChdbSessionLane(this.session);
      this.reads = new ChdbSessionLane(this.openSession());
      this.closing = false;
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

  /**
   * Cancels queued and running ad-hoc queries (KILL QUERY, then up to 2 s for them to end), then
   * closes every session. Inserts and rule queries already queued on their sessions finish.
   */
  async shutdown(): Promise<void> {
    if (!this.session) return;
    this.closing = true;
    for (const waiter of this.adHocWaiters.splice(0)) waiter.fail(new StoreError('vigil is shutting down: query cancelled', true));
    if (this.busyAdHoc.size > 0) {
      const drained = Promise.all([...this.busyAdHoc].map((lane) => lane.idle()));
      await this.killUntil(AD_HOC_TAG, drained, AD_HOC_DRAIN_MS);
    }
    await Promise.all([this.main?.idle(), this.reads?.idle()]);
    this.reads?.close();
    this.reads = undefined;
    for (const lane of [...this.idleAdHoc.splice(0), ...this.busyAdHoc]) lane.close();
    this.busyAdHoc.clear();
    this.control?.close();
    this.control = undefined;
    this.main = undefined;
    const session = this.session;
    this.session = undefined;
    session?.close();
  }

  private openSession(): ChdbSession {
    const { Session } = require('chdb') as typeof import('chdb');
    return new Session(this.options.path);
  }

  private get live(): ChdbSessionLane {
    if (!this.main) throw new StoreError('store is not started', false);
    return this.main;
  }

  private get readLane(): ChdbSessionLane {
    if (!this.reads) throw new StoreError('store is not started', false);
    return this.reads;
  }

  async exec(sql: string): Promise<void> {
    await this.wrap(this.live, (s) => s.queryAsync(sql, { format: 'JSONEachRow' }));
  }

  async query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
    return this.queryOn<T>(this.readLane, sql, params);
  }

  private async queryOn<T>(lane: ChdbSessionLane, sql: string, params?: Record<string, unknown>): Promise<T[]> {
    const result = await this.wrap(
      lane,
      (s) => (params ? s.queryBindAsync(sql, params, { format: 'JSONEachRow' }) : s.queryAsync(sql, { format: 'JSONEachRow' })),
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
    let payload: Buffer;
    try {
      payload = encoder.encode(rows);
    } catch (err) {
      // A value that does not fit its column: the same rows would fail again.
      throw new StoreError(`cannot encode rows for ${table}: ${(err as Error).message}`, false);
    }
    await this.insertRowBinary(table, encoder.columns, payload, options);
  }

  /** Rows the transcoder encoded: the same FROM INFILE insert as insertRows, without encoding. */
  async insertEncoded(table: string, block: EncodedBlock, options: InsertOptions = {}): Promise<void> {
    const parts = block.more?.length ? [block.data, ...block.more].filter((part) => part.length > 0) : block.data.length > 0 ? [block.data] : [];
    if (parts.length === 0) return;
    for (const column of block.columns) {
      if (/[`\\]/.test(column)) throw new StoreError(`cannot insert into ${table}: invalid column name ${JSON.stringify(column)}`, false);
    }
    await this.insertRowBinary(table, block.columns, parts, options);
  }

  private async insertRowBinary(table: string, columns: readonly string[], payload: Uint8Array | readonly Uint8Array[], options: InsertOptions): Promise<void> {
    const file = join(this.spoolDir, `vigil-${process.pid}-${++this.spoolSeq}.rowbinary`);
    try {
      await spool(file, payload);
    } catch (err) {
      // A file that was there already is not ours to remove (see spool()).
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') await unlink(file).catch(() => {});
      // Retryable: the next attempt spools to a new name (tmpfs full may pass, too).
      throw new StoreError(`cannot write the insert's spool file ${file}: ${(err as Error).message}`, true, undefined, { cause: err });
    }
    try {
      await this.wrap(this.live, (s) =>
        s.queryAsync(
          `INSERT INTO \`${this.database}\`.\`${table}\` (${columns.map((c) => `\`${c}\``).join(', ')}) ` +
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

  /**
   * Runs one user statement through the SQL sandbox, read-only and under limits. Ad-hoc queries
   * (limits.adHoc) run on a session of their own and can be cancelled through limits.signal.
   */
  async readOnlyQuery(sql: string, limits: QueryLimits, params?: Record<string, unknown>): Promise<QueryResult> {
    if (!limits.adHoc) return this.readOnlyOn(this.readLane, sql, limits, params);
    if (limits.signal?.aborted) throw cancelled();
    const lane = await this.acquireAdHocLane(limits.signal);
    const tag = `${AD_HOC_TAG}${randomUUID().replaceAll('-', '')}`;
    const work = this.readOnlyOn(lane, sql, limits, params, tag, limits.signal);
    // The lane goes back to the pool when the engine is done with it, not when a caller stops
    // waiting: a killed query still has to end and be drained.
    void work.catch(() => {}).finally(() => this.releaseAdHocLane(lane));
    if (!limits.signal) return work;
    const signal = limits.signal;
    let onAbort: () => void = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        void this.killUntil(tag, work.catch(() => {}), limits.maxExecutionTimeMs);
        reject(cancelled());
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([work, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async readOnlyOn(lane: ChdbSessionLane, sql: string, limits: QueryLimits, params?: Record<string, unknown>, tag?: string, signal?: AbortSignal): Promise<QueryResult> {
    const run: QueryRunner = (q, p) => this.queryOn(lane, q, p);
    const statement = await this.sandbox.check(sql, run, params);
    if (signal?.aborted || (tag && this.closing)) throw cancelled();
    // readonly first: it also stops the statement from changing settings the clause did not set.
    const settings = { readonly: 1, ...limitSettings(limits), ...(tag ? { log_comment: tag } : {}) };
    const guarded = `${statement} SETTINGS ${settingsClause(settings)}`;
    const options = { format: 'JSON', timeout: limits.maxExecutionTimeMs + 5000 };
    const result = await this.wrap(lane, (s) => (params ? s.queryBindAsync(guarded, params, options) : s.queryAsync(guarded, options)), 'read');
    const text = result.text();
    if (text.trim() === '') return { meta: [], data: [], rows: 0 };
    const parsed = JSON.parse(text) as QueryResult;
    return { meta: parsed.meta, data: parsed.data, rows: parsed.rows, statistics: parsed.statistics };
  }

  private acquireAdHocLane(signal?: AbortSignal): Promise<ChdbSessionLane> {
    if (this.closing || !this.session) return Promise.reject(new StoreError('vigil is shutting down: query cancelled', true));
    if (this.busyAdHoc.size < this.adHocCapacity) {
      const lane = this.idleAdHoc.pop() ?? new ChdbSessionLane(this.openSession());
      this.busyAdHoc.add(lane);
      return Promise.resolve(lane);
    }
    return new Promise((grant, fail) => {
      const waiter = { grant, fail };
      this.adHocWaiters.push(waiter);
      signal?.addEventListener('abort', () => {
        const at = this.adHocWaiters.indexOf(waiter);
        if (at >= 0) this.adHocWaiters.splice(at, 1);
        fail(cancelled());
      }, { once: true });
    });
  }

  /** Ad-hoc queries the engine runs at once: the configured cap, within the libuv pool's room. */
  private get adHocCapacity(): number {
    const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
    return Math.max(1, Math.min(this.options.maxAdHocSessions ?? 4, pool - FREE_UV_THREADS));
  }

  private releaseAdHocLane(lane: ChdbSessionLane): void {
    if (!this.busyAdHoc.has(lane)) return;
    const waiter = this.adHocWaiters.shift();
    if (waiter) return waiter.grant(lane);
    this.busyAdHoc.delete(lane);
    if (this.closing) lane.close();
    else this.idleAdHoc.push(lane);
  }

  /**
   * KILL QUERY again every 250 ms until `ended` settles or `deadlineMs` passes: a query aborted
   * while still in the sandbox check is not in the engine's process list yet, and one KILL
   * would miss it.
   */
  private async killUntil(tag: string, ended: Promise<unknown>, deadlineMs: number): Promise<void> {
    let done = false;
    void ended.finally(() => (done = true));
    const deadline = Date.now() + deadlineMs;
    while (!done && Date.now() < deadline) {
      await this.kill(tag).catch(() => {});
      await Promise.race([ended.catch(() => {}), new Promise((r) => setTimeout(r, 250).unref())]);
    }
  }

  /** KILL QUERY for queries whose text carries `tag`; runs on a session nothing else waits on. */
  private async kill(tag: string): Promise<void> {
    if (!this.session) return;
    this.control ??= new ChdbSessionLane(this.openSession());
    await this.control.run((s) => s.queryAsync(`KILL QUERY WHERE query LIKE '%${tag}%' AND query NOT ILIKE 'KILL%' ASYNC`, { format: 'Null' }));
  }

  /** Runs a call on a lane and turns its failure into a StoreError (error-codes.ts). */
  private wrap<T>(lane: ChdbSessionLane, call: (session: ChdbSession) => Promise<T>, kind: StoreCallKind = 'write'): Promise<T> {
    return asStoreError(() => lane.run(call), (err) => (err as { clickhouseCode?: number }).clickhouseCode, cleanEngineMessage, kind);
  }
}

/**
 * Writes the insert's file: one writev of every part (one trip to the libuv pool, where
 * fs.writeFile makes one per 512 KiB), and nothing joined first.
 */
async function spool(file: string, payload: Uint8Array | readonly Uint8Array[]): Promise<void> {
  const parts = payload instanceof Uint8Array ? [payload] : payload;
  // The name is predictable and /dev/shm is writable by every user: create the file, never
  // open one that exists (a planted symlink would have vigil, often root, overwrite its target),
  // and make it readable by this user only (it holds the telemetry being inserted).
  const handle = await open(file, 'wx', 0o600);
  try {
    let total = 0;
    for (const part of parts) total += part.length;
    const { bytesWritten } = await handle.writev(parts as Uint8Array[]);
    // libuv writes on until every byte is out; anything less is an error, not a short file.
    if (bytesWritten !== total) throw new Error(`short write to ${file}: ${bytesWritten} of ${total} bytes`);
  } finally {
    await handle.close();
  }
}

function cancelled(): StoreError {
  return new StoreError('query cancelled', false, 394);
}
