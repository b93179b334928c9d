import type { AnyValue, Int64, KeyValue } from '../otlp-types.ts';

/**
 * AnyValue rendered as the exporter does for Map(String, String) columns: scalars as text,
 * arrays and maps as JSON, bytes as base64.
 */
export function anyValueToString(value: AnyValue | null | undefined): string {
  if (!value) return '';
  if (value.stringValue != null) return value.stringValue;
  if (value.intValue != null) return String(value.intValue);
  if (value.doubleValue != null) return String(value.doubleValue);
  if (value.boolValue != null) return value.boolValue ? 'true' : 'false';
  if (value.arrayValue != null || value.kvlistValue != null) return JSON.stringify(anyValueToJson(value));
  if (value.bytesValue != null) return Buffer.from(value.bytesValue).toString('base64');
  return '';
}

function anyValueToJson(value: AnyValue | null | undefined): unknown {
  if (!value) return null;
  if (value.arrayValue != null) return (value.arrayValue.values ?? []).map(anyValueToJson);
  if (value.kvlistValue != null) {
    return Object.fromEntries((value.kvlistValue.values ?? []).map((kv) => [kv.key, anyValueToJson(kv.value)]));
  }
  if (value.intValue != null) return Number(String(value.intValue));
  if (value.doubleValue != null) return value.doubleValue;
  if (value.boolValue != null) return value.boolValue;
  return anyValueToString(value);
}

export function attributesToMap(attributes: KeyValue[] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (attributes) for (const kv of attributes) out[kv.key] = anyValueToString(kv.value);
  return out;
}

const ZERO_NANOS = '0000000000000000000';

/**
 * Unix nanoseconds as a DateTime64(9) text value, exact beyond 2^53. ClickHouse reads a
 * 19-digit string as ticks but shorter ones as seconds or dates (measured on 26.7), so the
 * value is zero-padded to 19 digits. Anything longer is past DateTime64(9)'s range (year 2262)
 * and is stored as the epoch rather than failing the whole batch.
 */
export function nanosToDateTime64(nanos: Int64): string {
  const text = nanos == null ? '' : String(nanos);
  if (text.length === 19) return text;
  if (text.length > 19 || text.length === 0 || text[0] === '-') return ZERO_NANOS;
  return text.padStart(19, '0');
}

export function isZeroNanos(nanos: Int64): boolean {
  return nanos == null || String(nanos) === '0';
}

/** Difference of two nanosecond timestamps (end - start), never negative. */
export function nanosBetween(start: Int64, end: Int64): string {
  if (start == null || end == null) return '0';
  const d = BigInt(String(end)) - BigInt(String(start));
  return d > 0n ? d.toString() : '0';
}

export function toNumber(value: Int64): number {
  return value == null ? 0 : Number(String(value));
}

export function idToHex(id: Uint8Array | null | undefined): string {
  return id && id.length > 0 ? Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex') : '';
}
