import type { Bus, IncomingMessage } from '../core/bus/index.ts';
import { acceptRequest, decodeProtobuf, MalformedOtlpError, transcodeRequest, type RejectReason, type Rejections, type Signal, type SignalRequest } from '../core/model/index.ts';
import type { Store } from '../core/store/index.ts';
import { selfMetrics, type Logger } from '../core/telemetry/index.ts';
import { StoreError } from '../core/store/index.ts';
import { withRetry } from '../core/retry/index.ts';
import { TableBatcher, type BatchOptions } from './table-batcher.ts';
import { isolateRefusedRows, refusedIn } from './isolate-refused-rows.ts';
import { RowBatch, type RowPart } from './row-batch.ts';
import { ByteBudget, type Hold } from './byte-budget.ts';

export interface ProcessorOptions {
  bus: Bus;
  store: Store;
  /** Topic per signal (otlp_logs, otlp_metrics, otlp_spans by default). */
  topics: Record<Signal, string>;
  batch: BatchOptions;
  logger: Logger;
  /** Where undecodable messages go (a dead-letter topic); without it they fail their batch. */
  onMalformed?: (message: IncomingMessage, error: Error) => Promise<void>;
  /** store.ttl_days: records older than this are rejected ("expired") and counted, not dropped unseen. */
  ttlDays?: number;
  /**
   * processor.max_bytes_in_flight: bytes of replayable (Kafka) batches being stored, their
   * messages plus the rows encoded from them; a batch that does not fit waits, and so does the
   * consumer (default unbounded). See byte-budget.ts.
   */
  maxBytesInFlight?: number;
}

export interface ProcessorStats {
  messages: number;
  malformed: number;
  /** Records rejected by validation (messages from other producers; the receivers validate first), by reason. */
  rejected: Partial<Record<RejectReason, number>>;
  tables: Record<string, { insertedRows: number; inserts: number; failedRows: number }>;
  /** Consumed-but-not-stored bytes of replayable batches (processor.max_bytes_in_flight). */
  inFlight: { bytes: number; peakBytes: number; limitBytes: number; waits: number; overruns: number };
}

/** Rows of a message per table, as row objects or encoded blocks. */
type TableParts = ReadonlyArray<{ table: string; rows: RowPart }>;

/** Which message fed which rows of a table's batch. */
type RowSources = Array<{ message: IncomingMessage; from: number; to: number }>;

/** One table's rows of a replayable batch. */
interface TableRows {
  rows: RowBatch;
  sources: RowSources;
}

/** Bus consumer: turns OTLP requests into rows (transcoded, or decoded and mapped) and inserts them in batches per table. */
export class Processor {
  private readonly batchers = new Map<string, TableBatcher>();
  private readonly signalByTopic: Map<string, Signal>;
  private messages = 0;
  private malformed = 0;
  private readonly rejected: Partial<Record<RejectReason, number>> = {};
  private started = false;
  private readonly budget: ByteBudget;
  /** Encoded bytes per message byte, per table, as last seen: sizes the next batch's payload once. */
  private readonly encodedRatio = new Map<string, number>();

  constructor(private readonly options: ProcessorOptions) {
    this.signalByTopic = new Map(Object.entries(options.topics).map(([signal, topic]) => [topic, signal as Signal]));
    this.budget = new ByteBudget(options.maxBytesInFlight ?? Infinity);
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.options.bus.subscribe([...this.signalByTopic.keys()], (topic, _partition, messages, batchId) =>
      batchId ? this.storeReplayable(topic, messages, batchId) : this.handle(topic, messages),
    );
    this.options.logger.info({ topics: [...this.signalByTopic.keys()] }, 'processor started');
  }

  /** Flushes every pending batch. Idempotent; safe without start(). */
  async shutdown(): Promise<void> {
    await Promise.allSettled([...this.batchers.values()].map((b) => b.flush()));
    if (this.started) this.options.logger.info(this.stats(), 'processor stopped');
    this.started = false;
  }

  stats(): ProcessorStats {
    const tables: ProcessorStats['tables'] = {};
    for (const [table, b] of this.batchers) tables[table] = { insertedRows: b.insertedRows, inserts: b.insertCount, failedRows: b.failedRows + b.refusedRows };
    const { budget } = this;
    const inFlight = { bytes: budget.bytes, peakBytes: budget.peakBytes, limitBytes: budget.limit, waits: budget.waits, overruns: budget.overruns };
    return { messages: this.messages, malformed: this.malformed, rejected: { ...this.rejected }, tables, inFlight };
  }

