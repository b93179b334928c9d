/** One Kafka record as the producer sends it. */
export interface ProduceRecord {
  key: string;
  value: Buffer;
}

/** One partition's records within a produce request. */
export interface PartitionRecords {
  partition: number;
  records: ProduceRecord[];
}

/**
 * Sends the records of one or more partitions of a topic in one produce request (acks=all) and
 * resolves once the broker acknowledged them all; rejects when they are not durable.
 */
export type SendRequest = (topic: string, partitions: PartitionRecords[]) => Promise<void>;

export interface ProduceBatcherOptions {
  /** How long the first record of an idle partition waits for others to join its request. */
  lingerMs: number;
  /** Record bytes per partition per produce request (uncompressed); a larger single record still goes alone. */
  maxBatchBytes: number;
  send: SendRequest;
  /** Injected for tests; setTimeout by default. */
  setTimer?: (run: () => void, ms: number) => unknown;
}

interface Waiting extends ProduceRecord {
  resolve(): void;
  reject(error: unknown): void;
}

interface PartitionQueue {
  partition: number;
  waiting: Waiting[];
  bytes: number;
  inFlight: Promise<void> | undefined;
}

interface TopicQueues {
  partitions: Map<number, PartitionQueue>;
  timer: boolean;
}

/**
 * Group commit for the producer: records are queued per partition, and one produce request
 * carries the queued records (up to maxBatchBytes each) of every partition of the topic that has
 * no request in flight. The broker handles one request per connection at a time, so a request
 * per partition would queue six round trips where one does. An idle topic waits `lingerMs` for
 * company; while a partition's request is in flight its next records accumulate and go as soon
 * as it returns, so batches grow with the load instead of with a timer.
 *
 * One request in flight per partition keeps the idempotent producer's sequence numbers in
 * order. Each record's promise settles with its own request: a failed request fails only the
 * records it carried, so only their OTLP requests hear 503.
 */
export class ProduceBatcher {
  private readonly topics = new Map<string, TopicQueues>();
  private readonly setTimer: (run: () => void, ms: number) => unknown;

  constructor(private readonly options: ProduceBatcherOptions) {
    this.setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms));
  }

  /** Resolves once the record is acknowledged by the broker (acks=all). */
  add(topic: string, partition: number, record: ProduceRecord): Promise<void> {
    let queues = this.topics.get(topic);
    if (!queues) this.topics.set(topic, (queues = { partitions: new Map(), timer: false }));
    let queue = queues.partitions.get(partition);
    if (!queue) queues.partitions.set(partition, (queue = { partition, waiting: [], bytes: 0, inFlight: undefined }));
    const done = new Promise<void>((resolve, reject) => queue.waiting.push({ key: record.key, value: record.value, resolve, reject }));
    queue.bytes += record.value.length;
    if (queue.inFlight) return done; // goes when the request in flight returns
    if (queue.bytes >= this.options.maxBatchBytes) this.flush(topic, queues);
    else if (!queues.timer) {
      queues.timer = true;
      this.setTimer(() => {
        queues.timer = false;
        this.flush(topic, queues);
      }, this.options.lingerMs);
    }
    return done;
  }

  /** Resolves when nothing is queued or in flight (records added meanwhile included). */
  async drain(): Promise<void> {
    for (;;) {
      const busy = [...this.topics.values()].flatMap((t) => [...t.partitions.values()]).filter((q) => q.inFlight || q.waiting.length > 0);
      if (busy.length === 0) return;
      for (const [topic, queues] of this.topics) this.flush(topic, queues);
      await Promise.all(busy.map((q) => q.inFlight?.catch(() => {})));
    }
  }

  /** One request with the waiting records of every partition of the topic not in flight. */
  private flush(topic: string, queues: TopicQueues): void {
    const carried: Array<{ queue: PartitionQueue; batch: Waiting[] }> = [];
    for (const queue of queues.partitions.values()) {
      if (queue.inFlight || queue.waiting.length === 0) continue;
      // At least one record, then as many as fit the byte bound.
      let count = 0;
      let bytes = 0;
      while (count < queue.waiting.length && (count === 0 || bytes + queue.waiting[count]!.value.length <= this.options.maxBatchBytes)) {
        bytes += queue.waiting[count]!.value.length;
        count += 1;
      }
      queue.bytes -= bytes;
      carried.push({ queue, batch: queue.waiting.splice(0, count) });
    }
    if (carried.length === 0) return;
    // The waiting entries are the records (they only add their callbacks): no copies per record.
    const request: PartitionRecords[] = carried.map(({ queue, batch }) => ({ partition: queue.partition, records: batch }));
    const inFlight = (async () => this.options.send(topic, request))()
      .then(
        () => carried.forEach(({ batch }) => batch.forEach((r) => r.resolve())),
        (error: unknown) => carried.forEach(({ batch }) => batch.forEach((r) => r.reject(error))),
      )
      .finally(() => {
        for (const { queue } of carried) queue.inFlight = undefined;
        // Whatever queued during the request has waited long enough: send it now.
        if (carried.some(({ queue }) => queue.waiting.length > 0)) this.flush(topic, queues);
      });
    for (const { queue } of carried) queue.inFlight = inFlight;
  }
}
