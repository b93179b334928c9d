import type { ServerResponse } from 'node:http';
import protobuf from 'protobufjs/minimal.js';
import type { Rejections, Signal } from '../../core/model/index.ts';

export type OtlpEncoding = 'protobuf' | 'json';

// ExportLogsPartialSuccess.rejected_log_records, ExportMetricsPartialSuccess.rejected_data_points,
// ExportTracePartialSuccess.rejected_spans: field 1 of each; error_message is field 2.
const REJECTED_FIELD: Record<Signal, string> = { logs: 'rejectedLogRecords', metrics: 'rejectedDataPoints', traces: 'rejectedSpans' };

/**
 * Answers in the encoding of the request, as OTLP/HTTP requires. Every record stored: an empty
 * Export*ServiceResponse. Some (or all) records rejected: `partial_success` (field 1) with the
 * count and the reasons, so a bare 2xx always means everything was stored.
 */
export function sendSuccess(res: ServerResponse, encoding: OtlpEncoding, signal?: Signal, rejected?: Rejections): void {
  const partial = signal && rejected && rejected.count > 0 ? rejected : undefined;
  // The common answer: its headers given as a list with the length, so Node writes the head and
  // nothing else in one piece (headers without a length made it chunked: a head, then "0\r\n\r\n").
  if (!partial && encoding === 'protobuf') return void res.writeHead(200, EMPTY_PROTOBUF).end();
  const body =
    encoding === 'json'
      ? Buffer.from(JSON.stringify(partial ? { partialSuccess: { [REJECTED_FIELD[signal!]]: String(partial.count), errorMessage: partial.message } } : {}))
      : Buffer.from(partialSuccessProtobuf(partial!));
  res.writeHead(200, ['Content-Type', encoding === 'json' ? 'application/json' : 'application/x-protobuf', 'Content-Length', String(body.length)]).end(body);
}

const EMPTY_PROTOBUF = ['Content-Type', 'application/x-protobuf', 'Content-Length', '0'];

/** Export*ServiceResponse { partial_success = 1 { rejected_* = 1 (int64), error_message = 2 } }. */
export function partialSuccessProtobuf(rejected: Rejections): Uint8Array {
  const writer = protobuf.Writer.create().uint32(10).fork().uint32(8).int64(rejected.count);
  if (rejected.message) writer.uint32(18).string(rejected.message);
  return writer.ldelim().finish();
}

// gRPC status codes matching the HTTP status, for the Status message.
const GRPC_CODE: Record<number, number> = { 400: 3, 413: 8, 415: 3, 404: 5, 405: 12, 429: 8, 500: 13, 503: 14 };

export function sendError(
  res: ServerResponse,
  encoding: OtlpEncoding,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const code = GRPC_CODE[status] ?? 2;
  if (encoding === 'json') {
    res.writeHead(status, { ...headers, 'Content-Type': 'application/json' }).end(JSON.stringify({ code, message }));
  } else {
    const body = protobuf.Writer.create().uint32(8).int32(code).uint32(18).string(message).finish();
    res.writeHead(status, { ...headers, 'Content-Type': 'application/x-protobuf' }).end(Buffer.from(body));
  }
}
