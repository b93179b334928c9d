/**
 * Bytes of request bodies being read and decoded at once. Checked before a body is read, so a
 * burst of large requests gets 503 + Retry-After instead of memory. One request is always let
 * through when nothing is in flight, so a body under max_request_bytes can never starve.
 */
export class ByteBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  get inFlight(): number {
    return this.used;
  }

  tryReserve(bytes: number): boolean {
    if (this.used > 0 && this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}
