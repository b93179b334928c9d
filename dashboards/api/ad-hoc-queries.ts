import type { QueryLimits } from '../../core/store/index.ts';

/**
 * The SQL API's ad-hoc queries in flight: at most `max` at once (the caller answers 429 beyond),
 * each with an AbortController, so shutdown can cancel them all in the engine and the HTTP
 * server does not wait out a 30-second query before closing.
 */
export class AdHocQueries {
  private readonly running = new Map<AbortController, Promise<unknown>>();
  private closed = false;

  constructor(private readonly max: number) {}

  get count(): number {
    return this.running.size;
  }

  /** Runs `query` with a cancel signal, or returns undefined when `max` are already running. */
  async run<T>(query: (signal: AbortSignal) => Promise<T>): Promise<{ value: T } | undefined> {
    if (this.closed || this.running.size >= this.max) return undefined;
    const controller = new AbortController();
    const pending = query(controller.signal);
    this.running.set(controller, pending);
    try {
      return { value: await pending };
    } finally {
      this.running.delete(controller);
    }
  }

  /**
   * Cancels every running query and refuses new ones; resolves when their callers have been
   * answered (at most `waitMs`), so the HTTP server can then close idle connections. Idempotent.
   */
  async cancelAll(waitMs = 1000): Promise<void> {
    this.closed = true;
    const pending = [...this.running.values()];
    for (const controller of this.running.keys()) controller.abort();
    const answered = Promise.allSettled(pending).then(() => new Promise((r) => setImmediate(r)));
    await Promise.race([answered, new Promise((r) => setTimeout(r, waitMs).unref())]);
  }
}

/** Limits of one ad-hoc query, from the api.query config section. */
export function adHocLimits(query: {
  max_execution_time: number;
  max_result_rows: number;
  max_result_bytes: number;
  max_memory_usage: number;
  max_threads: number;
}): QueryLimits {
  return {
    maxExecutionTimeMs: query.max_execution_time,
    maxResultRows: query.max_result_rows,
    maxResultBytes: query.max_result_bytes,
    maxMemoryUsage: query.max_memory_usage,
    maxThreads: query.max_threads,
    adHoc: true,
  };
}
