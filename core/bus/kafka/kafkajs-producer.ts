import { CompressionTypes, type Kafka, type Producer } from 'kafkajs';
import type { ProduceRecord } from './produce-batcher.ts';
import type { RecordProducer } from './record-producer.ts';

/** RecordProducer on kafkajs: one idempotent producer, one request in flight per broker. */
export class KafkajsProducer implements RecordProducer {
  private readonly producer: Producer;

  constructor(kafka: Kafka) {
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

  readonly send = async (topic: string, partition: number, records: ProduceRecord[]): Promise<void> => {
    await this.producer.send({
      topic,
      acks: -1,
      compression: CompressionTypes.GZIP,
      messages: records.map((r) => ({ key: r.key, value: r.value, partition })),
    });
  };
}
