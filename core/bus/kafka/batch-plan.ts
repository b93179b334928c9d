/**
 * Deterministic batch boundaries for replays. Before a batch is inserted, its planned last
 * offset is committed as metadata on the group's committed offset (which still points at the
 * batch's first offset). After a crash the next owner reads the plan and rebuilds exactly the
 * same batch, so its insert carries the same dedup token and is dropped if it already landed.
 */
const PREFIX = 'vigil-plan:';

export function planMetadata(lastOffset: string): string {
  return `${PREFIX}${lastOffset}`;
}

/** The planned last offset recorded in commit metadata, if any. */
export function plannedLastOffset(metadata: string | null | undefined): bigint | undefined {
  if (!metadata?.startsWith(PREFIX)) return undefined;
  const text = metadata.slice(PREFIX.length);
  return /^\d+$/.test(text) ? BigInt(text) : undefined;
}

/** What makes a batch's identity unique beyond topic/partition/offsets. */
export interface BatchNamespace {
  /** The Kafka cluster's id: a second cluster writing to the same ClickHouse must not collide. */
  clusterId?: string;
  /**
   * The first message's log timestamp: a topic deleted and recreated starts its offsets at 0
   * again, and kafkajs cannot see topic ids; the timestamp is stored in the log, so it is the
   * same on every replay of the batch.
   */
  firstTimestamp?: string;
}

/**
 * The batch's identity, the stem of its inserts' dedup tokens:
 * `<cluster id>/<topic>/<partition>/<first>-<last>@<first timestamp>`.
 */
export function batchId(topic: string, partition: number, first: string, last: string, ns: BatchNamespace = {}): string {
  const stem = `${topic}/${partition}/${first}-${last}`;
  return `${ns.clusterId ? `${ns.clusterId}/` : ''}${stem}${ns.firstTimestamp ? `@${ns.firstTimestamp}` : ''}`;
}

export interface Cut<T extends { offset: string }> {
  /** Messages forming a complete batch, ready to insert. */
  ready: T[] | undefined;
  /** Messages to keep for the next batch. */
  rest: T[];
}

/**
 * Splits buffered messages of one partition: with a plan, the batch is exactly the messages up
 * to the planned offset (and waits if they have not all arrived), whatever its size; without
 * one, it is what is buffered up to maxMessages and maxBytes of message values (at least one
 * message, however large). Bytes bound a batch's memory: it is held whole until stored.
 */
export function cutBatch<T extends { offset: string; value: { byteLength: number } }>(buffered: T[], planned: bigint | undefined, maxMessages: number, maxBytes = Infinity): Cut<T> {
  if (buffered.length === 0) return { ready: undefined, rest: buffered };
  if (planned !== undefined) {
    const index = buffered.findIndex((m) => BigInt(m.offset) > planned);
    if (index === -1) {
      const last = BigInt(buffered.at(-1)!.offset);
      return last === planned ? { ready: buffered, rest: [] } : { ready: undefined, rest: buffered };
    }
    return { ready: buffered.slice(0, index), rest: buffered.slice(index) };
  }
  let end = 1;
  for (let bytes = buffered[0]!.value.byteLength; end < Math.min(buffered.length, maxMessages); end++) {
    bytes += buffered[end]!.value.byteLength;
    if (bytes > maxBytes) break;
  }
  return end === buffered.length ? { ready: buffered, rest: [] } : { ready: buffered.slice(0, end), rest: buffered.slice(end) };
}
