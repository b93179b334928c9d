import type { BatchHandler, Bus, IncomingMessage, OutgoingMessage } from './bus.ts';
import { BusSaturatedError, BusUnavailableError } from './bus.ts';

export interface InProcessBusOptions {
  /** Bytes accepted but not yet durable; above this, publish is refused (memory stays bounded). */
  maxPendingBytes: number;
  retryAfterMs: number;
}

/**
 * The embedded bus: hands each publish straight to the subscribed processor and resolves when
 * the processor has inserted it, so a 2xx to an OTLP client means the rows are in ClickHouse.
 */
export class InProcessBus implements Bus {
  readonly kind = 'in_process' as const;
  private readonly handlers = new Map<string, BatchHandler>();
  private pendingBytes = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  private offsets = new Map<string, bigint>();

  constructor(private readonly options: InProcessBusOptions) {}

  async start(): Promise<void> {
    this.closed = false;
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
  }

  async subscribe(topics: string[], handler: BatchHandler): Promise<void> {
    for (const topic of topics) this.handlers.set(topic, handler);
  }

  get pending(): number {
    return this.pendingBytes;
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (this.closed) throw new BusUnavailableError('vigil is shutting down');
    const handler = this.handlers.get(topic);
    if (!handler) throw new BusUnavailableError(`no consumer for topic ${topic}`);
    const size = messages.reduce((n, m) => n + m.size, 0);
    if (this.pendingBytes > 0 && this.pendingBytes + size > this.options.maxPendingBytes) {
      throw new BusSaturatedError(
        `pipeline saturated: ${this.pendingBytes} bytes pending (bus.max_pending_bytes is ${this.options.maxPendingBytes})`,
        this.options.retryAfterMs,
      );
    }
    this.pendingBytes += size;
    const incoming = messages.map((m) => this.toIncoming(topic, m));
    const delivery = handler(topic, 0, incoming);
    this.inFlight.add(delivery);
    try {
      await delivery;
    } finally {
      this.inFlight.delete(delivery);
      this.pendingBytes -= size;
    }
  }

  private toIncoming(topic: string, message: OutgoingMessage): IncomingMessage {
    const offset = (this.offsets.get(topic) ?? 0n) + 1n;
    this.offsets.set(topic, offset);
    let value: Uint8Array | undefined;
    return {
      topic,
      partition: 0,
      offset: offset.toString(),
      key: message.key,
      decoded: message.decoded,
      encoded: message.encoded,
      dedupToken: message.dedupToken,
      delivery: message.delivery,
      // Encoded only if a consumer asks: the embedded path never needs the bytes.
      get value() {
        return (value ??= message.bytes());
      },
    };
  }
}
