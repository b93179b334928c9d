import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import type { Logger } from '../../core/telemetry/index.ts';
import type { KafkaSecurity } from '../../core/bus/index.ts';
import type { ReplicatedEntry } from '../notify/notification-log.ts';

export interface KafkaLeadershipOptions {
  brokers: string[];
  clientId: string;
  /** Members of this consumer group compete for the single partition of the leader topic. */
  groupId: string;
  leaderTopic: string;
  /** Compacted topic replicating the notification log between instances. */
  logTopic: string;
  sessionTimeoutMs: number;
  logger: Logger;
  /** TLS and SASL, as for the bus (bus.kafka.tls, bus.kafka.sasl). */
  security?: KafkaSecurity;
  /**
   * Resolves when this instance may compete for leadership (its processor has stored what is on
   * the bus); until then it stays out of the leader group. Resolving after `signal` aborted is fine.
   */
  readyToLead?: (signal: AbortSignal) => Promise<void>;
}

/** A notification-log entry as the instances replicate it (the log defines it). */
export type LogRecord = ReplicatedEntry;

/**
 * High availability for `vigil alerts` through Kafka: the group member that owns partition 0 of
 * the leader topic evaluates and notifies; when it dies, Kafka hands the partition to another
 * member within the session timeout. Every instance replays the notification log topic, so a
 * new leader knows what the old one sent and does not send it again.
 */
export class KafkaLeadership {
  private readonly kafka: Kafka;
  private leaderConsumer: Consumer | undefined;
  private logConsumer: Consumer | undefined;
  private producer: Producer | undefined;
  private leader = false;
  private joining: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  /** Receives every notification-log entry, this instance's and the others'. */
  onRecord: (record: LogRecord) => void = () => {};

  constructor(private readonly options: KafkaLeadershipOptions) {
    this.kafka = new Kafka({ clientId: options.clientId, brokers: options.brokers, logLevel: logLevel.NOTHING, ...options.security });
  }

  get isLeader(): boolean {
    return this.leader;
  }

  async start(): Promise<void> {
    if (this.producer) return;
    const admin = this.kafka.admin();
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const topics = [
      { topic: this.options.leaderTopic, numPartitions: 1 },
      { topic: this.options.logTopic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ].filter((t) => !existing.has(t.topic));
    if (topics.length > 0) await admin.createTopics({ topics, waitForLeaders: true }).catch(() => false);
    await admin.disconnect();

    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();

    // Each instance reads the whole log: a group of its own, from the beginning, never committed.
    this.logConsumer = this.kafka.consumer({ groupId: `${this.options.groupId}-log-${process.pid}-${Date.now()}` });
    await this.logConsumer.connect();
    await this.logConsumer.subscribe({ topics: [this.options.logTopic], fromBeginning: true });
    await this.logConsumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        if (message.value) this.onRecord(JSON.parse(message.value.toString()) as LogRecord);
      },
    });

    // Joining waits (in the background: startup is not held up) until this instance may lead.
    this.joining = (async () => {
      await this.options.readyToLead?.(this.stopping.signal);
      if (!this.stopping.signal.aborted) await this.joinLeaderGroup();
    })().catch((err: unknown) => this.options.logger.error({ err: (err as Error).message }, 'could not join the alerts leader group'));
  }

  private async joinLeaderGroup(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(this.options.sessionTimeoutMs / 5)),
    });
    this.leaderConsumer = consumer;
    consumer.on(consumer.events.REBALANCING, () => this.setLeader(false));
    consumer.on(consumer.events.CRASH, () => this.setLeader(false));
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const assigned = event.payload.memberAssignment[this.options.leaderTopic] ?? [];
      this.setLeader(assigned.includes(0));
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [this.options.leaderTopic] });
    await consumer.run({ autoCommit: false, eachMessage: async () => {} });
  }

  private setLeader(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    this.options.logger.info({ leader }, leader ? 'this instance now leads: evaluating and notifying' : 'this instance is a standby');
  }

  /** Shares a sent notification with the other instances. */
  async publish(record: LogRecord): Promise<void> {
    await this.producer?.send({
      topic: this.options.logTopic,
      acks: -1,
      messages: [{ key: `${record.receiver}\u0000${record.groupKey}`, value: JSON.stringify(record) }],
    });
  }

  async shutdown(): Promise<void> {
    this.leader = false;
    this.stopping.abort();
    await this.joining;
    const { leaderConsumer, logConsumer, producer } = this;
    this.leaderConsumer = this.logConsumer = this.producer = undefined;
    await leaderConsumer?.disconnect().catch(() => {});
    await logConsumer?.disconnect().catch(() => {});
    await producer?.disconnect().catch(() => {});
  }
}
