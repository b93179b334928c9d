import pRetry, { AbortError } from 'p-retry';

export interface RetryPolicy {
  /** Give up after this long, whatever the attempt count. */
  maxElapsedMs: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Whether an error is worth another attempt; permanent errors end retrying at once. */
  isRetryable: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number) => void;
  /** A delay the failure itself asks for (HTTP Retry-After), waited before the backoff. */
  retryAfterMs?: (error: unknown) => number | undefined;
  signal?: AbortSignal;
}

/**
 * Runs `operation` until it succeeds, a permanent error occurs, or the deadline passes:
 * exponential backoff with jitter. The one retry decorator every sink and notifier uses.
 */
export async function withRetry<T>(operation: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  const started = Date.now();
  return pRetry(
    async () => {
      try {
        return await operation();
      } catch (error) {
        if (!policy.isRetryable(error)) throw new AbortError(error as Error);
        throw error;
      }
    },
    {
      // p-retry precomputes one timeout per retry, so this must stay small; the deadline governs.
      retries: 100,
      minTimeout: policy.initialDelayMs ?? 100,
      maxTimeout: policy.maxDelayMs ?? 5000,
      factor: 2,
      randomize: true,
      maxRetryTime: policy.maxElapsedMs,
      signal: policy.signal,
      shouldRetry: () => Date.now() - started < policy.maxElapsedMs,
      onFailedAttempt: async (error) => {
        policy.onRetry?.(error, error.attemptNumber);
        const wait = policy.retryAfterMs?.(error);
        if (wait && wait > 0 && Date.now() - started + wait < policy.maxElapsedMs) await new Promise((r) => setTimeout(r, wait));
      },
    },
  );
}
