import { selfMetrics, type Logger } from '../core/telemetry/index.ts';
import type { Store } from '../core/store/index.ts';
import { StoreError } from '../core/store/index.ts';
import { withRetry } from '../core/retry/index.ts';
import type { DeliveryReport } from '../core/bus/index.ts';
import { isolateRefusedRows, refusedIn } from './isolate-refused-rows.ts';

export interface BatchOptions {
  maxRows: number;
  maxDelayMs: number;
  /** How long one batch keeps retrying a retryable insert failure before its senders get an error. */
  retryForMs: number;
}

interface PendingBatch {
  rows: object[];
  /** Each sender's rows are rows [from, to) of the batch. */
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void; from: number; to: number; delivery?: DeliveryReport }>;
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
  /** Rows the store refused for good, found by splitting a refused batch (the rest of it landed). */
  refusedRows = 0;

  constructor(
    readonly table: string,
    private readonly store: Store,
    private readonly options: BatchOptions,
    private readonly logger: Logger,
  ) {}

  /**
   * Resolves once `rows` are stored. Rows the store refuses for good do not fail their
   * neighbours: they are reported to `delivery` (and counted), and the rest land.
   */
  add(rows: readonly object[], delivery?: DeliveryReport): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    const from = this.batch.rows.length;
    const done = new Promise<void>((resolve, reject) => this.batch.waiters.push({ resolve, reject, from, to: from + rows.length, delivery }));
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

  private insertWithRetry(rows: object[]): Promise<void> {
    return withRetry(() => this.store.insertRows(this.table, rows), {
      maxElapsedMs: this.options.retryForMs,
      isRetryable: (error) => error instanceof StoreError && error.retryable,
      onRetry: (error, attempt) => {
        if (attempt === 1) this.logger.warn({ table: this.table, err: (error as Error).message }, 'insert failed; retrying');
      },
    });
  }

  private async insert(batch: PendingBatch): Promise<void> {
    const started = performance.now();
    try {
      try {
        await this.insertWithRetry(batch.rows);
      } catch (error) {
        if (!isPermanent(error)) throw error;
        await this.isolate(batch, error as Error);
        return;
      }
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

  /**
   * The store refused the batch for good: bad rows must not sink the good ones, so the batch is
   * split until the refused rows are found; the rest lands and each sender hears how many of its
   * rows were refused (reported to the OTLP client as partial_success).
   */
  private async isolate(batch: PendingBatch, error: Error): Promise<void> {
    const { refused } = await isolateRefusedRows(batch.rows.length, (from, to) => this.insertWithRetry(batch.rows.slice(from, to)), isPermanent);
    const refusedCount = refusedIn(refused, 0, batch.rows.length);
    this.refusedRows += refusedCount;
    this.insertedRows += batch.rows.length - refusedCount;
    this.insertCount += 1;
    this.logger.error({ table: this.table, rows: batch.rows.length, refused: refusedCount, err: error.message }, 'store refused rows; the rest of the batch was stored');
    for (const w of batch.waiters) {
      const n = refusedIn(refused, w.from, w.to);
      if (n > 0) w.delivery?.refused(n, `${this.table}: ${error.message.slice(0, 300)}`);
      w.resolve();
    }
  }
}

const isPermanent = (error: unknown) => error instanceof StoreError && !error.retryable;
