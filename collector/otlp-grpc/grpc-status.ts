import { Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import protobuf from 'protobufjs/minimal.js';

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * A gRPC error as the OTLP spec asks: a retryable one carries google.rpc.RetryInfo in
 * `grpc-status-details-bin` (a google.rpc.Status), which is how an SDK learns how long to wait;
 * RESOURCE_EXHAUSTED without it means "never retry".
 */
export function grpcError(code: Status, details: string, retryAfterMs?: number): Partial<ServiceError> {
  const metadata = new Metadata();
  if (retryAfterMs !== undefined) metadata.set('grpc-status-details-bin', statusWithRetryInfo(code, details, retryAfterMs));
  return { code, details, metadata };
}

// Hand-encoded (three tiny messages) rather than loading google/rpc protos:
// Status { int32 code = 1; string message = 2; repeated Any details = 3; }
// Any { string type_url = 1; bytes value = 2; }
// RetryInfo { Duration retry_delay = 1; }  Duration { int64 seconds = 1; int32 nanos = 2; }
function statusWithRetryInfo(code: number, message: string, retryAfterMs: number): Buffer {
  const ms = Math.max(0, Math.round(retryAfterMs));
  const duration = protobuf.Writer.create().uint32(8).int64(Math.floor(ms / 1000)).uint32(16).int32((ms % 1000) * 1_000_000).finish();
  const retryInfo = protobuf.Writer.create().uint32(10).bytes(duration).finish();
  const any = protobuf.Writer.create().uint32(10).string(RETRY_INFO_TYPE).uint32(18).bytes(retryInfo).finish();
  return Buffer.from(protobuf.Writer.create().uint32(8).int32(code).uint32(18).string(message).uint32(26).bytes(any).finish());
}

/** Reads the retry delay back from `grpc-status-details-bin` (for tests and diagnostics). */
export function retryDelayMs(details: Buffer | undefined): number | undefined {
  if (!details) return undefined;
  const status = protobuf.Reader.create(details);
  while (status.pos < status.len) {
    const tag = status.uint32();
    if (tag >>> 3 !== 3) {
      status.skipType(tag & 7);
      continue;
    }
    const any = protobuf.Reader.create(status.bytes());
    let typeUrl = '';
    let value: Uint8Array | undefined;
    while (any.pos < any.len) {
      const t = any.uint32();
      if (t >>> 3 === 1) typeUrl = any.string();
      else if (t >>> 3 === 2) value = any.bytes();
      else any.skipType(t & 7);
    }
    if (typeUrl !== RETRY_INFO_TYPE || !value) continue;
    const info = protobuf.Reader.create(value);
    if (info.uint32() >>> 3 !== 1) return undefined;
    const duration = protobuf.Reader.create(info.bytes());
    let seconds = 0;
    let nanos = 0;
    while (duration.pos < duration.len) {
      const t = duration.uint32();
      if (t >>> 3 === 1) seconds = Number(duration.int64());
      else if (t >>> 3 === 2) nanos = duration.int32();
      else duration.skipType(t & 7);
    }
    return seconds * 1000 + nanos / 1e6;
  }
  return undefined;
}
