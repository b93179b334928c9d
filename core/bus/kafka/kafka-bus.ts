import { Kafka, logLevel, type Admin, type Consumer, type EachBatchPayload, type Producer } from 'kafkajs';
import { selfMetrics, type Logger } from '../../telemetry/index.ts';
import { BusSaturatedError, BusUnavailableError, type BatchHandler, type Bus, type IncomingMessage, type OutgoingMessage } from '../bus.ts';
import type { KafkaSecurity } from './kafka-security.ts';
import { batchId, cutBatch, planMetadata, plannedLastOffset } from './batch-plan.ts';
import { KafkajsProducer } from './kafkajs-producer.ts';
import { installSyncGunzip } from './kafkajs-gunzip.ts';
import { PlatformaticProducer } from './platformatic-producer.ts';
import { partitionOf } from './partition-of.ts';
import { ProduceBatcher } from './produce-batcher.ts';
import type { RecordProducer } from './record-producer.ts';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  /** Consumer group of the processors. */
  groupId: string;
  /** Topics this bus creates when missing, with these settings. */
  topics: string[];
  partitions: number;
  replicationFactor: number;
  deadLetterTopic: string;
  /** Bytes handed to the producer but not yet acknowledged; above it, publish is refused. */
  maxPendingBytes: number;
  retryAfterMs: number;
  /** Messages per planned batch, per partition. */
  maxBatchMessages: number;
  /** Message bytes (uncompressed values) per planned batch; a batch is held whole until stored (default unbounded). */
  maxPlannedBatchBytes?: number;
  /**
   * Bytes one fetch brings per partition, as stored in Kafka (compressed), default 2 MiB; one
   * fetch brings at most three partitions' worth. What a fetch brings waits in memory until its
   * batches are stored, so this bounds the consumer's memory besides the processor's budget.
   */
  fetchBytesPerPartition?: number;
  sessionTimeoutMs: number;
  /** Backoff between attempts at a batch that failed (doubling, jittered). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  logger: Logger;
  /** TLS and SASL for the broker connections (see kafka-security.ts). */
  security?: KafkaSecurity;
  /** How long a partition's first record waits for others to share its produce request (default 5 ms). */
  lingerMs?: number;
  /** Record bytes per produce request and partition, uncompressed (default 512 KiB). */
  maxBatchBytes?: number;
  /** The producer's client library (default kafkajs); the consumer is kafkajs either way. */
  client?: 'kafkajs' | 'platformatic';
  /** Idempotent producers, each with its own connection and share of the partitions (default: 2 with kafkajs, 1 with platformatic, as measured best for each). */
  producers?: number;
  /** gzip level of produce batches, 1 (fastest) to 9 (smallest); default 3 (the Collector's bytes, see kafkajs-gzip.ts). kafkajs only, one per process. */
  compressionLevel?: number;
}

/** One idempotent producer and the batcher that feeds it the records of its partitions. */
interface ProducerLane {
  records: RecordProducer;
  batcher: ProduceBatcher;
}

interface PartitionState {
  buffer: Array<IncomingMessage & { timestamp: string }>;
  /** The batch being stored; `recorded` once its last offset is committed as metadata. */
  plan?: { first: bigint; last: bigint; recorded: boolean };
  planLoaded: boolean;
}

/** Partitions whose batches are stored at once: one inserting while the next is transcoded, and one more. */
const PARTITIONS_CONSUMED_CONCURRENTLY = 3;

/** kafkajs' own test for errors that mean "rejoin the group" (not exported by kafkajs). */
function isRebalancing(err: unknown): boolean {
  const type = (err as { type?: string }).type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION' || type === 'UNKNOWN_MEMBER_ID';
}

/**
 * The group's coordinator is gone (its broker died): kafkajs keeps the dead coordinator for
 * commits and heartbeats made from inside eachBatch, so retrying there never reaches the new
 * one. Thrown out of eachBatch, the error makes kafkajs rejoin through a fresh coordinator; the
 * partition's next owner (this member again, usually) replays the batch's plan from Kafka.
 * Seen in the 3-broker kill test: a batch retried for minutes against "Broker 3 not found".
 */
