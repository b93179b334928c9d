import { selfMetrics, type Logger } from '../core/telemetry/index.ts';
import type { Store } from '../core/store/index.ts';
import { StoreError } from '../core/store/index.ts';
import { withRetry } from '../core/retry/index.ts';

export interface BatchOptions {
  maxRows: number;
  maxDelayMs: number;
  /** How long one batch keeps retrying a retryable insert failure before its senders get an error. */
  retryForMs: number;
}

interface PendingBatch {
  rows: object[];
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
  timer?: NodeJS.Timeout;
}

/**
 * Collects rows for one table into inserts of thousands of rows (ClickHouse's guidance), with
 * one insert in flight while the next batch fills. Each add() resolves once its rows are stored.
 */
export class TableBatcher {
  private batch: PendingBatch = { rows: [], waiters: [] };
  private tail: Promise<void> = Promise.resolve();
  insertedRows = 0;
  insertCount = 0;
  failedRows = 0;

  constructor(
    readonly table: string,
    private readonly store: Store,
    private readonly options: BatchOptions,
    private readonly logger: Logger,
  ) {}

  add(rows: readonly object[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.batch.waiters.push({ resolve, reject }));
    for (const row of rows) this.batch.rows.push(row);
    if (this.batch.rows.length >= this.options.maxRows) this.flush();
    else this.batch.timer ??= setTimeout(() => this.flush(), this.options.maxDelayMs);
    return done;
  }

  /** Sends what has been collected; resolves when every insert so far has settled. */
  flush(): Promise<void> {
    const batch = this.batch;
    if (batch.timer) clearTimeout(batch.timer);
    this.batch = { rows: [], waiters: [] };
    if (batch.rows.length > 0) this.tail = this.tail.then(() => this.insert(batch));
    return this.tail;
  }

  private async insert(batch: PendingBatch): Promise<void> {
    const started = performance.now();
    try {
      await withRetry(() => this.store.insertRows(this.table, batch.rows), {
        maxElapsedMs: this.options.retryForMs,
        isRetryable: (error) => error instanceof StoreError && error.retryable,
        onRetry: (error, attempt) => {
          if (attempt === 1) this.logger.warn({ table: this.table, err: (error as Error).message }, 'insert failed; retrying');
        },
      });
      this.insertedRows += batch.rows.length;
      this.insertCount += 1;
      selfMetrics.insert(this.table, batch.rows.length, (performance.now() - started) / 1000, 'ok');
      for (const w of batch.waiters) w.resolve();
    } catch (error) {
      this.failedRows += batch.rows.length;
      selfMetrics.insert(this.table, batch.rows.length, (performance.now() - started) / 1000, 'failed');
      this.logger.error({ table: this.table, rows: batch.rows.length, err: (error as Error).message }, 'insert failed; senders get an error and retry');
      for (const w of batch.waiters) w.reject(error);
    }
  }
}
