import { selfMetrics, type Logger } from '../core/telemetry/index.ts';
import type { Store } from '../core/store/index.ts';
import { StoreError } from '../core/store/index.ts';
import { withRetry } from '../core/retry/index.ts';
import type { DeliveryReport } from '../core/bus/index.ts';
import { isolateRefusedRows, refusedIn } from './isolate-refused-rows.ts';
import { RowBatch, partRows, type RowPart } from './row-batch.ts';

export interface BatchOptions {
  /** A batch is closed once it holds this many rows (one add() is never split across inserts). */
  maxRows: number;
  /**
   * How long rows wait for company when no insert of their table is running (processor.batch.max_delay).
   * 0, the default, inserts on the next turn of the event loop; rows that arrive while an insert
   * runs never wait for a timer: they go in the next insert, sent as soon as that one finishes.
   */
  maxDelayMs: number;
  /** How long one batch keeps retrying a retryable insert failure before its senders get an error. */
  retryForMs: number;
  /**
   * After an insert, how long the next one may wait for as many new rows as that insert stored
   * (processor.batch.regroup_delay; 0 or absent: it goes at once). See TableBatcher.
   */
  regroupDelayMs?: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
  /** This sender's rows are rows [from, to) of the batch. */
  from: number;
  to: number;
  delivery?: DeliveryReport;
}

interface PendingBatch {
  content: RowBatch;
  waiters: Waiter[];
  /** Resolves once the batch's insert has settled (stored, partly refused, or failed). */
  settled: Promise<void>;
  markSettled: () => void;
}

function emptyBatch(): PendingBatch {
  let markSettled!: () => void;
  const settled = new Promise<void>((resolve) => (markSettled = resolve));
  return { content: new RowBatch(), waiters: [], settled, markSettled };
}

/**
 * Collects rows for one table into inserts by group commit: when no insert of the table is
 * running, rows go at once (adds of the same event-loop turn share the insert); while one runs,
 * rows accumulate and go together as soon as it finishes. Throughput then follows the engine,
 * not a timer: a fixed linger with one insert in flight capped it at rows-in-flight / (linger +
 * insert time). Each add() resolves once its rows are stored.
 *
 * Regrouping: senders that wait for their rows to be stored (OTLP clients waiting for the 2xx)
 * settle into two cohorts, one inserting while the other accumulates, so inserts hold half the
 * rows in flight, and the engine's cost per insert (a part's files, the merges of many small
 * parts) is paid twice as often. So after an insert of N rows from several senders, the next one
 * waits, up to regroupDelayMs, until N more rows have joined the waiting ones (the senders just
 * answered coming back). After an insert from one sender nothing waits. Measured with
 * 16 clients at 100 records a request: inserts of ~1,570 instead of ~790 rows, +5–45% records/s
 * at 20–40% less engine CPU per record (README, Benchmarks).
 *
 * Memory: each insert holds at most max_rows rows (plus the last add's); closed batches queue
 * behind the running insert, bounded upstream, because every row belongs to a request or Kafka
 * batch that waits for it (bus.max_pending_bytes in-process, the consumer's fetch with Kafka).
 */
