import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { startKafka, type KafkaCluster } from './broker.ts';

const clusters: KafkaCluster[] = [];
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
});

async function roundTrip(bootstrap: string, topic: string, replication: number, produce: (send: (n: number) => Promise<void>) => Promise<void>) {
  const kafka = new Kafka({ clientId: 'broker-test', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: replication }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let next = 0;
  await produce(async (n) => {
    const messages = Array.from({ length: n }, () => ({ key: 'k', value: String(next++) }));
    await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages });
  });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `${topic}-group` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const seen: number[] = [];
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(Number(message.value!.toString()));
        if (seen.length === next) resolve();
      },
    });
  });
  await consumer.disconnect();
  return { sent: next, seen };
}

describe('a real Apache Kafka 4.1 broker with kafkajs 2.2.4', () => {
  it('carries idempotent, gzip-compressed, acks=all messages in order per key', async () => {
    let bootstrap = process.env.VIGIL_KAFKA_BROKERS;
    if (!bootstrap) {
      const cluster = await startKafka();
      clusters.push(cluster);
      bootstrap = cluster.bootstrap;
    }
    const { sent, seen } = await roundTrip(bootstrap, `broker-test-${Date.now()}`, 1, (send) => send(100));
    expect(sent).toBe(100);
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i)); // one key: one partition, in order
  });

  it('loses nothing acknowledged when one of three brokers is killed', async () => {
    const cluster = await startKafka({ brokers: 3 });
    clusters.push(cluster);
    const { sent, seen } = await roundTrip(cluster.bootstrap, 'replicated', 3, async (send) => {
      for (let i = 0; i < 10; i++) await send(50);
      await cluster.stopNode(2, 'SIGKILL');
      for (let i = 0; i < 10; i++) await send(50);
    });
    expect(sent).toBe(1000);
    expect(new Set(seen).size).toBe(1000);
  });
});
