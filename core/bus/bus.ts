import type { EncodedRows, Signal } from '../model/index.ts';

/** What a receiver hands to the bus: one OTLP export request. */
export interface OutgoingMessage {
  signal: Signal;
  /** Resource identity (host/service), so one node's data stays ordered in one partition. */
  key: string;
  /** The decoded request, when the publisher has it; the in-process bus passes it along. */
  decoded?: unknown;
  /**
   * The request's accepted records already encoded per table (the transcoder's output, made by
   * the embedded receivers); the in-process bus passes it along and the processor inserts it as is.
   */
  encoded?: readonly EncodedRows[];
  /** The OTLP protobuf encoding (the Kafka wire format), produced only when a bus needs bytes. */
  bytes(): Uint8Array;
  /** Approximate size, for memory bounds. */
  size: number;
  /**
   * Identity of this message's content when the publisher may send it again after a crash
   * (a file's byte range): the in-process bus stores it as its own deduplicated insert.
   */
  dedupToken?: string;
  /**
   * Told about records the store refused for good (embedded mode: the in-process bus hands it
   * to the processor), so the receiver can report them in OTLP's partial_success.
   */
  delivery?: DeliveryReport;
}

/** Where a processor reports records of one message that the store refused (found by splitting a batch). */
export interface DeliveryReport {
  refused(count: number, detail: string): void;
}

/** What a consumer receives: one message with its position in the log. */
export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: string;
  key?: string;
  readonly value: Uint8Array;
  decoded?: unknown;
  encoded?: readonly EncodedRows[];
  dedupToken?: string;
  delivery?: DeliveryReport;
}

/**
 * Resolves once every message is durable downstream; rejects to make the bus redeliver (Kafka)
 * or the publisher answer with an error (in-process).
 *
 * `batchId` is set when the bus guarantees the batch is replayed with the same boundaries after
 * a crash (Kafka: topic/partition/offset range): the handler must then store the batch as its
 * own inserts, deduplicated by that id, so a replay neither loses nor duplicates rows.
 */
export type BatchHandler = (topic: string, partition: number, messages: IncomingMessage[], batchId?: string) => Promise<void>;

/** The seam between collectors and processors: Kafka, or an in-process queue. */
export interface Bus {
  readonly kind: 'in_process' | 'kafka';
  start(): Promise<void>;
  /** Idempotent and safe without start(); stops accepting, drains what is in flight. */
  shutdown(): Promise<void>;
  /** Resolves when the messages are durable (Kafka acks=all, or inserted in embedded mode). */
  publish(topic: string, messages: OutgoingMessage[]): Promise<void>;
  subscribe(topics: string[], handler: BatchHandler): Promise<void>;
}

/** The bus is over its configured bound: answer 503 + Retry-After, pause reading, keep nothing. */
export class BusSaturatedError extends Error {
  override readonly name = 'BusSaturatedError';
  constructor(message: string, readonly retryAfterMs: number) {
    super(message);
  }
}

/** The bus cannot take messages now (no consumer, broker down); worth retrying later. */
export class BusUnavailableError extends Error {
  override readonly name = 'BusUnavailableError';
}
