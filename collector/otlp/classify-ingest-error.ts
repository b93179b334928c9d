import { BusSaturatedError, BusUnavailableError } from '../../core/bus/index.ts';
import { MalformedOtlpError } from '../../core/model/index.ts';
import { StoreError } from '../../core/store/index.ts';

/**
 * Why a request was not stored, in terms both OTLP receivers (HTTP, gRPC) map to their own status:
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
