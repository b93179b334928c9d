import { Partitioners } from 'kafkajs';

// kafkajs' default partitioner is the Java client's (murmur2 of the key): a resource lands in
// the partition the Java client would pick, whichever client library the bus runs on.
const partitioner = Partitioners.DefaultPartitioner();
const metadataOf = new Map<number, Array<{ partitionId: number; leader: number }>>();

/** The partition of a keyed record in a topic of `partitions` partitions. */
export function partitionOf(topic: string, key: string, partitions: number): number {
  let partitionMetadata = metadataOf.get(partitions);
  if (!partitionMetadata) metadataOf.set(partitions, (partitionMetadata = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 0 }))));
  return partitioner({ topic, partitionMetadata: partitionMetadata as never, message: { key, value: null } });
}
