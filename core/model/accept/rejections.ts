/**
 * Why a record was not stored: a bounded set (labels for counters, never raw messages).
 * - expired: older than the tables' TTL (ClickHouse would drop it at insert without a word).
 * - timestamp_out_of_range: outside 1970 … 2106-02-07, the range of the DateTime the TTL reads.
 * - missing_timestamp: a data point or span without its (required) time.
 * - invalid_trace_id / invalid_span_id: not 16 / 8 bytes (or all zero where one is required).
 * - invalid_severity: a log severity number outside OTLP's 0…24.
 * - invalid_value: a value its column cannot hold (nesting too deep, bucket counts that do
 *   not match the bounds).
 * - refused_by_store: the engine refused the row itself (found by splitting a refused batch).
 */
export const REJECT_REASONS = [
  'expired',
  'timestamp_out_of_range',
  'missing_timestamp',
  'invalid_trace_id',
  'invalid_span_id',
  'invalid_severity',
  'invalid_value',
  'refused_by_store',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Records of one request that were not stored, as OTLP's partial_success reports them. */
export interface Rejections {
  count: number;
  reasons: Partial<Record<RejectReason, number>>;
  /** Human-readable: counts by reason and the first example; '' when nothing was rejected. */
  message: string;
}

/** Collects rejections for one request; keeps the first example of each reason for the message. */
export class RejectionTally implements Rejections {
  count = 0;
  reasons: Partial<Record<RejectReason, number>> = {};
  private readonly examples = new Map<RejectReason, string>();

  constructor(private readonly noun: string) {}

  add(reason: RejectReason, detail: string, count = 1): void {
    if (count <= 0) return;
    this.count += count;
    this.reasons[reason] = (this.reasons[reason] ?? 0) + count;
    if (!this.examples.has(reason)) this.examples.set(reason, detail);
  }

  get message(): string {
    if (this.count === 0) return '';
    const parts = Object.entries(this.reasons).map(([reason, n]) => `${n} ${reason} (e.g. ${this.examples.get(reason as RejectReason)})`);
    return `${this.count} ${this.noun} rejected: ${parts.join('; ')}`;
  }

  toJSON(): Rejections {
    return { count: this.count, reasons: { ...this.reasons }, message: this.message };
  }
}

/** What OTLP calls the records of each signal, for messages. */
export const RECORD_NOUN = { logs: 'log records', metrics: 'data points', traces: 'spans' } as const;
