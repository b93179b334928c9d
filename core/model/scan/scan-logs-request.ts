import protobuf from 'protobufjs/minimal.js';
import { MAX_NANOS, MAX_VALUE_DEPTH, type TimeLimits } from '../accept/record-checks.ts';

const { Reader } = protobuf;
type Reader = protobuf.Reader;

/** What the collector needs of a logs request that is stored as sent. */
export interface LogsScan {
  /** Log records in the request. */
  records: number;
  /** resourceKey() of the request: the first resource's host.name/service.name. */
  key: string;
}

/**
 * Reads an ExportLogsServiceRequest's protobuf bytes without building it, and answers whether
 * acceptRequest would take every record as sent: undefined means "not sure" (a record may be
 * rejected or fixed up, a key attribute is not a plain string, or the bytes do not parse), and
 * the caller then decodes the request and runs acceptRequest, which decides.
 *
 * It walks the request with protobufjs's Reader making the same calls, field by field, as the
 * generated decoder (otlp-codec.ts), so both read the same structure and fail on the same bytes;
 * only strings and bytes are skipped instead of copied. Every check errs towards "not sure":
 * a field that occurs twice is checked each time although the decoder keeps the last, and times
 * within a second of a limit are left to the exact path. scan-logs-request.test.ts proves the
 * agreement on real payloads and on mutated bytes.
 */
export function scanLogsRequest(bytes: Uint8Array, limits: TimeLimits): LogsScan | undefined {
  const scan = { records: 0, key: undefined as string | undefined, unsure: false };
  const reader = Reader.create(bytes);
  try {
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag >>> 3 === 1) resourceLogs(reader, reader.uint32(), scan, limits);
      else reader.skipType(tag & 7);
      if (scan.unsure) return undefined;
    }
  } catch {
    return undefined; // the decoder fails on the same bytes and says why
  }
  return { records: scan.records, key: scan.key ?? '/' };
}

interface Scan {
  records: number;
  /** Set by the first ResourceLogs. */
  key: string | undefined;
  unsure: boolean;
}

// Field numbers of opentelemetry/proto/logs/v1/logs.proto and common/v1/common.proto.
const RESOURCE_LOGS = { resource: 1, scopeLogs: 2, schemaUrl: 3 } as const;
const RESOURCE = { attributes: 1, droppedAttributesCount: 2, entityRefs: 3 } as const;
const SCOPE_LOGS = { scope: 1, logRecords: 2, schemaUrl: 3 } as const;
const SCOPE = { name: 1, version: 2, attributes: 3, droppedAttributesCount: 4 } as const;
const LOG_RECORD = { time: 1, severityNumber: 2, severityText: 3, body: 5, attributes: 6, droppedAttributesCount: 7, flags: 8, traceId: 9, spanId: 10, observedTime: 11, eventName: 12 } as const;
const KEY_VALUE = { key: 1, value: 2 } as const;
const ANY_VALUE = { string: 1, bool: 2, int: 3, double: 4, array: 5, kvlist: 6, bytes: 7 } as const;
const ENTITY_REF = { schemaUrl: 1, type: 2, idKeys: 3, descriptionKeys: 4 } as const;

/** A string or bytes field: its length is read and the content skipped (the decoder copies it). */
function skipBytes(reader: Reader): number {
  const length = reader.uint32();
  reader.skip(length);
  return length;
}

function resourceLogs(reader: Reader, length: number, scan: Scan, limits: TimeLimits): void {
  const end = reader.pos + length;
  const first = scan.key === undefined;
  let resources = 0;
  let key = '/';
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag >>> 3) {
      case RESOURCE_LOGS.resource: {
        resources += 1;
        key = resource(reader, reader.uint32(), scan, first);
        break;
      }
      case RESOURCE_LOGS.scopeLogs:
        scopeLogs(reader, reader.uint32(), scan, limits);
        break;
      case RESOURCE_LOGS.schemaUrl:
        skipBytes(reader);
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  // The decoder keeps the last of repeated resources; the key is left to it then.
  if (first) {
    if (resources > 1) scan.unsure = true;
    scan.key = key;
  }
}

/** Checks the attributes; for the first resource returns "host.name/service.name". */
function resource(reader: Reader, length: number, scan: Scan, withKey: boolean): string {
  const end = reader.pos + length;
  let host = '';
  let service = '';
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag >>> 3) {
      case RESOURCE.attributes: {
        const kv = keyValue(reader, reader.uint32(), scan, 0, withKey);
        if (kv.key === 'host.name' || kv.key === 'service.name') {
          if (kv.text === undefined) scan.unsure = true; // not a plain string: anyValueToString decides
          else if (kv.key === 'host.name') host = kv.text;
          else service = kv.text;
        }
        break;
      }
      case RESOURCE.droppedAttributesCount:
        reader.uint32();
        break;
      case RESOURCE.entityRefs:
        entityRef(reader, reader.uint32());
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  return `${host}/${service}`;
}

function entityRef(reader: Reader, length: number): void {
  const end = reader.pos + length;
  while (reader.pos < end) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    if (field === ENTITY_REF.schemaUrl || field === ENTITY_REF.type || field === ENTITY_REF.idKeys || field === ENTITY_REF.descriptionKeys) skipBytes(reader);
    else reader.skipType(tag & 7);
  }
}