export class TableBatcher {
  private open: PendingBatch = emptyBatch();
  /** Batches closed (full, or flushed) while an insert was running; sent in order. */
  private readonly closed: PendingBatch[] = [];
  private running: Promise<void> | undefined;
  private wake: { cancel: () => void } | undefined;
  /** While the next insert waits for company (regroupDelayMs): the rows it waits for. */
  private regrouping: { target: number; end: () => void } | undefined;
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
   * Resolves once `rows` (row objects, or a block the transcoder encoded) are stored. Rows the
   * store refuses for good do not fail their neighbours: they are reported to `delivery` (and
   * counted), and the rest land.
   */
  add(rows: RowPart, delivery?: DeliveryReport): Promise<void> {
    if (partRows(rows) === 0) return Promise.resolve();
    if (!this.open.content.takes(rows)) this.close();
    const batch = this.open;
    const { from, to } = batch.content.push(rows);
    const done = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject, from, to, delivery }));
    if (batch.content.rows >= this.options.maxRows) this.close();
    else if (this.regrouping && this.open.content.rows >= this.regrouping.target) this.regrouping.end();
    this.schedule();
    return done;
  }

  /** Sends what has been collected; resolves when every insert so far has settled. */
  flush(): Promise<void> {
    this.close();
    const last = this.closed.at(-1);
    this.startSending();
    return last ? last.settled : (this.running ?? Promise.resolve());
  }

  /** Closes the open batch: no more rows join it; it is sent once the batches before it are. */
  private close(): void {
    this.regrouping?.end(); // a full batch, or a flush, does not wait for company
    if (this.open.content.rows === 0) return;
    this.closed.push(this.open);
    this.open = emptyBatch();
  }

  /** Resolves once the open batch holds `target` rows, or regroupDelayMs has passed, or it is closed. */
  private regroup(target: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.regrouping?.end(), this.options.regroupDelayMs);
      this.regrouping = {
        target,
        end: () => {
          clearTimeout(timer);
          this.regrouping = undefined;
          resolve();
        },
      };
    });
  }

  private schedule(): void {
    if (this.running) return; // the running insert's loop takes the rows when it finishes
    if (this.closed.length > 0) return this.startSending();
    if (this.wake) return;
    // setImmediate rather than a microtask: it runs after the poll phase, so requests whose bytes
    // arrived in the same turn of the event loop share the insert (a microtask would run before
    // the next I/O callback and send the first request alone). Not benchmarked against it yet.
    const fire = () => {
      this.wake = undefined;
      this.close();
      this.startSending();
    };
    if (this.options.maxDelayMs > 0) {
      const timer = setTimeout(fire, this.options.maxDelayMs);
      this.wake = { cancel: () => clearTimeout(timer) };
    } else {
      const immediate = setImmediate(fire);
      this.wake = { cancel: () => clearImmediate(immediate) };
    }
  }

  private startSending(): void {
    if (this.running || this.closed.length === 0) return;
    this.wake?.cancel();
    this.wake = undefined;
    this.running = this.sendAll()
      .catch((error: unknown) => this.logger.error({ table: this.table, err: (error as Error).message }, 'batch sender failed'))
      .finally(() => {
        this.running = undefined;
        // Rows added by the last settle callbacks (or a flush racing the end) are not left behind.
        if (this.open.content.rows > 0 || this.closed.length > 0) this.schedule();
      });
  }

  /** One insert at a time, back to back: what arrived during an insert goes in the next one. */
  private async sendAll(): Promise<void> {
    // The insert just sent: its rows and senders (numbers only: its rows are not held longer).
    let lastRows = 0;
    let lastSenders = 0;
    for (;;) {
      // After an insert for several senders (one has nobody to regroup with), wait for the rows
      // waiting now plus as many as it stored: its senders coming back.
      if (this.closed.length === 0 && this.options.regroupDelayMs && lastSenders > 1) {
        const target = this.open.content.rows + lastRows;
        if (this.open.content.rows < Math.min(target, this.options.maxRows)) await this.regroup(target);
      }
      if (this.closed.length === 0) this.close();
      const batch = this.closed.shift();
      if (!batch) return;
      lastRows = batch.content.rows;
      lastSenders = batch.waiters.length;
      try {
        await this.insert(batch);
      } finally {
        batch.markSettled();
      }
    }
  }

  private insertWithRetry(rows: RowBatch, from?: number, to?: number): Promise<void> {
    return withRetry(() => rows.insert(this.store, this.table, undefined, from, to), {
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
        await this.insertWithRetry(batch.content);
      } catch (error) {
        if (!isPermanent(error)) throw error;
        await this.isolate(batch, error as Error);
        return;
      }
      this.insertedRows += batch.content.rows;
      this.insertCount += 1;
      selfMetrics.insert(this.table, batch.content.rows, (performance.now() - started) / 1000, 'ok');
      for (const w of batch.waiters) w.resolve();
    } catch (error) {
      this.failedRows += batch.content.rows;
      selfMetrics.insert(this.table, batch.content.rows, (performance.now() - started) / 1000, 'failed');
      this.logger.error({ table: this.table, rows: batch.content.rows, err: (error as Error).message }, 'insert failed; senders get an error and retry');
      for (const w of batch.waiters) w.reject(error);
    }
  }

  /**
   * The store refused the batch for good: bad rows must not sink the good ones, so the batch is
   * split until the refused rows are found; the rest lands and each sender hears how many of its
   * rows were refused (reported to the OTLP client as partial_success).
   */
  private async isolate(batch: PendingBatch, error: Error): Promise<void> {
    const { refused } = await isolateRefusedRows(batch.content.rows, (from, to) => this.insertWithRetry(batch.content, from, to), isPermanent);
    const refusedCount = refusedIn(refused, 0, batch.content.rows);
    this.refusedRows += refusedCount;
    this.insertedRows += batch.content.rows - refusedCount;
    this.insertCount += 1;
    this.logger.error({ table: this.table, rows: batch.content.rows, refused: refusedCount, err: error.message }, 'store refused rows; the rest of the batch was stored');
    for (const w of batch.waiters) {
      const n = refusedIn(refused, w.from, w.to);
      if (n > 0) w.delivery?.refused(n, `${this.table}: ${error.message.slice(0, 300)}`);
      w.resolve();
    }
  }
}

const isPermanent = (error: unknown) => error instanceof StoreError && !error.retryable;
