import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import type { Logger } from '../../../core/telemetry/index.ts';
import type { HookRunRecord } from './hook-run.ts';

export interface KafkaHookReplicaOptions {
  brokers: string[];
  clientId: string;
  /** Compacted, one partition, keyed by idempotency key: the newest state of every incident. */
  topic: string;
  logger: Logger;
  onRecord: (record: HookRunRecord) => void;
}

/**
 * HA for the hook ledger: every record (the `running` claim before an action, the outcome after)
 * goes to Kafka with acks=all before the action starts, and every instance reads the topic from
 * the beginning. A new leader first reads up to the topic's end, so it knows each incident the
 * old leader took, even with a store of its own.
 */
export class KafkaHookReplica {
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  /** Offset of the next message to read (what has been consumed so far). */
  private next = 0n;

  constructor(private readonly options: KafkaHookReplicaOptions) {
    this.kafka = new Kafka({ clientId: `${options.clientId}-hooks`, brokers: options.brokers, logLevel: logLevel.NOTHING });
  }

  async start(): Promise<void> {
    if (this.producer) return;
    const admin = this.kafka.admin();
    await admin.connect();
    this.admin = admin;
    if (!(await admin.listTopics()).includes(this.options.topic)) {
      await admin
        .createTopics({ topics: [{ topic: this.options.topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }], waitForLeaders: true })
        .catch(() => false);
    }
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    // Its own group, from the beginning, never committed: every instance reads every record.
    this.consumer = this.kafka.consumer({ groupId: `${this.options.clientId}-hooks-${process.pid}-${Date.now()}` });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.options.topic], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        this.next = BigInt(message.offset) + 1n;
        if (!message.value) return;
        try {
          this.options.onRecord(JSON.parse(message.value.toString()) as HookRunRecord);
        } catch (err) {
          this.options.logger.warn({ offset: message.offset, err: (err as Error).message }, 'unreadable hook ledger record skipped');
        }
      },
    });
  }

  /** Durable in Kafka (acks=all) when it returns; throws otherwise, and then the hook does not run. */
  async publish(record: HookRunRecord): Promise<void> {
    if (!this.producer) throw new Error('hook ledger replica not started');
    await this.producer.send({ topic: this.options.topic, acks: -1, messages: [{ key: record.key, value: JSON.stringify(record) }] });
  }

  /** Waits until everything written to the topic so far has been read (bounded). */
  async catchUp(timeoutMs = 10_000): Promise<void> {
    if (!this.admin) throw new Error('hook ledger replica not started');
    const offsets = await this.admin.fetchTopicOffsets(this.options.topic);
    const end = BigInt(offsets.find((o) => o.partition === 0)?.high ?? '0');
    const deadline = Date.now() + timeoutMs;
    while (this.next < end) {
      if (Date.now() > deadline) throw new Error(`hook ledger not caught up: read to ${this.next}, end ${end}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async shutdown(): Promise<void> {
    const { producer, consumer, admin } = this;
    this.producer = this.consumer = this.admin = undefined;
    await consumer?.disconnect().catch(() => {});
    await producer?.disconnect().catch(() => {});
    await admin?.disconnect().catch(() => {});
  }
}
