import { BusSaturatedError, BusUnavailableError, type Bus, type OutgoingMessage } from '../../core/bus/index.ts';
import { encodeProtobuf, MalformedOtlpError, type Signal, type SignalRequest } from '../../core/model/index.ts';
import { StoreError } from '../../core/store/index.ts';
import { selfMetrics } from '../../core/telemetry/index.ts';
import { resourceKey } from './resource-key.ts';

/**
 * One decoded OTLP export request as a bus message. `protobuf` is the request as received when
 * it came as protobuf: it goes on the Kafka wire unchanged; otherwise it is encoded only if a bus
 * needs bytes.
 */
export function otlpMessage<S extends Signal>(signal: S, decoded: SignalRequest[S], size: number, protobuf?: Uint8Array): OutgoingMessage {
  return {
    signal,
    key: resourceKey(signal, decoded),
    decoded,
    size,
    bytes: protobuf ? () => protobuf : () => encodeProtobuf(signal, decoded),
  };
}

/**
 * The ingest path shared by the OTLP receivers (HTTP and gRPC): publish and resolve once the bus
 * says the request is durable (Kafka acks=all, or inserted in embedded mode). A sampled span
 * covers it.
 */
export function publishOtlp(bus: Bus, topic: string, message: OutgoingMessage, receiver: 'otlp_http' | 'otlp_grpc'): Promise<void> {
  return selfMetrics.span('vigil.ingest', { 'vigil.signal': message.signal, 'vigil.receiver': receiver }, () => bus.publish(topic, [message]));
}

/**
 * Why a request was not stored, in terms both protocols map to their own status:
 * - malformed: the sender's data is wrong; retrying the same request cannot succeed.
 * - saturated: vigil is over its memory bound (throttling): retry after a while.
 * - unavailable: the bus or store cannot take data now: retry after a while.
 */
export type IngestFailure =
  | { kind: 'malformed'; message: string }
  | { kind: 'saturated' | 'unavailable'; message: string; retryAfterMs: number; cause: 'bus' | 'store' };

export function classifyIngestError(error: unknown, retryAfterMs: number): IngestFailure {
  if (error instanceof MalformedOtlpError) return { kind: 'malformed', message: error.message };
  if (error instanceof BusSaturatedError) return { kind: 'saturated', message: error.message, retryAfterMs: error.retryAfterMs || retryAfterMs, cause: 'bus' };
  if (error instanceof BusUnavailableError) return { kind: 'unavailable', message: error.message, retryAfterMs, cause: 'bus' };
  // The rows themselves were refused: retrying the same request cannot succeed.
  if (error instanceof StoreError && !error.retryable) return { kind: 'malformed', message: `rejected by the store: ${error.message}` };
  return { kind: 'unavailable', message: `temporarily unable to store data: ${(error as Error).message}`, retryAfterMs, cause: 'store' };
}
