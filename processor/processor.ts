import type { Bus, IncomingMessage } from '../core/bus/index.ts';
import { decodeProtobuf, MalformedOtlpError, requestToRows, type Signal, type SignalRequest } from '../core/model/index.ts';
import type { Store } from '../core/store/index.ts';
import { selfMetrics, type Logger } from '../core/telemetry/index.ts';
import { StoreError } from '../core/store/index.ts';
import { withRetry } from '../core/retry/index.ts';
import { TableBatcher, type BatchOptions } from './table-batcher.ts';

export interface ProcessorOptions {
  bus: Bus;
  store: Store;
  /** Topic per signal (otlp_logs, otlp_metrics, otlp_spans by default). */
  topics: Record<Signal, string>;
  batch: BatchOptions;
  logger: Logger;
  /** Where undecodable messages go (a dead-letter topic); without it they fail their batch. */
  onMalformed?: (message: IncomingMessage, error: Error) => Promise<void>;
}

export interface ProcessorStats {
  messages: number;
  malformed: number;
  tables: Record<string, { insertedRows: number; inserts: number; failedRows: number }>;
}

/** Bus consumer: decodes OTLP requests, maps them to rows and inserts them in batches per table. */
export class Processor {
  private readonly batchers = new Map<string, TableBatcher>();
  private readonly signalByTopic: Map<string, Signal>;
  private messages = 0;
  private malformed = 0;
  private started = false;

  constructor(private readonly options: ProcessorOptions) {
    this.signalByTopic = new Map(Object.entries(options.topics).map(([signal, topic]) => [topic, signal as Signal]));
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
    for (const [table, b] of this.batchers) tables[table] = { insertedRows: b.insertedRows, inserts: b.insertCount, failedRows: b.failedRows };
    return { messages: this.messages, malformed: this.malformed, tables };
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
      let request: SignalRequest[typeof signal];
      try {
        request = (message.decoded as SignalRequest[typeof signal] | undefined) ?? decodeProtobuf(signal, message.value);
      } catch (error) {
        if (!(error instanceof MalformedOtlpError)) throw error;
        this.malformed += 1;
        if (!this.options.onMalformed) throw error;
        stored.push(this.options.onMalformed(message, error));
        continue;
      }
      for (const { table, rows } of requestToRows(signal, request)) stored.push(this.batcher(table).add(rows));
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
    const byTable = new Map<string, object[]>();
    for (const message of messages) {
      this.messages += 1;
      let request: SignalRequest[typeof signal];
      try {
        request = (message.decoded as SignalRequest[typeof signal] | undefined) ?? decodeProtobuf(signal, message.value);
      } catch (error) {
        if (!(error instanceof MalformedOtlpError) || !this.options.onMalformed) throw error;
        this.malformed += 1;
        await this.options.onMalformed(message, error);
        continue;
      }
      for (const { table, rows } of requestToRows(signal, request)) {
        const list = byTable.get(table);
        if (list) for (const row of rows) list.push(row);
        else byTable.set(table, rows.slice());
      }
    }
    for (const [table, rows] of byTable) {
      const stats = this.batcher(table);
      const started = performance.now();
      try {
        await withRetry(() => this.options.store.insertRows(table, rows, { dedupToken: `${batchId}/${table}` }), {
          maxElapsedMs: this.options.batch.retryForMs,
          maxDelayMs: 10_000,
          isRetryable: (error) => error instanceof StoreError && error.retryable,
          onRetry: (error, attempt) => {
            if (attempt === 1) this.options.logger.warn({ table, batchId, err: (error as Error).message }, 'insert failed; retrying');
          },
        });
        stats.insertedRows += rows.length;
        stats.insertCount += 1;
        selfMetrics.insert(table, rows.length, (performance.now() - started) / 1000, 'ok');
      } catch (error) {
        selfMetrics.insert(table, rows.length, (performance.now() - started) / 1000, 'failed');
        // Rows the store refuses for good are dead-lettered with their messages: bad data must
        // not stop the consumer. Anything else fails the batch, which Kafka then redelivers.
        if (!(error instanceof StoreError) || error.retryable || !this.options.onMalformed) throw error;
        stats.failedRows += rows.length;
        this.options.logger.error({ table, batchId, err: error.message }, 'store refused a batch; dead-lettering its messages');
        for (const message of messages) await this.options.onMalformed(message, error);
      }
    }
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
