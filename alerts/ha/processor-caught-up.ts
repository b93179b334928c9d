import { Kafka, logLevel } from 'kafkajs';
import type { KafkaSecurity } from '../../core/bus/index.ts';
import type { Logger } from '../../core/telemetry/index.ts';

export interface ProcessorCaughtUpOptions {
  brokers: string[];
  clientId: string;
  security?: KafkaSecurity;
  /** The processor consumer group whose stored data the rules read. */
  groupId: string;
  topics: string[];
  logger: Logger;
  pollMs?: number;
  /** Stops waiting (shutdown); then it resolves without having caught up. */
  signal?: AbortSignal;
}

/**
 * Resolves once the processor group has committed (that is, stored) every message that was in
 * its topics when this was called. An instance whose processor is behind must not lead: its
 * rules read a store that lags, and an `absent` rule takes that gap for a silent host (seen: a
 * restarted HA instance took over with 14 s of heartbeats not yet stored and promoted the
 * standby while the primary was alive). Polls until then, or until `signal` aborts; never
 * rejects (a broker error is retried at the next poll).
 */
export async function processorCaughtUp(options: ProcessorCaughtUpOptions): Promise<void> {
  const admin = new Kafka({ clientId: `${options.clientId}-catch-up`, brokers: options.brokers, logLevel: logLevel.NOTHING, ...options.security }).admin();
  const pollMs = options.pollMs ?? 500;
  const started = Date.now();
  let targets: Map<string, bigint> | undefined;
  let lastError: string | undefined;
  try {
    while (!options.signal?.aborted) {
      try {
        await admin.connect();
        targets ??= await endOffsets(admin, options.topics);
        const behind = await behindBy(admin, options.groupId, options.topics, targets);
        if (behind === 0n) {
          options.logger.info({ groupId: options.groupId, waitedMs: Date.now() - started }, 'processor caught up with the bus: this instance may lead');
          return;
        }
      } catch (err) {
        if ((err as Error).message !== lastError) options.logger.warn({ err: (err as Error).message }, 'cannot read the processor group offsets yet; retrying');
        lastError = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

type Admin = ReturnType<Kafka['admin']>;
const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

async function endOffsets(admin: Admin, topics: string[]): Promise<Map<string, bigint>> {
  const ends = new Map<string, bigint>();
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      // A partition with nothing left to read (empty, or compacted/expired to its end) needs no commit.
      if (BigInt(p.high) > BigInt(p.low)) ends.set(key(topic, p.partition), BigInt(p.high));
    }
  }
  return ends;
}

/** Messages of `targets` the group has not committed yet. */
async function behindBy(admin: Admin, groupId: string, topics: string[], targets: Map<string, bigint>): Promise<bigint> {
  const committed = new Map<string, bigint>();
  for (const t of await admin.fetchOffsets({ groupId, topics })) {
    for (const p of t.partitions) committed.set(key(t.topic, p.partition), BigInt(p.offset));
  }
  let behind = 0n;
  for (const [k, end] of targets) {
    const at = committed.get(k) ?? -1n;
    if (at < end) behind += at < 0n ? end : end - at;
  }
  return behind;
}
