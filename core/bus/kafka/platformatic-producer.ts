import { Producer, ProduceAcks } from '@platformatic/kafka';
import type { PartitionRecords } from './produce-batcher.ts';
import type { RecordProducer } from './record-producer.ts';

export interface PlatformaticProducerOptions {
  brokers: string[];
  clientId: string;
}

/**
 * RecordProducer on @platformatic/kafka (1.x, the Node 20 line): idempotent, acks=all, gzip.
 * Its idempotent producer retries forever by default; the bus needs a bounded budget so that an
 * unreachable cluster becomes a 503 the OTLP client retries, as with kafkajs (~10 s).
 * No TLS/SASL mapping yet: the bus refuses that combination at startup.
 */
export class PlatformaticProducer implements RecordProducer {
  private readonly producer: Producer<string, Buffer, string, string>;

  constructor(options: PlatformaticProducerOptions) {
    this.producer = new Producer({
      clientId: options.clientId,
      bootstrapBrokers: options.brokers,
      idempotent: true,
      acks: ProduceAcks.ALL,
      compression: 'gzip',
      autocreateTopics: false,
      retries: 20,
      retryDelay: 500,
      serializers: { key: (key?: string) => (key === undefined ? undefined : Buffer.from(key)), value: (value?: Buffer) => value, headerKey: (k?: string) => (k === undefined ? undefined : Buffer.from(k)), headerValue: (v?: string) => (v === undefined ? undefined : Buffer.from(v)) },
    });
  }

  async connect(): Promise<void> {
    await this.producer.metadata({ topics: [] });
  }

  disconnect(): Promise<void> {
    return this.producer.close();
  }

  onDisconnect(): void {
    // Sends fail after their retry budget when the cluster is gone: that is the 503.
  }

  readonly send = async (topic: string, partitions: PartitionRecords[]): Promise<void> => {
    await this.producer.send({ messages: partitions.flatMap(({ partition, records }) => records.map((r) => ({ topic, partition, key: r.key, value: r.value }))) });
  };
}
