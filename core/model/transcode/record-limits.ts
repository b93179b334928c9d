import { MAX_NANOS } from '../accept/record-checks.ts';
import type { Problem } from '../accept/record-checks.ts';
import type { RejectReason } from '../accept/rejections.ts';

const TWO32 = 0x1_0000_0000n;
const MAX_HI = Number(MAX_NANOS / TWO32);
const MAX_LO = Number(MAX_NANOS % TWO32);

function unsigned(lo: number, hi: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * The checks of core/model/accept/record-checks.ts on 64-bit values held as two 32-bit halves,
 * with the same reasons and details. A field is named by its record's path `at` and its own
 * `name`; the detail `${at}.${name}` is only built for a record that fails, so passing records
 * allocate nothing.
 */
export class RecordLimits {
  readonly nowLo: number;
  readonly nowHi: number;
  private readonly oldestLo: number;
  private readonly oldestHi: number;
  private readonly hasOldest: boolean;
  private readonly oldest: bigint | undefined;

  constructor(nowNanos: bigint, oldestNanos: bigint | undefined) {
    this.nowHi = Number(nowNanos / TWO32);
    this.nowLo = Number(nowNanos % TWO32);
    this.oldest = oldestNanos;
    this.hasOldest = oldestNanos !== undefined && oldestNanos > 0n;
    this.oldestHi = this.hasOldest ? Number(oldestNanos! / TWO32) : 0;
    this.oldestLo = this.hasOldest ? Number(oldestNanos! % TWO32) : 0;
  }

  /** checkTimeInRange: unsigned fixed64 values can only be too late. */
  inRange(at: string, name: string, lo: number, hi: number): Problem | undefined {
    if (hi < MAX_HI || (hi === MAX_HI && lo <= MAX_LO)) return undefined;
    return { reason: 'timestamp_out_of_range', detail: `${at}.${name} ${unsigned(lo, hi)} is outside 1970…2106-02-07` };
  }

  /** checkRowTime: present (and not 0), in range, not older than the retention. */
  rowTime(at: string, name: string, present: boolean, lo: number, hi: number): Problem | undefined {
    if (!present || (lo === 0 && hi === 0)) return { reason: 'missing_timestamp', detail: `${at}.${name} is missing` };
    const range = this.inRange(at, name, lo, hi);
    if (range) return range;
    if (this.hasOldest && (hi < this.oldestHi || (hi === this.oldestHi && lo < this.oldestLo))) {
      return { reason: 'expired', detail: `${at}.${name} ${unsigned(lo, hi)} is older than the retention (store.ttl_days)` };
    }
    return undefined;
  }

  /** checkRowTime for the receipt time given to a log record without any time. */
  receiptTime(at: string, name: string): Problem | undefined {
    const field = `${at}.${name}`;
    if (this.nowLo === 0 && this.nowHi === 0) return { reason: 'missing_timestamp', detail: `${field} is missing` };
    const nanos = unsigned(this.nowLo, this.nowHi);
    if (nanos > MAX_NANOS) return { reason: 'timestamp_out_of_range', detail: `${field} ${nanos} is outside 1970…2106-02-07` };
    if (this.oldest !== undefined && nanos < this.oldest) {
      return { reason: 'expired', detail: `${field} ${nanos} is older than the retention (store.ttl_days)` };
    }
    return undefined;
  }
}

/** checkId on an id's bytes (start < 0: field absent). */
export function idProblem(kind: 'trace' | 'span', at: string, name: string, buf: Buffer, start: number, end: number, required: boolean): Problem | undefined {
  const length = start < 0 ? 0 : end - start;
  const expected = kind === 'trace' ? 16 : 8;
  const reason: RejectReason = kind === 'trace' ? 'invalid_trace_id' : 'invalid_span_id';
  if (length === 0) return required ? { reason, detail: `${at}.${name} is missing` } : undefined;
  if (length !== expected) return { reason, detail: `${at}.${name} has ${length} bytes, expected ${expected}` };
  if (required) {
    for (let i = start; i < end; i++) if (buf[i] !== 0) return undefined;
    return { reason, detail: `${at}.${name} is all zeros` };
  }
  return undefined;
}
