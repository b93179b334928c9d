import { Partitioners } from 'kafkajs';

// kafkajs' default partitioner is the Java client's (murmur2 of the key): a resource lands in
// the partition the Java client would pick, whichever client library the bus runs on.
const partitioner = Partitioners.DefaultPartitioner();
const metadataOf = new Map<number, Array<{ partitionId: number; leader: number }>>();

/**
 * Partitions of recent keys, per partition count. A collector sees the same few resources over
 * and over, and murmur2 in JS was ~1% of its CPU; bounded, since keys come from clients.
 */
const recent = new Map<number, Map<string, number>>();
const MAX_RECENT_KEYS = 4096;

/** The partition of a keyed record in a topic of `partitions` partitions. */
export function partitionOf(topic: string, key: string, partitions: number): number {
  let known = recent.get(partitions);
  if (!known) recent.set(partitions, (known = new Map()));
  const cached = known.get(key);
  if (cached !== undefined) return cached;
  let partitionMetadata = metadataOf.get(partitions);
  if (!partitionMetadata) metadataOf.set(partitions, (partitionMetadata = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 0 }))));
  const partition = partitioner({ topic, partitionMetadata: partitionMetadata as never, message: { key, value: null } });
  if (known.size >= MAX_RECENT_KEYS) known.clear();
  known.set(key, partition);
  return partition;
}
