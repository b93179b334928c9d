import { CompressionTypes, type Kafka, type Message, type Producer } from 'kafkajs';
import type { Logger } from '../../telemetry/index.ts';
import { installNativeCrc32c } from './kafkajs-crc32c.ts';
import { installSyncGzip } from './kafkajs-gzip.ts';
import type { PartitionRecords } from './produce-batcher.ts';
import type { RecordProducer } from './record-producer.ts';

/** RecordProducer on kafkajs: one idempotent producer, one request in flight per broker. */
export class KafkajsProducer implements RecordProducer {
  private readonly producer: Producer;

  /** `gzipLevel`: bus.kafka.compression_level (default 3, see kafkajs-gzip.ts); one level per process (see kafkajs-gzip.ts). */
  constructor(kafka: Kafka, gzipLevel?: number, logger?: Logger) {
    installSyncGzip(gzipLevel);
    const crc = installNativeCrc32c();
    if (!crc.native) logger?.warn({ reason: crc.reason }, 'kafkajs keeps its JavaScript CRC-32C (same bytes, more CPU per batch)');
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  onDisconnect(listener: () => void): void {
    this.producer.on(this.producer.events.DISCONNECT, listener);
  }

  // kafkajs groups the messages by partition and leader: one produce request per broker.
  readonly send = async (topic: string, partitions: PartitionRecords[]): Promise<void> => {
    const messages: Message[] = [];
    for (const { partition, records } of partitions) for (const r of records) messages.push({ key: r.key, value: r.value, partition });
    await this.producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages });
  };
}
