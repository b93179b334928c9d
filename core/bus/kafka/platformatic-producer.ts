import type { ConnectionOptions } from 'node:tls';
import { Producer, ProduceAcks } from '@platformatic/kafka';
import type { KafkaSecurity } from './kafka-security.ts';
import type { PartitionRecords } from './produce-batcher.ts';
import type { RecordProducer } from './record-producer.ts';

export interface PlatformaticProducerOptions {
  brokers: string[];
  clientId: string;
  /** bus.kafka.tls and bus.kafka.sasl as mapped for kafkajs (kafka-security.ts), translated here. */
  security?: KafkaSecurity;
}

/** kafkajs names SASL mechanisms in lower case, Kafka (and @platformatic/kafka) in upper case. */
const SASL_MECHANISMS = { plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512' } as const;

function platformaticSecurity(security: KafkaSecurity | undefined) {
  const out: { tls?: ConnectionOptions; sasl?: { mechanism: (typeof SASL_MECHANISMS)[keyof typeof SASL_MECHANISMS]; username: string; password: string } } = {};
  if (security?.ssl && typeof security.ssl === 'object') out.tls = security.ssl;
  const sasl = security?.sasl as { mechanism: keyof typeof SASL_MECHANISMS; username: string; password: string } | undefined;
  if (sasl) out.sasl = { mechanism: SASL_MECHANISMS[sasl.mechanism], username: sasl.username, password: sasl.password };
  return out;
}

/**
 * RecordProducer on @platformatic/kafka (1.x, the Node 20 line): idempotent, acks=all, gzip.
 * Its idempotent producer retries forever by default; the bus needs a bounded budget so that an
 * unreachable cluster becomes a 503 the OTLP client retries, as with kafkajs (~10 s).
 * TLS and SASL come from the same config as kafkajs' (PLAIN and SCRAM).
 */
export class PlatformaticProducer implements RecordProducer {
  private readonly producer: Producer<string, Buffer, string, string>;

  constructor(options: PlatformaticProducerOptions) {
    this.producer = new Producer({
      clientId: options.clientId,
      bootstrapBrokers: options.brokers,
      ...platformaticSecurity(options.security),
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