function scopeLogs(reader: Reader, length: number, scan: Scan, limits: TimeLimits): void {
  const end = reader.pos + length;
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag >>> 3) {
      case SCOPE_LOGS.scope:
        scope(reader, reader.uint32(), scan);
        break;
      case SCOPE_LOGS.logRecords:
        scan.records += 1;
        logRecord(reader, reader.uint32(), scan, limits);
        break;
      case SCOPE_LOGS.schemaUrl:
        skipBytes(reader);
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
}

function scope(reader: Reader, length: number, scan: Scan): void {
  const end = reader.pos + length;
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag >>> 3) {
      case SCOPE.name:
      case SCOPE.version:
        skipBytes(reader);
        break;
      case SCOPE.attributes:
        keyValue(reader, reader.uint32(), scan, 0, false);
        break;
      case SCOPE.droppedAttributesCount:
        reader.uint32();
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
}

/** Below this many nanoseconds from a limit a double cannot tell the sides apart: the exact path decides. */
const MARGIN = 1e9;
const MAX = Number(MAX_NANOS);

/** A fixed64 as a double (exact to ±256 ns at today's times, which the margins cover). */
function fixed64(reader: Reader): number {
  const low = reader.fixed32();
  return reader.fixed32() * 4_294_967_296 + low;
}

function logRecord(reader: Reader, length: number, scan: Scan, limits: TimeLimits): void {
  const end = reader.pos + length;
  let time = 0;
  let observed = 0;
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag >>> 3) {
      case LOG_RECORD.time:
        time = fixed64(reader);
        break;
      case LOG_RECORD.observedTime:
        observed = fixed64(reader);
        break;
      case LOG_RECORD.severityNumber: {
        const severity = reader.int32();
        if (severity < 0 || severity > 24) scan.unsure = true;
        break;
      }
      case LOG_RECORD.severityText:
      case LOG_RECORD.eventName:
        skipBytes(reader);
        break;
      case LOG_RECORD.body:
        anyValue(reader, reader.uint32(), scan, 0, false);
        break;
      case LOG_RECORD.attributes:
        keyValue(reader, reader.uint32(), scan, 0, false);
        break;
      case LOG_RECORD.droppedAttributesCount:
        reader.uint32();
        break;
      case LOG_RECORD.flags:
        reader.fixed32();
        break;
      case LOG_RECORD.traceId: {
        const bytes = skipBytes(reader);
        if (bytes !== 0 && bytes !== 16) scan.unsure = true;
        break;
      }
      case LOG_RECORD.spanId: {
        const bytes = skipBytes(reader);
        if (bytes !== 0 && bytes !== 8) scan.unsure = true;
        break;
      }
      default:
        reader.skipType(tag & 7);
    }
  }
  // acceptRequest's time rules: observed time in range; the row's time (time, else observed)
  // present, in range and within the retention. A record with neither is fixed up: exact path.
  const rowTime = time !== 0 ? time : observed;
  const oldest = limits.oldestNanos === undefined ? -Infinity : Number(limits.oldestNanos) + MARGIN;
  if (observed > MAX - MARGIN || rowTime === 0 || rowTime > MAX - MARGIN || rowTime < oldest) scan.unsure = true;
}

/** A KeyValue; `text` is its value when that is nothing but a string (what a key attribute needs). */
function keyValue(reader: Reader, length: number, scan: Scan, depth: number, wantText: boolean): { key: string; text: string | undefined } {
  const end = reader.pos + length;
  let key = '';
  let text: string | undefined = '';
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag >>> 3) {
      case KEY_VALUE.key:
        key = wantText ? reader.string() : (skipBytes(reader), '');
        break;
      case KEY_VALUE.value:
        text = anyValue(reader, reader.uint32(), scan, depth, wantText);
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  return { key, text };
}

/**
 * Checks an AnyValue's nesting (acceptRequest refuses more than MAX_VALUE_DEPTH levels) without
 * recursing deeper than that; returns its string when it holds only a string and `wantText`.
 */
function anyValue(reader: Reader, length: number, scan: Scan, depth: number, wantText: boolean): string | undefined {
  if (depth > MAX_VALUE_DEPTH) {
    scan.unsure = true;
    reader.skip(length);
    return undefined;
  }
  const end = reader.pos + length;
  let text: string | undefined;
  let other = false;
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag >>> 3) {
      case ANY_VALUE.string:
        if (wantText) text = reader.string();
        else skipBytes(reader);
        break;
      case ANY_VALUE.bool:
        other = true;
        reader.uint32();
        break;
      case ANY_VALUE.int:
        other = true;
        reader.int64();
        break;
      case ANY_VALUE.double:
        other = true;
        reader.double();
        break;
      case ANY_VALUE.array:
        other = true;
        arrayOrList(reader, reader.uint32(), scan, depth, false);
        break;
      case ANY_VALUE.kvlist:
        other = true;
        arrayOrList(reader, reader.uint32(), scan, depth, true);
        break;
      case ANY_VALUE.bytes:
        other = true;
        skipBytes(reader);
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  return other ? undefined : text;
}

/** ArrayValue (repeated AnyValue) or KeyValueList (repeated KeyValue): field 1 either way, one level deeper. */
function arrayOrList(reader: Reader, length: number, scan: Scan, depth: number, keyValues: boolean): void {
  const end = reader.pos + length;
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag >>> 3 !== 1) reader.skipType(tag & 7);
    else if (keyValues) keyValue(reader, reader.uint32(), scan, depth + 1, false);
    else anyValue(reader, reader.uint32(), scan, depth + 1, false);
    if (scan.unsure) {
      reader.pos = end; // the answer is known; the rest of this value needs no reading
      return;
    }
  }
}
