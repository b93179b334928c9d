import type { Bus, OutgoingMessage } from '../../core/bus/index.ts';
import {
  acceptRequest,
  decodeProtobuf,
  encodeProtobuf,
  limitsAt,
  MalformedOtlpError,
  RejectionTally,
  RECORD_NOUN,
  scanLogsRequest,
  splitRequest,
  transcodeRequest,
  type EncodedRows,
  type Rejections,
  type Signal,
  type SignalRequest,
} from '../../core/model/index.ts';
import { selfMetrics } from '../../core/telemetry/index.ts';
import { replayRejections, type TranscodePool } from '../transcode-pool/index.ts';
import { resourceKey } from './resource-key.ts';

export interface IngestOptions {
  bus: Bus;
  topic: string;
  receiver: 'otlp_http' | 'otlp_grpc';
  /** store.ttl_days: older records are rejected as "expired" rather than dropped by the engine unseen. */
  ttlDays?: number;
  /** Over Kafka, the largest message; a larger request is split by resource and scope. */
  maxMessageBytes?: number;
  /** Embedded mode: transcode on these worker threads instead of the main thread (collector.otlp.transcode_workers). */
  transcodePool?: TranscodePool;
  /**
   * Embedded mode: the transcoded blocks are copied into this allocator's buffers (the
   * receiver's slabs), which stay valid until the call's promise has settled, and no longer.
   */
  allocate?: (bytes: number) => Buffer;
}

export interface IngestResult {
  /** Records in the request as sent. */
  records: number;
  /** Records not stored (validation, or refused by the store in embedded mode): OTLP's partial_success. */
  rejected: Rejections;
}

/**
 * An OTLP request that came as protobuf. Embedded (in-process bus), it is transcoded straight
 * into the engine's RowBinary rows (ingestTranscoded). Over Kafka, a logs request whose every record
 * acceptRequest would take as sent is forwarded as the bytes it came in, read once with
 * protobufjs's Reader for its key and checks and never decoded (scanLogsRequest); everything
 * else (other signals, a record to reject or fix, a request to split) takes ingestRequest.
 */
export async function ingestProtobuf<S extends Signal>(signal: S, body: Uint8Array, options: IngestOptions): Promise<IngestResult> {
  if (options.bus.kind === 'in_process') return ingestTranscoded(signal, body, options);
  const forwardable = options.bus.kind === 'kafka' && signal === 'logs' && (!options.maxMessageBytes || body.length <= options.maxMessageBytes);
  const scan = forwardable ? scanLogsRequest(body, limitsAt(Date.now(), options.ttlDays)) : undefined;
  if (!scan) return ingestRequest(signal, decodeProtobuf(signal, body), body, body.length, options);
  if (scan.records > 0) {
    const message: OutgoingMessage = { signal, key: scan.key, size: body.length, bytes: () => body };
    await selfMetrics.span('vigil.ingest', { 'vigil.signal': signal, 'vigil.receiver': options.receiver }, () => options.bus.publish(options.topic, [message]));
  }
  return { records: scan.records, rejected: new RejectionTally(RECORD_NOUN[signal]).toJSON() };
}

/**
 * The ingest path of every OTLP receiver (HTTP and gRPC): validate each record, publish the
 * accepted ones (split into several messages when one would be over the Kafka limit) and
 * resolve once the bus says they are durable, with what was rejected and why.
 * `received` is the request's protobuf encoding when it came as protobuf: it goes on the wire
 * unchanged when every record was accepted.
 * Throws what the bus throws (saturated, unavailable, a store failure) and RecordTooLargeError.
 */
