/**
 * A real Apache Kafka 4.1 broker (scripts/kafka/broker.ts) with kafkajs 2.2.4, the client vigil
 * uses. VIGIL_KAFKA_BROKERS=host:port,… makes the 1-broker test use that cluster instead of
 * starting one; the 3-broker test always starts its own, since it kills one of them.
 */
import { CompressionTypes, Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { startKafka, type KafkaCluster } from './broker.ts';

const clusters: KafkaCluster[] = [];
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
});

function client(bootstrap: string): Kafka {
  // VIGIL_KAFKA_TEST_LOG=1 shows kafkajs' own log (retries, reconnects) on stdout.
  return new Kafka({ clientId: 'vigil-broker-test', brokers: bootstrap.split(','), logLevel: process.env.VIGIL_KAFKA_TEST_LOG ? logLevel.INFO : logLevel.NOTHING });
}

async function createTopic(admin: Admin, topic: string, replicationFactor: number): Promise<void> {
  const created = await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor }], waitForLeaders: true });
  expect(created).toBe(true);
}

/** Sends `values` as one batch: idempotent producer, acks=all, gzip, one key. */
async function send(producer: Producer, topic: string, values: number[]): Promise<void> {
  const acks = await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages: values.map((v) => ({ key: 'k', value: String(v) })) });
  expect(acks.every((a) => a.errorCode === 0)).toBe(true);
}

/** Reads the topic from the beginning in a consumer group until `total` records arrived, or fails after 60 s. */
async function consume(kafka: Kafka, topic: string, total: number): Promise<number[]> {
  const consumer = kafka.consumer({ groupId: `${topic}-group`, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const seen: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${seen.length} of ${total} within 60 s`)), 60_000);
      // A retriable error (e.g. the group coordinator still loading) restarts the consumer; others end the test.
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) reject(payload.error);
      });
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(Number(message.value!.toString()));
          if (seen.length >= total) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await new Promise((r) => setTimeout(r, 500)); // anything beyond `total` (a duplicate) would show up here
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

/** The number of records in the topic's log: high watermark minus log start, summed over partitions. */
async function recordsInLog(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('a real Apache Kafka 4.1 broker with kafkajs 2.2.4', () => {
  it('one broker: idempotent, gzip, acks=all messages come back in order through a consumer group', async () => {
    let bootstrap = process.env.VIGIL_KAFKA_BROKERS;
    if (!bootstrap) {
      const cluster = await startKafka();
      clusters.push(cluster);
      bootstrap = cluster.bootstrap;
      expect(cluster.nodes).toEqual([expect.objectContaining({ id: 1, running: true })]);
    }
    const kafka = client(bootstrap);
    const topic = `broker-test-${Date.now()}`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      await createTopic(admin, topic, 1);
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      for (let i = 0; i < 100; i += 10) await send(producer, topic, range(i, i + 10));
      await producer.disconnect();
      expect(await consume(kafka, topic, 100)).toEqual(range(0, 100));
      expect(await recordsInLog(admin, topic)).toBe(100);
    } finally {
      await admin.disconnect();
    }
  });

  it('three brokers, replication 3: the partition leader is killed (SIGKILL), nothing acknowledged is lost or duplicated', async () => {
    const cluster = await startKafka({ brokers: 3 });
    clusters.push(cluster);
    expect(cluster.nodes.map((n) => n.id)).toEqual([1, 2, 3]);
    const kafka = client(cluster.bootstrap);
    const topic = 'replicated';
    const admin = kafka.admin();
    await admin.connect();
    try {
      await createTopic(admin, topic, 3);
      // The sends after the kill must outlast the failover (the dead leader is fenced after
      // broker.session.timeout.ms, plus a controller election if it was the active controller).
      // kafkajs 2.2.4 documents unlimited retries for idempotent producers, but Kafka#producer()
      // always passes a `retry` object, so that default never applies and a send gives up after
      // 5 retries (15 short ones under NODE_ENV=test, ~10 s): ask for unlimited retries explicitly.
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 1000 } });
      await producer.connect();
      for (let i = 0; i < 500; i += 50) await send(producer, topic, range(i, i + 50));

      const [partition] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions;
      expect(partition!.replicas).toHaveLength(3);
      expect(partition!.isr).toHaveLength(3);
      const leader = partition!.leader;
      await cluster.stopNode(leader, 'SIGKILL');
      expect(cluster.nodes.find((n) => n.id === leader)!.running).toBe(false);

      for (let i = 500; i < 1000; i += 50) await send(producer, topic, range(i, i + 50));
      await producer.disconnect();
      const after = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions[0]!;
      expect(after.leader).not.toBe(leader);
      expect(after.isr).not.toContain(leader);

      expect(await consume(kafka, topic, 1000)).toEqual(range(0, 1000));
      expect(await recordsInLog(admin, topic)).toBe(1000);
    } finally {
      await admin.disconnect();
    }
  });
});