  private async handle(topic: string, messages: IncomingMessage[]): Promise<void> {
    const signal = this.signalByTopic.get(topic);
    if (!signal) throw new Error(`processor has no signal for topic ${topic}`);
    const stored: Promise<void>[] = [];
    for (const message of messages) {
      if (message.dedupToken) {
        // Its publisher may send it again after a crash: an insert of its own, deduplicated.
        stored.push(this.storeReplayable(topic, [message], message.dedupToken));
        continue;
      }
      this.messages += 1;
      let tables: TableParts;
      try {
        tables = this.tablesOf(signal, message);
      } catch (error) {
        if (!(error instanceof MalformedOtlpError)) throw error;
        this.malformed += 1;
        if (!this.options.onMalformed) throw error;
        stored.push(this.options.onMalformed(message, error));
        continue;
      }
      for (const { table, rows } of tables) stored.push(this.batcher(table).add(rows, message.delivery));
    }
    // allSettled: one failed table must not leave the others' rejections unhandled.
    const failure = (await Promise.allSettled(stored)).find((r) => r.status === 'rejected');
    if (failure) throw (failure as PromiseRejectedResult).reason;
  }

  /**
   * A batch with replay-stable boundaries (Kafka): stored as its own insert per table, each
   * with a dedup token derived from the batch id, so storing it twice counts it once.
   */
  private async storeReplayable(topic: string, messages: IncomingMessage[], batchId: string): Promise<void> {
    const signal = this.signalByTopic.get(topic);
    if (!signal) throw new Error(`processor has no signal for topic ${topic}`);
    let messageBytes = 0;
    for (const message of messages) messageBytes += message.value.byteLength;
    const nowMs = Date.now(); // one clock for the batch: the dead-letter path re-reads messages with it
    // The batch's messages and rows are held in the budget from here until its inserts settle.
    const { hold, value: byTable } = await this.budget.fill(async (hold) => {
      await hold.resize(messageBytes);
      return this.encodeReplayable(signal, messages, messageBytes, nowMs, hold);
    });
    try {
      await this.insertReplayable(signal, byTable, batchId, nowMs);
    } finally {
      hold.release();
    }
  }

  /** The rows of a replayable batch per table, with the messages that fed each row range. */
  private async encodeReplayable(signal: Signal, messages: IncomingMessage[], messageBytes: number, nowMs: number, hold: Hold): Promise<Map<string, TableRows>> {
    const byTable = new Map<string, TableRows>();
    for (const message of messages) {
      this.messages += 1;
      let tables: TableParts;
      try {
        tables = this.tablesOf(signal, message, nowMs);
      } catch (error) {
        if (!(error instanceof MalformedOtlpError) || !this.options.onMalformed) throw error;
        this.malformed += 1;
        await this.options.onMalformed(message, error);
        continue;
      }
      for (const { table, rows } of tables) {
        let entry = byTable.get(table);
        if (!entry) byTable.set(table, (entry = { rows: new RowBatch(Math.ceil((this.encodedRatio.get(table) ?? 0) * messageBytes * 1.1)), sources: [] }));
        // One batch takes one kind of part; every message of a replayable batch gives the same kind.
        if (!entry.rows.takes(rows)) throw new Error(`processor: mixed row kinds for ${table} in one batch`);
        const { from, to } = entry.rows.push(rows);
        // Which message fed which rows, so a refused row is traced to its message.
        entry.sources.push({ message, from, to });
      }
      let held = messageBytes;
      for (const entry of byTable.values()) held += entry.rows.heldBytes;
      await hold.resize(held);
    }
    for (const [table, entry] of byTable) if (messageBytes > 0) this.encodedRatio.set(table, entry.rows.encodedBytes / messageBytes);
    return byTable;
  }

  private async insertReplayable(signal: Signal, byTable: Map<string, TableRows>, batchId: string, nowMs: number): Promise<void> {
    for (const [table, { rows, sources }] of byTable) {
      const stats = this.batcher(table);
      const started = performance.now();
      const insert = (from: number, to: number) =>
        withRetry(() => rows.insert(this.options.store, table, { dedupToken: from === 0 && to === rows.rows ? `${batchId}/${table}` : `${batchId}/${table}/${from}-${to}` }, from, to), {
          maxElapsedMs: this.options.batch.retryForMs,
          maxDelayMs: 10_000,
          isRetryable: (error) => error instanceof StoreError && error.retryable,
          onRetry: (error, attempt) => {
            if (attempt === 1) this.options.logger.warn({ table, batchId, err: (error as Error).message }, 'insert failed; retrying');
          },
        });
      try {
        await insert(0, rows.rows);
        stats.insertedRows += rows.rows;
        stats.insertCount += 1;
        selfMetrics.insert(table, rows.rows, (performance.now() - started) / 1000, 'ok');
      } catch (error) {
        selfMetrics.insert(table, rows.rows, (performance.now() - started) / 1000, 'failed');
        // Rows the store refuses for good are found and dead-lettered alone: bad data must not
        // stop the consumer nor sink its neighbours. Anything else fails the batch, which the
        // bus then retries as planned.
        if (!(error instanceof StoreError) || error.retryable || !this.options.onMalformed) throw error;
        await this.isolateReplayable(signal, table, rows.rows, sources, insert, error, nowMs);
      }
    }
  }

