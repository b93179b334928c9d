/** Limits a read-only query runs under; enforced by the engine, not by string checks. */
export interface QueryLimits {
  maxExecutionTimeMs: number;
  maxResultRows: number;
  maxResultBytes?: number;
  maxMemoryUsage?: number;
  /** Threads one query may use; ad-hoc queries get fewer so ingest keeps a core. */
  maxThreads?: number;
  /**
   * A user's ad-hoc query (the SQL API): in embedded mode it runs on its own engine session so
   * inserts and rule queries never queue behind it.
   */
  adHoc?: boolean;
  /** Aborting cancels the query in the engine (KILL QUERY), not only the wait for it. */
  signal?: AbortSignal;
}

export interface QueryResult {
  meta: Array<{ name: string; type: string }>;
  data: Array<Record<string, unknown>>;
  rows: number;
  statistics?: { elapsed: number; rows_read: number; bytes_read: number };
}

export interface InsertOptions {
  /**
   * Identity of this block of rows: a replay with the same token is dropped by the engine
   * (and in materialized-view targets), so replays after a crash do not duplicate rows.
   */
  dedupToken?: string;
}

/** Rows already encoded as RowBinary for an explicit column list (core/model/transcode's output). */
export interface EncodedBlock {
  columns: readonly string[];
  data: Uint8Array;
  /**
   * More rows for the same columns, after `data` in this order: a batch of blocks is inserted as
   * the blocks are, never joined into one more buffer first.
   */
  more?: readonly Uint8Array[];
}

/**
 * The seam between vigil and ClickHouse: the embedded chDB engine or a ClickHouse server.
 * Everything above it is written once.
 */
export interface Store {
  readonly kind: 'chdb' | 'clickhouse';
  readonly database: string;
  start(): Promise<void>;
  /** Idempotent and safe without start(). */
  shutdown(): Promise<void>;
  /** Runs a statement that returns nothing worth reading (DDL, commands). */
  exec(sql: string): Promise<void>;
  /** Runs a query and returns its rows; `{name:Type}` placeholders are bound by the engine. */
  query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /** Inserts rows (objects keyed by column name) into a table of this store's database. */
  insertRows(table: string, rows: readonly object[], options?: InsertOptions): Promise<void>;
  /**
   * Inserts rows already encoded as RowBinary (the transcoder's blocks), with the same settings
   * and errors as insertRows. Optional while the ingest paths still insert row objects.
   */
  insertEncoded?(table: string, block: EncodedBlock, options?: InsertOptions): Promise<void>;
  /** Runs one statement users sent through the SQL API, read-only, under limits; `{name:Type}` placeholders bound from params. */
  readOnlyQuery(sql: string, limits: QueryLimits, params?: Record<string, unknown>): Promise<QueryResult>;
}

/** Why a store call failed, and whether trying again can help. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The engine's error code (e.g. 164 READONLY), when it gave one. */
    readonly code?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export { classifyCode, engineCode, isPermanentCode, type ErrorClass, type StoreCallKind } from './error-codes.ts';
import { classifyCode, engineCode, type StoreCallKind } from './error-codes.ts';

/**
 * Runs a driver call and turns its failure into a StoreError whose retryability comes from the
 * one table of engine codes (error-codes.ts). `kind` says what the call was: an unknown table is
 * worth retrying for a write (ON CLUSTER DDL still propagating) but not for a user's query.
 * `codeOf` reads the driver's own error code field.
 */
export async function asStoreError<T>(
  run: () => Promise<T>,
  codeOf: (err: unknown) => number | undefined,
  clean: (m: string) => string,
  kind: StoreCallKind = 'write',
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof StoreError) throw err;
    const message = (err as Error).message ?? String(err);
    const code = codeOf(err) ?? engineCode(message);
    throw new StoreError(clean(message), classifyCode(code, kind) === 'retryable', code, { cause: err });
  }
}