function isCoordinatorLost(err: unknown): boolean {
  const { name, type } = err as { name?: string; type?: string };
  return name === 'KafkaJSConnectionError' || name === 'KafkaJSConnectionClosedError' || name === 'KafkaJSBrokerNotFound' || type === 'COORDINATOR_NOT_AVAILABLE';
}

/**
 * Kafka between collectors and processors. Producer: idempotent, acks=all, gzip, keyed by
 * resource. Consumer: offsets are committed only after the handler stored a batch, and each
 * batch's boundaries are recorded before it is stored (see batch-plan.ts), so replays after a
 * crash rebuild identical batches that the store deduplicates.
 */
export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  /**
   * Publishes OTLP requests, batched per partition. Partition p always goes through lane
   * p mod lanes: an idempotent producer keeps one request in flight (kafkajs and @platformatic/kafka
   * both lock it), so with one producer the next batch is compressed only after the broker
   * answered the last. Several producers, each owning whole partitions, overlap one batch's gzip
   * with another's round trip, while every partition still has one producer, one request in
   * flight and its sequence numbers in order.
   */
  private lanes: ProducerLane[] | undefined;
  private readonly partitionCounts = new Map<string, number>();
  /** Dead letters only (the processor side): rare, unbatched, with headers. */
  private producer: Producer | undefined;
  private deadLetters: Promise<Producer> | undefined;
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private pendingBytes = 0;
  private readonly partitions = new Map<string, PartitionState>();
  private producerReady = false;
  private connecting: Promise<void> | undefined;
  /** Namespaces dedup tokens: a second cluster writing to the same ClickHouse must not collide. */
  private clusterId: string | undefined;

  constructor(private readonly options: KafkaBusOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.NOTHING,
      retry: { initialRetryTime: 200, retries: 5, maxRetryTime: 5000 },
      ...options.security,
    });
  }

  async start(): Promise<void> {
    if (this.lanes) return;
    const producers = this.options.producers ?? (this.options.client === 'platformatic' ? 1 : 2);
    this.lanes = Array.from({ length: producers }, () => {
      const records = this.options.client === 'platformatic' ? new PlatformaticProducer({ brokers: this.options.brokers, clientId: this.options.clientId, security: this.options.security }) : new KafkajsProducer(this.kafka, this.options.compressionLevel, this.options.logger);
      records.onDisconnect(() => (this.producerReady = false));
      return { records, batcher: new ProduceBatcher({ lingerMs: this.options.lingerMs ?? 5, maxBatchBytes: this.options.maxBatchBytes ?? 512 * 1024, send: records.send }) };
    });
    // Kafka may be down at startup: receivers answer 503 until it is back.
    await this.connectProducer().catch(() => {});
  }

  /** One connection attempt at a time; callers that cannot wait get 503 meanwhile. */
  private connectProducer(): Promise<void> {
    if (this.producerReady) return Promise.resolve();
    this.connecting ??= (async () => {
      try {
        await this.ensureTopics();
        await this.learnPartitionCounts();
        await Promise.all(this.lanes!.map((lane) => lane.records.connect()));
        this.producerReady = true;
        this.options.logger.info({ brokers: this.options.brokers }, 'Kafka producer connected');
      } catch (err) {
        this.options.logger.warn({ err: (err as Error).message }, 'Kafka unreachable; answering 503 until it is back');
        throw err;
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }

  private async ensureTopics(): Promise<void> {
    this.admin ??= this.kafka.admin();
    await this.admin.connect();
    const existing = new Set(await this.admin.listTopics());
    const missing = [...this.options.topics, this.options.deadLetterTopic].filter((t) => !existing.has(t));
    if (missing.length === 0) return;
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({ topic, numPartitions: this.options.partitions, replicationFactor: this.options.replicationFactor })),
    });
    this.options.logger.info({ topics: missing }, 'created Kafka topics');
  }

  /** Partitions per topic, so the bus can place each record itself (see partition-of.ts). */
  private async learnPartitionCounts(): Promise<void> {
    const { topics } = await this.admin!.fetchTopicMetadata({ topics: this.options.topics });
    for (const t of topics) this.partitionCounts.set(t.name, t.partitions.length);
  }

  async shutdown(): Promise<void> {
    const { lanes, producer, consumer, admin } = this;
    this.lanes = this.producer = this.deadLetters = this.consumer = this.admin = undefined;
    this.producerReady = false;
    // What was accepted is sent (or fails its requests) before the connections close.
    await Promise.all((lanes ?? []).map((lane) => lane.batcher.drain()));
    await consumer?.disconnect().catch(() => {});
    await Promise.all((lanes ?? []).map((lane) => lane.records.disconnect().catch(() => {})));
    await producer?.disconnect().catch(() => {});
    await admin?.disconnect().catch(() => {});
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    const lanes = this.lanes;
    if (!lanes) throw new BusUnavailableError('Kafka bus is not started');
    const size = messages.reduce((n, m) => n + m.size, 0);
    if (this.pendingBytes > 0 && this.pendingBytes + size > this.options.maxPendingBytes) {
      throw new BusSaturatedError(`Kafka producer has ${this.pendingBytes} bytes unacknowledged (bus.max_pending_bytes)`, this.options.retryAfterMs);
    }
    if (!this.producerReady) {
      void this.connectProducer().catch(() => {});
      throw new BusUnavailableError('Kafka is unreachable; retry later');
    }
    const partitions = this.partitionCounts.get(topic);
    if (partitions === undefined) throw new BusUnavailableError(`Kafka topic ${topic} is not one this bus was configured with`);
    this.pendingBytes += size;
    try {
      // The common case, one message per OTLP request: no allSettled bookkeeping.
      if (messages.length === 1) return await this.add(lanes, topic, partitions, messages[0]!);
      // Every part settles before the request is answered, so the pending bytes stay counted.
      const outcomes = await Promise.allSettled(messages.map((m) => this.add(lanes, topic, partitions, m)));
      const failed = outcomes.find((o) => o.status === 'rejected');
      if (failed) throw failed.reason;
    } catch (err) {
      throw new BusUnavailableError(`Kafka did not acknowledge: ${(err as Error).message}`);
    } finally {
      this.pendingBytes -= size;
    }
  }

  /** Queues one message on the lane that owns its partition; resolves once Kafka acknowledged it. */
  private add(lanes: ProducerLane[], topic: string, partitions: number, m: OutgoingMessage): Promise<void> {
    const bytes = m.bytes();
    const value = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const partition = partitionOf(topic, m.key, partitions);
    return lanes[partition % lanes.length]!.batcher.add(topic, partition, { key: m.key, value });
  }

  /** Sends an undecodable message to the dead-letter topic with the reason and its origin. */
  async deadLetter(message: IncomingMessage, error: Error): Promise<void> {
    this.deadLetters ??= (async () => {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      this.producer = producer;
      await producer.connect();
      return producer;
    })().catch((err: unknown) => {
      this.deadLetters = undefined;
      throw err;
    });
    const producer = await this.deadLetters;
    await producer.send({
      topic: this.options.deadLetterTopic,
      acks: -1,
      messages: [
        {
          key: message.key,
          value: Buffer.from(message.value),
          headers: {
            'vigil.error': error.message.slice(0, 1000),
            'vigil.source.topic': message.topic,
            'vigil.source.partition': String(message.partition),
            'vigil.source.offset': message.offset,
          },
        },
      ],
    });
  }

  async subscribe(topics: string[], handler: BatchHandler): Promise<void> {
    installSyncGunzip();
    await this.ensureTopics();
    const fetchBytes = this.options.fetchBytesPerPartition ?? 2 * 1024 * 1024;
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(this.options.sessionTimeoutMs / 5)),
      // Fetch sizes bound the consumer's memory whatever the backlog: kafkajs fetches again only
      // once every batch of the previous fetch is stored, so one fetch is what waits.
      maxBytesPerPartition: fetchBytes,
      maxBytes: PARTITIONS_CONSUMED_CONCURRENTLY * fetchBytes,
      minBytes: 64 * 1024,
      maxWaitTimeInMs: 200,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      // Positions restart from committed offsets after a rebalance: forget what was held.
      this.partitions.clear();
    });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: PARTITIONS_CONSUMED_CONCURRENTLY,
      eachBatch: (payload) => this.eachBatch(payload, handler),
    });
  }

  private async eachBatch(payload: EachBatchPayload, handler: BatchHandler): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    const key = `${topic}/${partition}`;
    let state = this.partitions.get(key);
    if (!state) this.partitions.set(key, (state = { buffer: [], planLoaded: false }));
    if (!state.planLoaded) {
      state.plan = await this.committedPlan(topic, partition);
      state.planLoaded = true;
    }
    this.clusterId ??= await this.fetchClusterId();
    const lastHeld = state.buffer.length > 0 ? BigInt(state.buffer.at(-1)!.offset) : -1n;
    // Age of the oldest message of this fetch: how far behind the producers the processor is.
    if (batch.messages.length > 0) selfMetrics.busLag(topic, (Date.now() - Number(batch.messages[0]!.timestamp)) / 1000);
    for (const m of batch.messages) {
      if (BigInt(m.offset) <= lastHeld) continue;
      state.buffer.push({ topic, partition, offset: m.offset, key: m.key?.toString(), value: m.value ?? Buffer.alloc(0), timestamp: m.timestamp });
    }
    // The partition has messages past this fetch (a backlog): a batch short of the bounds would
    // be short only because the fetch ended there.
    const more = state.buffer.length > 0 && BigInt(batch.highWatermark) > BigInt(state.buffer.at(-1)!.offset) + 1n;
    let cutFull = false;
    while (state.buffer.length > 0 && payload.isRunning() && !payload.isStale()) {
      const first = BigInt(state.buffer[0]!.offset);
      if (state.plan && first > state.plan.first) state.plan = undefined; // that batch was committed
      const planned = state.plan && first === state.plan.first ? state.plan.last : undefined;
      const cut = cutBatch(state.buffer, planned, this.options.maxBatchMessages, this.options.maxPlannedBatchBytes);
      if (!cut.ready) {
        // A replayed batch waits for the rest of its planned messages: these are held, and the
        // fetch position moves past them.
        payload.resolveOffset(state.buffer.at(-1)!.offset);
        break;
      }
      // A backlog fetch's tail, after a full batch, is not a batch of its own: the fetch position
      // stays at its first message (resolveOffset sets the position, it is not a maximum), so
      // the next fetch brings it again with what follows, and it goes out in a full batch, not a
      // small one (each insert costs the engine a fixed share, ~0.2 CPU-s here, whatever its
      // size). Nothing is held meanwhile: memory stays one fetch plus the processor's budget.
      if (planned === undefined && cutFull && cut.rest.length === 0 && more) {
        state.buffer = [];
        break;
      }
      cutFull = cut.rest.length > 0;
      const firstOffset = cut.ready[0]!.offset;
      const lastOffset = cut.ready.at(-1)!.offset;
      // Resolving moves the fetch position; the group's committed offset moves only below.
      payload.resolveOffset(lastOffset);
      // The plan is held here from the moment it is cut, not only in Kafka: a retry after a
      // failed insert or commit must rebuild this batch, not cut a new one from whatever
      // arrived meanwhile (new boundaries would mean new tokens, and a table that had landed
      // would be inserted twice).
      state.plan ??= { first: BigInt(firstOffset), last: BigInt(lastOffset), recorded: false };
      const id = batchId(topic, partition, firstOffset, lastOffset, { clusterId: this.clusterId, firstTimestamp: cut.ready[0]!.timestamp });
      if (!(await this.storeUntilDone(payload, state.plan, cut.ready, id, handler))) return;
      state.plan = undefined;
      state.buffer = cut.rest;
    }
  }

  /**
   * Records the plan, stores the batch, commits past it; on failure retries the same batch on a
   * timer with backoff (no new message needed), until it lands or the partition is taken away.
   * Returns false when the partition is no longer ours to store: its next owner replays the plan.
   */
  private async storeUntilDone(
    payload: EachBatchPayload,
    plan: NonNullable<PartitionState['plan']>,
    messages: IncomingMessage[],
    id: string,
    handler: BatchHandler,
  ): Promise<boolean> {
    const { topic, partition } = payload.batch;
    const lastOffset = String(plan.last);
    let delay = this.options.retryInitialMs ?? 500;
    let lastError = '';
    for (let attempt = 1; ; attempt += 1) {
      try {
        if (!plan.recorded) {
          await this.commit(topic, partition, String(plan.first), planMetadata(lastOffset));
          plan.recorded = true;
        }
        await this.withHeartbeat(payload, () => handler(topic, partition, messages, id));
        await this.commit(topic, partition, String(plan.last + 1n), null);
        if (attempt > 1) this.options.logger.info({ topic, partition, batchId: id, attempts: attempt }, 'batch stored after retries');
        return true;
      } catch (err) {
        // A rebalance fences this member's commits, and a lost coordinator cannot be reached
        // from here: let kafkajs rejoin; the plan is in Kafka (or was never recorded).
        if (isRebalancing(err) || isCoordinatorLost(err)) throw err;
        const message = (err as Error).message;
        if (message !== lastError) {
          this.options.logger.warn({ topic, partition, batchId: id, attempt, err: message }, 'batch not stored; retrying the same batch');
          lastError = message;
        }
      }
      const wait = delay / 2 + Math.random() * (delay / 2);
      // Waits in short steps so a shutdown or a revoked partition is not held up by the backoff.
      for (const until = Date.now() + wait; Date.now() < until && payload.isRunning() && !payload.isStale(); ) {
        await this.withHeartbeat(payload, () => new Promise((r) => setTimeout(r, Math.min(250, until - Date.now()))));
      }
      delay = Math.min(delay * 2, this.options.retryMaxMs ?? 30_000);
      // A rebalance ends our turn, so kafkajs rejoins instead of this loop retrying forever.
      await payload.heartbeat().catch((err: unknown) => {
        if (isRebalancing(err) || isCoordinatorLost(err)) throw err;
      });
      if (!payload.isRunning() || payload.isStale()) return false;
    }
  }

  private async fetchClusterId(): Promise<string> {
    this.admin ??= this.kafka.admin();
    await this.admin.connect();
    return (await this.admin.describeCluster()).clusterId;
  }

  private async committedPlan(topic: string, partition: number): Promise<PartitionState['plan']> {
    this.admin ??= this.kafka.admin();
    const [entry] = await this.admin.fetchOffsets({ groupId: this.options.groupId, topics: [topic] });
    const committed = entry?.partitions.find((p) => p.partition === partition);
    const last = plannedLastOffset(committed?.metadata);
    if (!committed || last === undefined || Number(committed.offset) < 0) return undefined;
    this.options.logger.info({ topic, partition, first: committed.offset, last: String(last) }, 'replaying a planned batch');
    return { first: BigInt(committed.offset), last, recorded: true };
  }

  private async commit(topic: string, partition: number, offset: string, metadata: string | null): Promise<void> {
    await this.consumer!.commitOffsets([{ topic, partition, offset, metadata }]);
  }

  /** Keeps the group membership alive while a batch waits on a slow or unavailable store. */
  private async withHeartbeat<T>(payload: EachBatchPayload, run: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => void payload.heartbeat().catch(() => {}), Math.max(500, Math.floor(this.options.sessionTimeoutMs / 5)));
    try {
      return await run();
    } finally {
      clearInterval(timer);
    }
  }
}
