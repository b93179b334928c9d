/** One Kafka record as the producer sends it. */
export interface ProduceRecord {
  key: string;
  value: Buffer;
}

/**
 * Sends one partition's records in one produce request (acks=all) and resolves once the broker
 * acknowledged them all; rejects when they are not durable.
 */
export type SendPartition = (topic: string, partition: number, records: ProduceRecord[]) => Promise<void>;

export interface ProduceBatcherOptions {
  /** How long the first record of an idle partition waits for others to join its request. */
  lingerMs: number;
  /** Record bytes per produce request (uncompressed); a larger single record still goes alone. */
  maxBatchBytes: number;
  send: SendPartition;
  /** Injected for tests; setTimeout by default. */
  setTimer?: (run: () => void, ms: number) => unknown;
}

interface Waiting extends ProduceRecord {
  resolve(): void;
  reject(error: unknown): void;
}

interface PartitionQueue {
  waiting: Waiting[];
  bytes: number;
  inFlight: Promise<void> | undefined;
  timer: boolean;
}

/**
 * Group commit for the producer: records are queued per partition and one produce request
 * carries all of a partition's queued records (up to maxBatchBytes). An idle partition waits
 * `lingerMs` for company; while a partition's request is in flight its next records accumulate
 * and go as soon as it returns, so batches grow with the load instead of with a timer.
 *
 * One request in flight per partition keeps the idempotent producer's sequence numbers in
 * order. Each record's promise settles with its own request: a failed request fails only the
 * records it carried, so only their OTLP requests hear 503.
 */
export class ProduceBatcher {
  private readonly queues = new Map<string, PartitionQueue>();
  private readonly setTimer: (run: () => void, ms: number) => unknown;

  constructor(private readonly options: ProduceBatcherOptions) {
    this.setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms));
  }

  /** Resolves once the record is acknowledged by the broker (acks=all). */
  add(topic: string, partition: number, record: ProduceRecord): Promise<void> {
    const id = `${partition}\u0000${topic}`;
    let queue = this.queues.get(id);
    if (!queue) this.queues.set(id, (queue = { waiting: [], bytes: 0, inFlight: undefined, timer: false }));
    const done = new Promise<void>((resolve, reject) => queue.waiting.push({ ...record, resolve, reject }));
    queue.bytes += record.value.length;
    if (queue.inFlight) return done; // goes when the request in flight returns
    if (queue.bytes >= this.options.maxBatchBytes) this.flush(topic, partition, queue);
    else if (!queue.timer) {
      queue.timer = true;
      this.setTimer(() => {
        queue.timer = false;
        if (!queue.inFlight) this.flush(topic, partition, queue);
      }, this.options.lingerMs);
    }
    return done;
  }

  /** Resolves when nothing is queued or in flight (records added meanwhile included). */
  async drain(): Promise<void> {
    for (;;) {
      const busy = [...this.queues.values()].filter((q) => q.inFlight || q.waiting.length > 0);
      if (busy.length === 0) return;
      for (const [id, q] of this.queues) {
        if (!q.inFlight && q.waiting.length > 0) {
          const cut = id.indexOf('\u0000');
          this.flush(id.slice(cut + 1), Number(id.slice(0, cut)), q);
        }
      }
      await Promise.all(busy.map((q) => q.inFlight?.catch(() => {})));
    }
  }

  private flush(topic: string, partition: number, queue: PartitionQueue): void {
    if (queue.waiting.length === 0) return;
    // At least one record, then as many as fit the byte bound.
    let count = 0;
    let bytes = 0;
    while (count < queue.waiting.length && (count === 0 || bytes + queue.waiting[count]!.value.length <= this.options.maxBatchBytes)) {
      bytes += queue.waiting[count]!.value.length;
      count += 1;
    }
    const batch = queue.waiting.splice(0, count);
    queue.bytes -= bytes;
    const records = batch.map(({ key, value }) => ({ key, value }));
    queue.inFlight = (async () => this.options.send(topic, partition, records))()
      .then(
        () => batch.forEach((r) => r.resolve()),
        (error: unknown) => batch.forEach((r) => r.reject(error)),
      )
      .finally(() => {
        queue.inFlight = undefined;
        // Whatever queued during the request has waited long enough: send it now.
        if (queue.waiting.length > 0) this.flush(topic, partition, queue);
      });
  }
}
