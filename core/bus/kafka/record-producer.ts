import type { SendRequest } from './produce-batcher.ts';

/**
 * The producer side of the Kafka bus, behind which either client library sits: idempotent,
 * acks=all, gzip. Partitions are chosen by the bus (see partition-of.ts), so every client
 * places a key where the Java client and the OpenTelemetry Collector would.
 */
export interface RecordProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** One produce request with some partitions' records; resolves when acknowledged by all in-sync replicas. */
  send: SendRequest;
  /** Called when the client lost its connections (the bus then answers 503 until it reconnects). */
  onDisconnect(listener: () => void): void;
}
