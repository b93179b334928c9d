import { acceptRequest, type AcceptOptions } from '../accept/accept-request.ts';
import { limitsAt } from '../accept/record-checks.ts';
import { RECORD_NOUN, RejectionTally, type Rejections } from '../accept/rejections.ts';
import { decodeProtobuf } from '../otlp-codec.ts';
import type { Signal } from '../otlp-types.ts';
import { RowBinaryEncoder } from '../../store/row-binary/row-binary-encoder.ts';
import { LogsTranscoder } from './logs-transcoder.ts';
import { MetricsTranscoder } from './metrics-transcoder.ts';
import { RecordLimits } from './record-limits.ts';
import { TABLE_COLUMNS, columnsOf } from './table-columns.ts';
import type { Allocate, EncodedRows } from './table-output.ts';
import { TracesTranscoder } from './traces-transcoder.ts';
import { TranscodeContext } from './transcode-context.ts';
import { WireReader } from './wire-reader.ts';

export interface TranscodedRequest {
  /** RowBinary per table, only tables with rows (metrics: in the reference's table order). */
  tables: EncodedRows[];
  /** Records in the request as sent (log records, data points or spans). */
  records: number;
  rejected: Rejections;
  /**
   * 'transcoder' when the rows came straight from the bytes; 'reference' when the request held
   * something the transcoder leaves to the reference path (protobufjs decode → acceptRequest →
   * requestToRows → RowBinaryEncoder), which then produced them.
   */
  path: 'transcoder' | 'reference';
}

export interface TranscodeOptions extends AcceptOptions {
  /**
   * Gives the buffer each table's block is copied into (default: a fresh one). The embedded
   * receiver hands out pieces of reused slabs, so blocks that live until their insert is done
   * are not a stream of new ArrayBuffers that survive into V8's old space (each one freed only
   * by a full mark-compact). The reference path ignores it.
   */
  allocate?: Allocate;
}

interface SignalTranscoder {
  transcode(ctx: TranscodeContext): { tables: EncodedRows[]; records: number };
}

// One instance per signal: their scratch space is reused by every request (calls never overlap,
// the transcoder is synchronous).
const TRANSCODERS: Record<Signal, SignalTranscoder> = {
  logs: new LogsTranscoder(),
  traces: new TracesTranscoder(),
  metrics: new MetricsTranscoder(),
};

// Reused by every call, with its scratch space; the transcoder is synchronous, so calls never overlap.
const context = new TranscodeContext(new WireReader(Buffer.alloc(0)), new RecordLimits(0n, undefined));

const EMPTY = Buffer.alloc(0);

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * An OTLP protobuf export request → RowBinary rows per table, with the same rejections as
 * acceptRequest and byte for byte the rows the reference path encodes. Malformed protobuf throws
 * MalformedOtlpError, as decodeProtobuf does.
 */
export function transcodeRequest(signal: Signal, bytes: Uint8Array, options: TranscodeOptions = {}): TranscodedRequest {
  const buf = asBuffer(bytes);
  const limits = limitsAt(options.nowMs ?? Date.now(), options.ttlDays);
  const ctx = context;
  ctx.reset(buf, new RecordLimits(limits.nowNanos, limits.oldestNanos), options.allocate);
  let result: { tables: EncodedRows[]; records: number };
  try {
    result = TRANSCODERS[signal].transcode(ctx);
  } catch {
    ctx.reset(EMPTY, ctx.limits); // drop the reference to the request's bytes
    // Bailout (something unusual) or an error reading the bytes: the reference decides, and
    // throws MalformedOtlpError where the bytes are not a request.
    return referenceTranscode(signal, buf, { ...options, nowMs: options.nowMs ?? Number(limits.nowNanos / 1_000_000n) });
  }
  const tally = options.tally ?? new RejectionTally(RECORD_NOUN[signal]);
  for (const problem of ctx.rejected) tally.add(problem.reason, problem.detail);
  ctx.reset(EMPTY, ctx.limits);
  return { tables: result.tables, records: result.records, rejected: tally.toJSON(), path: 'transcoder' };
}

const encoders = new Map<string, RowBinaryEncoder>();

function encoderFor(table: string): RowBinaryEncoder {
  let encoder = encoders.get(table);
  if (!encoder) {
    encoder = new RowBinaryEncoder(columnsOf(table), new Map(TABLE_COLUMNS[table]!.map(([name, type]) => [name, type])));
    encoders.set(table, encoder);
  }
  return encoder;
}

/** The reference path, shaped like the transcoder's result. */
export function referenceTranscode(signal: Signal, bytes: Buffer, options: AcceptOptions = {}): TranscodedRequest {
  const accepted = acceptRequest(signal, decodeProtobuf(signal, bytes), options);
  const tables = accepted.rows
    .filter((t) => t.rows.length > 0)
    .map((t): EncodedRows => {
      const encoder = encoderFor(t.table);
      const parts = t.rows.map((row) => encoder.encode([row]));
      const offsets = new Uint32Array(parts.length + 1);
      let at = 0;
      parts.forEach((part, i) => {
        offsets[i] = at;
        at += part.length;
      });
      offsets[parts.length] = at;
      return { table: t.table, columns: encoder.columns, data: Buffer.concat(parts), offsets };
    });
  return { tables, records: accepted.records, rejected: accepted.rejected, path: 'reference' };
}
