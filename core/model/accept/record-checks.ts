import type { AnyValue, Int64, KeyValue } from '../otlp-types.ts';
import type { RejectReason } from './rejections.ts';

/** A failed check: the reason (a counter label) and what was wrong, for the client's message. */
export interface Problem {
  reason: RejectReason;
  detail: string;
}

/**
 * The tables' TTL reads `toDateTime(time)`, a UInt32 of seconds that wraps after
 * 2106-02-07T06:28:15Z; DateTime64(9) itself ends in 2262. A later time would be stored as a
 * wrapped date (and dropped as expired), so both ends are refused here.
 */
export const MAX_NANOS = 4_294_967_295n * 1_000_000_000n;

export interface TimeLimits {
  /** Receipt time, for records that carry no time at all (OTLP: observed time is set on receipt). */
  nowNanos: bigint;
  /** Oldest time the tables keep (now − store.ttl_days); undefined when nothing expires. */
  oldestNanos?: bigint;
}

export function limitsAt(nowMs: number, ttlDays: number | undefined): TimeLimits {
  const nowNanos = BigInt(Math.trunc(nowMs)) * 1_000_000n;
  return { nowNanos, oldestNanos: ttlDays === undefined ? undefined : nowNanos - BigInt(ttlDays) * 86_400n * 1_000_000_000n };
}

/** Nanoseconds as a bigint, or undefined when the value is not an integer at all. */
export function nanosOf(value: Int64): bigint | undefined {
  if (value == null) return 0n;
  try {
    return BigInt(typeof value === 'number' ? Math.trunc(value) : String(value));
  } catch {
    return undefined;
  }
}

export function isMissing(value: Int64): boolean {
  return nanosOf(value) === 0n;
}

/** A time that must fit the columns (0 allowed: "unknown", e.g. a start time). */
export function checkTimeInRange(field: string, value: Int64): Problem | undefined {
  const nanos = nanosOf(value);
  if (nanos === undefined || nanos < 0n || nanos > MAX_NANOS) {
    return { reason: 'timestamp_out_of_range', detail: `${field} ${String(value)} is outside 1970…2106-02-07` };
  }
  return undefined;
}

/** The time the row is kept by: present, in range and not older than the TTL. */
export function checkRowTime(field: string, value: Int64, limits: TimeLimits): Problem | undefined {
  if (isMissing(value)) return { reason: 'missing_timestamp', detail: `${field} is missing` };
  const range = checkTimeInRange(field, value);
  if (range) return range;
  if (limits.oldestNanos !== undefined && nanosOf(value)! < limits.oldestNanos) {
    return { reason: 'expired', detail: `${field} ${String(value)} is older than the retention (store.ttl_days)` };
  }
  return undefined;
}

const ID_BYTES = { trace: 16, span: 8 } as const;

/** An id of the right length; `required` also refuses empty and all-zero ids (OTLP calls them invalid). */
export function checkId(kind: 'trace' | 'span', field: string, id: Uint8Array | null | undefined, required: boolean): Problem | undefined {
  const length = id?.length ?? 0;
  const reason: RejectReason = kind === 'trace' ? 'invalid_trace_id' : 'invalid_span_id';
  if (length === 0) return required ? { reason, detail: `${field} is missing` } : undefined;
  if (length !== ID_BYTES[kind]) return { reason, detail: `${field} has ${length} bytes, expected ${ID_BYTES[kind]}` };
  if (required && id!.every((b) => b === 0)) return { reason, detail: `${field} is all zeros` };
  return undefined;
}

/**
 * AnyValue nesting beyond this is refused: rendering it to a column recurses, and real
 * payloads stay far below (a map in a list in a map is depth 3).
 */
export const MAX_VALUE_DEPTH = 32;

function valueTooDeep(value: AnyValue | null | undefined, depth: number): boolean {
  if (!value) return false;
  if (depth > MAX_VALUE_DEPTH) return true;
  for (const v of value.arrayValue?.values ?? []) if (valueTooDeep(v, depth + 1)) return true;
  for (const kv of value.kvlistValue?.values ?? []) if (valueTooDeep(kv.value, depth + 1)) return true;
  return false;
}

export function checkValue(field: string, value: AnyValue | null | undefined): Problem | undefined {
  return valueTooDeep(value, 0) ? { reason: 'invalid_value', detail: `${field} is nested deeper than ${MAX_VALUE_DEPTH} levels` } : undefined;
}

export function checkAttributes(field: string, attributes: KeyValue[] | null | undefined): Problem | undefined {
  for (const kv of attributes ?? []) {
    const problem = checkValue(`${field}["${kv.key}"]`, kv.value);
    if (problem) return problem;
  }
  return undefined;
}

/** The first problem of a list of checks, evaluated lazily in order. */
export function firstProblem(...checks: Array<() => Problem | undefined>): Problem | undefined {
  for (const check of checks) {
    const problem = check();
    if (problem) return problem;
  }
  return undefined;
}
