/**
 * One rule group's evaluation loop. An evaluation still running when the next tick comes makes
 * that tick a missed iteration (counted, as Prometheus's rule_group_iterations_missed_total)
 * instead of a second evaluation of the same rules racing the first.
 */
export class GroupLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  missed = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly evaluate: () => Promise<void>,
    private readonly onMissed: (missed: number) => void,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.tick();
  }

  private tick(): void {
    if (this.running) {
      this.missed += 1;
      this.onMissed(this.missed);
      return;
    }
    this.running = this.evaluate().finally(() => {
      this.running = undefined;
    });
  }

  /** Stops ticking and waits for an evaluation in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
