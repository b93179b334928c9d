import type { Logger } from '../../core/telemetry/index.ts';

export interface DeliveryQueueOptions<T> {
  /** Items kept while delivery is refused; past it the oldest is dropped and counted. */
  maxBuffered: number;
  /** Resolves once the item is accepted; rejects when the pipeline refuses it. */
  deliver: (item: T) => Promise<void>;
  logger: Logger;
}

export interface DeliveryStats {
  emitted: number;
  dropped: number;
  /** Items waiting for delivery (not counting one being delivered right now). */
  buffered: number;
  lastError?: string;
}

/**
 * A bounded FIFO in front of a delivery that may refuse. Items go out oldest first, one at a
 * time; a refusal ends the round and puts the item back at the head, so the next flush retries
 * it before anything newer. Overflow drops the oldest: during an outage the latest state of the
 * host is worth more than the stalest. The item being delivered is out of the buffer, so
 * overflow never drops something that may already have been accepted.
 */
export class DeliveryQueue<T> {
  private readonly waiting: T[] = [];
  private round: Promise<void> | undefined;
  private emitted = 0;
  private dropped = 0;
  private droppedThisOutage = 0;
  private lastError: string | undefined;
  private refusing = false;

  constructor(private readonly options: DeliveryQueueOptions<T>) {}

  push(item: T): void {
    this.waiting.push(item);
    this.trim();
  }

  /** Delivers what is waiting until the first refusal. Concurrent callers share one round; never rejects. */
  flush(): Promise<void> {
    this.round ??= this.deliverWaiting();
    return this.round;
  }

  stats(): DeliveryStats {
    return {
      emitted: this.emitted,
      dropped: this.dropped,
      buffered: this.waiting.length,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    };
  }

  private async deliverWaiting(): Promise<void> {
    try {
      // Yield once so flush() has stored this round before it can end and clear it.
      await null;
      while (this.waiting.length > 0) {
        const item = this.waiting.shift()!;
        try {
          await this.options.deliver(item);
        } catch (err) {
          this.waiting.unshift(item);
          this.trim();
          this.noteRefusal(err);
          return;
        }
        this.emitted += 1;
        this.noteAccepted();
      }
    } finally {
      // Cleared in the same turn the loop sees an empty buffer, so a push right after starts a new round.
      this.round = undefined;
    }
  }

  private trim(): void {
    while (this.waiting.length > this.options.maxBuffered) {
      this.waiting.shift();
      this.dropped += 1;
      this.droppedThisOutage += 1;
      // Once per outage, not per batch: a long outage would otherwise log every tick.
      if (this.droppedThisOutage === 1) {
        this.options.logger.warn({ maxBufferedBatches: this.options.maxBuffered, dropped: this.dropped }, 'host metrics buffer full; dropping the oldest batches until the pipeline accepts them');
      }
    }
  }

  private noteRefusal(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    if (!this.refusing || message !== this.lastError) {
      this.options.logger.warn({ err: message, buffered: this.waiting.length }, 'host metrics refused by the pipeline; buffering');
    }
    this.refusing = true;
    this.lastError = message;
  }

  private noteAccepted(): void {
    if (!this.refusing) return;
    this.refusing = false;
    if (this.droppedThisOutage > 0) {
      this.options.logger.warn({ droppedThisOutage: this.droppedThisOutage, dropped: this.dropped }, 'pipeline accepts host metrics again; batches were dropped while it refused');
    } else {
      this.options.logger.info({ buffered: this.waiting.length }, 'pipeline accepts host metrics again');
    }
    this.droppedThisOutage = 0;
  }
}
