import type { ServerResponse } from 'node:http';
import protobuf from 'protobufjs/minimal.js';

export type OtlpEncoding = 'protobuf' | 'json';

/**
 * Answers in the encoding of the request, as OTLP/HTTP requires: success is an empty
 * Export*ServiceResponse, failure a google.rpc.Status { code = 1, message = 2 }.
 */
export function sendSuccess(res: ServerResponse, encoding: OtlpEncoding): void {
  if (encoding === 'json') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  } else {
    res.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end(Buffer.alloc(0));
  }
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
