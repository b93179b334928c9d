import { createRequire } from 'node:module';
import type { Signal, SignalRequest } from './otlp-types.ts';

// The protobufjs code generated from the official opentelemetry-proto definitions. The last
// @opentelemetry/otlp-transformer that ships it for Node 20 is 0.214 (see FIELD-NOTES).
const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js');
const collector = root.opentelemetry.proto.collector;

interface MessageType {
  decode(bytes: Uint8Array): unknown;
  encode(message: unknown): { finish(): Uint8Array };
  fromObject(object: unknown): unknown;
}

const TYPES: Record<Signal, MessageType> = {
  logs: collector.logs.v1.ExportLogsServiceRequest,
  metrics: collector.metrics.v1.ExportMetricsServiceRequest,
  traces: collector.trace.v1.ExportTraceServiceRequest,
};

/** Data the sender got wrong: answered with 400 (HTTP) or dead-lettered (bus), never retried. */
export class MalformedOtlpError extends Error {
  override readonly name = 'MalformedOtlpError';
}

/** Decodes an OTLP protobuf export request (`application/x-protobuf`). */
export function decodeProtobuf<S extends Signal>(signal: S, bytes: Uint8Array): SignalRequest[S] {
  try {
    return TYPES[signal].decode(bytes) as SignalRequest[S];
  } catch (err) {
    throw new MalformedOtlpError(`invalid OTLP protobuf ${signal} request: ${(err as Error).message}`);
  }
}

// OTLP/JSON writes trace and span ids as hex, where protobuf's JSON mapping would use base64.
const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

function hexIdsToBytes(value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => hexIdsToBytes(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (ID_FIELDS.has(key) && typeof v === 'string') {
      if (!HEX.test(v)) throw new MalformedOtlpError(`${path}.${key}: expected a hex string, got "${v.slice(0, 40)}"`);
      out[key] = Buffer.from(v, 'hex');
    } else {
      out[key] = hexIdsToBytes(v, path ? `${path}.${key}` : key);
    }
  }
  return out;
}

/**
 * Deepest JSON nesting accepted. A real OTLP/JSON request nests about 12 levels plus its
 * AnyValues; the recursive steps after JSON.parse would overflow the stack near 10,000.
 */
export const MAX_JSON_DEPTH = 128;

/** Depth of [ and { nesting outside strings, stopping as soon as it passes the limit. */
function exceedsDepth(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Decodes an OTLP/JSON export request (`application/json`): hex ids, 64-bit ints as strings. */
export function decodeJson<S extends Signal>(signal: S, text: string): SignalRequest[S] {
  if (exceedsDepth(text, MAX_JSON_DEPTH)) {
    throw new MalformedOtlpError(`invalid OTLP/JSON ${signal} request: nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new MalformedOtlpError(`invalid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new MalformedOtlpError(`invalid OTLP/JSON ${signal} request: expected a JSON object`);
  }
  const type = TYPES[signal];
  try {
    return type.fromObject(hexIdsToBytes(parsed, '')) as SignalRequest[S];
  } catch (err) {
    if (err instanceof MalformedOtlpError) throw err;
    throw new MalformedOtlpError(`invalid OTLP/JSON ${signal} request: ${(err as Error).message}`);
  }
}

/** Encodes a request (decoded or plain object) as OTLP protobuf: the Kafka wire format. */
export function encodeProtobuf<S extends Signal>(signal: S, request: SignalRequest[S]): Uint8Array {
  const type = TYPES[signal];
  return type.encode(type.fromObject(request)).finish();
}