export async function ingestRequest<S extends Signal>(signal: S, decoded: SignalRequest[S], received: Uint8Array | undefined, size: number, options: IngestOptions): Promise<IngestResult> {
  const tally = new RejectionTally(RECORD_NOUN[signal]);
  let accepted;
  try {
    // Rows are built where they are stored; here only protobuf input skips them (OTLP/JSON can
    // carry values that only the mapping trips over, which must be a 400 here, not a dead letter).
    accepted = acceptRequest(signal, decoded, { ttlDays: options.ttlDays, tally, mapRows: received === undefined });
  } catch (error) {
    // Validation and mapping are deterministic: whatever they trip over, the same request trips
    // again, so the client must hear 400, never a 503 it would retry forever.
    throw new MalformedOtlpError(`the ${signal} request cannot be mapped to rows: ${(error as Error).message}`);
  }
  const toStore = accepted.records - accepted.rejected.count;
  if (toStore > 0) {
    const delivery = { refused: (count: number, detail: string) => tally.add('refused_by_store', detail, count) };
    const wire = accepted.unchanged ? received : undefined;
    let parts: Array<{ request: SignalRequest[S]; bytes?: Uint8Array }> = [{ request: accepted.request, bytes: wire }];
    if (options.bus.kind === 'kafka' && options.maxMessageBytes) {
      const bytes = wire ?? encodeProtobuf(signal, accepted.request);
      parts = bytes.length <= options.maxMessageBytes ? [{ request: accepted.request, bytes }] : splitRequest(signal, accepted.request, options.maxMessageBytes);
    }
    const messages: OutgoingMessage[] = parts.map((part) => ({
      signal,
      key: resourceKey(signal, part.request),
      decoded: part.request,
      size: parts.length === 1 ? size : (part.bytes?.length ?? size),
      bytes: part.bytes ? () => part.bytes! : () => encodeProtobuf(signal, part.request),
      delivery,
    }));
    await selfMetrics.span('vigil.ingest', { 'vigil.signal': signal, 'vigil.receiver': options.receiver }, () => options.bus.publish(options.topic, messages));
  }
  return { records: accepted.records, rejected: tally.toJSON() };
}

/**
 * Embedded mode: the request's bytes become RowBinary rows per table in one pass, with the same
 * rejections acceptRequest gives (the transcoder is checked byte for byte against the protobufjs
 * decode → acceptRequest → requestToRows path, which it falls back to for unusual requests).
 * The processor inserts the blocks as they are; a store without encoded inserts has the bytes.
 */
async function ingestTranscoded<S extends Signal>(signal: S, body: Uint8Array, options: IngestOptions): Promise<IngestResult> {
  const tally = new RejectionTally(RECORD_NOUN[signal]);
  const nowMs = Date.now();
  let transcoded: { tables: EncodedRows[]; records: number; rejected: Rejections };
  if (options.transcodePool) {
    // The worker judges at this thread's clock and tells which records it rejected and why;
    // replayed here, the tally reads as if the transcoder had run in-process. The body moved to
    // the worker and came back.
    const pooled = await options.transcodePool.transcode(signal, body, { ttlDays: options.ttlDays, nowMs });
    replayRejections(pooled.rejections, tally);
    body = pooled.body;
    transcoded = { tables: pooled.tables, records: pooled.records, rejected: tally };
  } else {
    transcoded = transcodeRequest(signal, body, { ttlDays: options.ttlDays, tally, nowMs, allocate: options.allocate });
  }
  if (transcoded.tables.length > 0) {
    const rejected = transcoded.rejected.count > 0;
    const message: OutgoingMessage = {
      signal,
      key: '', // the in-process bus has one partition; nothing reads the key
      encoded: transcoded.tables,
      size: body.length,
      // Read only by a store without encoded inserts: the accepted records alone, as judged now.
      // A body in the receiver's slabs is copied: the slab is reused once the request is answered.
      bytes: () =>
        rejected
          ? encodeProtobuf(signal, acceptRequest(signal, decodeProtobuf(signal, body), { ttlDays: options.ttlDays, nowMs, mapRows: false }).request)
          : options.allocate
            ? Buffer.from(body)
            : body,
      delivery: { refused: (count: number, detail: string) => tally.add('refused_by_store', detail, count) },
    };
    await selfMetrics.span('vigil.ingest', { 'vigil.signal': signal, 'vigil.receiver': options.receiver }, () => options.bus.publish(options.topic, [message]));
  }
  return { records: transcoded.records, rejected: tally.toJSON() };
}
