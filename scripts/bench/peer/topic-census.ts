/**
 * What a collector really wrote: the run's topic is created empty before the run, so after it
 * the sum of the partitions' end offsets is the number of messages, and reading them back and
 * decoding each one counts the log records. Idempotent, non-transactional producers (both
 * collectors) write no control records, so offsets and messages match one to one.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { decodeProtobuf } from '../../../core/model/index.ts';

export async function createTopic(brokers: string, topic: string, partitions: number): Promise<void> {
  const admin = new Kafka({ clientId: 'bench-peer', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
  } finally {
    await admin.disconnect();
  }
}

export async function countMessages(brokers: string, topic: string): Promise<number> {
  const admin = new Kafka({ clientId: 'bench-peer', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Reads the topic's `messages` messages from the start and counts the log records they carry. */
export async function countLogRecords(brokers: string, topic: string, messages: number, timeoutMs = 120_000): Promise<number> {
  const consumer = new Kafka({ clientId: 'bench-peer-census', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).consumer({
    groupId: `bench-peer-census-${randomBytes(4).toString('hex')}`,
    maxBytes: 16 * 1024 * 1024,
  });
  let seen = 0;
  let records = 0;
  let undecodable = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${seen} of ${messages} messages of ${topic} within ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            seen += 1;
            try {
              const request = decodeProtobuf('logs', message.value ?? new Uint8Array());
              for (const rl of request.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) records += sl.logRecords?.length ?? 0;
            } catch {
              undecodable += 1;
            }
          }
          if (seen >= messages) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await done;
  } finally {
    await consumer.disconnect();
  }
  if (undecodable > 0) throw new Error(`${undecodable} messages of ${topic} are not OTLP logs requests`);
  return records;
}
