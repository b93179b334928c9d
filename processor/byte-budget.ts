/**
 * The processor's bound on consumed-but-not-stored data (processor.max_bytes_in_flight): the
 * bytes of bus messages being stored plus the rows encoded from them, from the moment a batch
 * is taken until its inserts have settled. A batch that does not fit waits for others to be
 * stored, and while it waits the consumer reads nothing more (its handler has not returned), so
 * a backlog drains at the store's pace in bounded memory; nothing is dropped.
 *
 * Batches fill one at a time (`fill`): a batch's size is known only as it is encoded, and two
 * half-filled batches each waiting for the other's bytes would wait forever. A filling batch
 * waits only for batches that are inserting, which release without needing anything. When it
 * alone holds everything in flight it goes on over the limit (a single batch larger than the
 * budget cannot be split: its boundaries are fixed for replays); that is counted as an overrun.
 */
export class ByteBudget {
  private held = 0;
  private peakHeld = 0;
  private overrunCount = 0;
  private waitCount = 0;
  private released: Array<() => void> = [];
  private turn: Promise<void> = Promise.resolve();

  constructor(readonly limit: number) {}

  /** Bytes in flight now. */
  get bytes(): number {
    return this.held;
  }

  /** The most bytes ever in flight at once. */
  get peakBytes(): number {
    return this.peakHeld;
  }

  /** Times a batch waited for room. */
  get waits(): number {
    return this.waitCount;
  }

  /** Times a single batch alone needed more than the limit (and was let through). */
  get overruns(): number {
    return this.overrunCount;
  }

  /**
   * Runs `fill` while no other batch fills, giving it a hold that takes bytes as the batch
   * grows. The hold stays after `fill` returns (the batch is then stored); its owner releases
   * it once the batch's inserts have settled, also on failure.
   */
  async fill<T>(fill: (hold: Hold) => Promise<T> | T): Promise<{ hold: Hold; value: T }> {
    const previous = this.turn;
    let done!: () => void;
    this.turn = new Promise<void>((resolve) => (done = resolve));
    await previous;
    const hold = new Hold(this);
    try {
      return { hold, value: await fill(hold) };
    } catch (error) {
      hold.release();
      throw error;
    } finally {
      done();
    }
  }

  /** @internal Hold.take: true once `n` bytes are taken for a hold that holds `own` bytes. */
  tryTake(n: number, own: number): boolean {
    if (this.held + n > this.limit) {
      if (this.held > own) return false; // others will release: wait for them
      if (n > 0) this.overrunCount += 1;
    }
    this.held += n;
    if (this.held > this.peakHeld) this.peakHeld = this.held;
    return true;
  }

  /** @internal Resolves at the next release. */
  nextRelease(): Promise<void> {
    this.waitCount += 1;
    return new Promise((resolve) => this.released.push(resolve));
  }

  /** @internal */
  give(n: number): void {
    this.held -= n;
    const waiting = this.released;
    this.released = [];
    for (const wake of waiting) wake();
  }
}

/** The bytes one batch holds in a ByteBudget. */
export class Hold {
  private bytes = 0;
  private done = false;

  constructor(private readonly budget: ByteBudget) {}

  /** Bytes held now. */
  get held(): number {
    return this.bytes;
  }

  /**
   * Holds `total` bytes from now on: takes what is missing, waiting while others hold too much
   * (resolves at once when it fits), or gives back what is no longer needed.
   */
  async resize(total: number): Promise<void> {
    if (this.done) throw new Error('this hold was released');
    if (total <= this.bytes) {
      this.budget.give(this.bytes - total);
      this.bytes = total;
      return;
    }
    while (!this.budget.tryTake(total - this.bytes, this.bytes)) await this.budget.nextRelease();
    this.bytes = total;
  }

  /** Gives every byte back. Idempotent. */
  release(): void {
    if (this.done) return;
    this.done = true;
    this.budget.give(this.bytes);
    this.bytes = 0;
  }
}
