import type { Session as ChdbSession } from 'chdb';

/**
 * One chDB session and the calls queued on it. The engine runs one call per session at a time,
 * but several sessions on the same data directory run at once (scripts/bench/read-isolation.ts),
 * so the store keeps inserts and rule queries on one lane and gives ad-hoc queries their own.
 */
export class ChdbSessionLane {
  private serial: Promise<unknown> = Promise.resolve();
  private pending = 0;

  constructor(readonly session: ChdbSession) {}

  /** Calls queued or running on this lane. */
  get inFlight(): number {
    return this.pending;
  }

  /**
   * Runs `call` after the calls before it, and after a failed one drains what it left behind:
   * chDB 3.4 hands the output a query wrote before failing (rows before a throwIf, a JSON header
   * before a timeout or a KILL) to the session's next query, as if that query had returned it.
   */
  run<T>(call: (session: ChdbSession) => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.serial.then(async () => {
      try {
        return await call(this.session);
      } catch (err) {
        await this.session.queryAsync('SELECT 1', { format: 'Null' }).catch(() => {});
        throw err;
      } finally {
        this.pending--;
      }
    });
    this.serial = result.catch(() => {});
    return result;
  }

  /** Resolves when everything queued so far has ended. */
  idle(): Promise<void> {
    return this.serial.then(() => undefined);
  }

  close(): void {
    this.session.close();
  }
}