  /**
   * A table of a replayable batch was refused for good: split it until the refused rows are
   * found (each piece has its own token, the same on replay, since the split is deterministic);
   * the good rows land, and only the refused rows are dead-lettered, once per message that fed
   * them, as JSONEachRow of the rows (their OTLP message may have fed other tables that landed).
   */
  private async isolateReplayable(
    signal: Signal,
    table: string,
    rowCount: number,
    sources: RowSources,
    insert: (from: number, to: number) => Promise<unknown>,
    error: StoreError,
    nowMs: number,
  ): Promise<void> {
    const stats = this.batcher(table);
    const { refused } = await isolateRefusedRows(rowCount, async (from, to) => void (await insert(from, to)), (e) => e instanceof StoreError && !e.retryable);
    const refusedCount = refusedIn(refused, 0, rowCount);
    stats.failedRows += refusedCount;
    stats.insertedRows += rowCount - refusedCount;
    this.options.logger.error({ table, rows: rowCount, refused: refusedCount, err: error.message }, 'store refused rows; dead-lettering them alone, the rest was stored');
    for (const { message, from, to } of sources) {
      if (refusedIn(refused, from, to) === 0) continue;
      // The message's rows as objects, for a readable dead letter: the reference path gives the
      // same rows in the same order as the transcoder (differentially tested), at the same clock.
      const rows = this.objectRowsOf(signal, message, table, nowMs);
      const own = rows?.filter((_row, i) => refusedIn(refused, from + i, from + i + 1) > 0);
      if (own?.length === 0) continue;
      // Rows that cannot be re-read are not dropped unseen: the message goes as it came.
      const value = own ? Buffer.from(own.map((row) => JSON.stringify(row)).join('\n') + '\n') : Buffer.from(message.value);
      const deadLetter: IncomingMessage = { topic: message.topic, partition: message.partition, offset: message.offset, key: message.key, value };
      const what = own ? `${own.length} ${table} rows refused by the store (value: the rows as JSONEachRow)` : `${table} rows refused by the store (value: the whole OTLP message; its rows could not be re-read)`;
      await this.options.onMalformed!(deadLetter, new Error(`${what}: ${error.message}`));
    }
  }

  /**
   * A message's rows per table: the receiver's encoded blocks as they are (embedded), the decoded
   * request mapped to row objects (file logs and other in-process producers), or else its bytes
   * transcoded into RowBinary when the store takes encoded rows (Kafka), or decoded and mapped.
   */
  private tablesOf(signal: Signal, message: IncomingMessage, nowMs?: number): TableParts {
    if (message.encoded && this.options.store.insertEncoded) return message.encoded.map((rows) => ({ table: rows.table, rows }));
    if (message.decoded !== undefined || !this.options.store.insertEncoded) return this.accept(signal, (message.decoded as SignalRequest[typeof signal] | undefined) ?? decodeProtobuf(signal, message.value), nowMs);
    const transcoded = transcodeRequest(signal, message.value, { ttlDays: this.options.ttlDays, nowMs });
    this.countRejected(transcoded.rejected);
    return transcoded.tables.map((rows) => ({ table: rows.table, rows }));
  }

  private objectRowsOf(signal: Signal, message: IncomingMessage, table: string, nowMs: number): readonly object[] | undefined {
    try {
      const request = (message.decoded as SignalRequest[typeof signal] | undefined) ?? decodeProtobuf(signal, message.value);
      return acceptRequest(signal, request, { ttlDays: this.options.ttlDays, nowMs }).rows.find((t) => t.table === table)?.rows ?? [];
    } catch (error) {
      this.options.logger.error({ table, offset: message.offset, err: (error as Error).message }, 'cannot re-read a refused message as rows; dead-lettering it whole');
      return undefined;
    }
  }

  /** Validated rows of a request; rejected records are counted by reason (the receivers report theirs to clients). */
  private accept<S extends Signal>(signal: S, request: SignalRequest[S], nowMs?: number): TableParts {
    let accepted;
    try {
      accepted = acceptRequest(signal, request, { ttlDays: this.options.ttlDays, nowMs });
    } catch (error) {
      // Deterministic: retrying the message cannot help, so it is treated as undecodable.
      throw new MalformedOtlpError(`the ${signal} request cannot be mapped to rows: ${(error as Error).message}`);
    }
    this.countRejected(accepted.rejected);
    return accepted.rows;
  }

  private countRejected(rejected: Rejections): void {
    if (rejected.count === 0) return;
    for (const [reason, n] of Object.entries(rejected.reasons)) this.rejected[reason as RejectReason] = (this.rejected[reason as RejectReason] ?? 0) + n;
    this.options.logger.warn({ rejected: rejected.reasons }, rejected.message);
  }

  private batcher(table: string): TableBatcher {
    let batcher = this.batchers.get(table);
    if (!batcher) {
      batcher = new TableBatcher(table, this.options.store, this.options.batch, this.options.logger.child({ table }));
      this.batchers.set(table, batcher);
    }
    return batcher;
  }
}
