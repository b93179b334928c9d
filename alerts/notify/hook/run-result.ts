/** What running an action produced; never thrown, always returned. */
export interface RunResult {
  outcome: 'ok' | 'failed' | 'timeout';
  /** Process exit code or HTTP status; -1 when there was none (spawn error, signal, network error). */
  exitCode: number;
  stdout: string;
  stderr: string;
  error?: string;
}

/** Keeps the last `limit` bytes of a stream: the end of a failing script's output is what explains it. */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  dropped = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 0) {
      const first = this.chunks[0]!;
      const excess = this.size - this.limit;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
        this.dropped += first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
        this.dropped += excess;
      }
    }
  }

  text(): string {
    const body = Buffer.concat(this.chunks).toString('utf8');
    return this.dropped > 0 ? `[… ${this.dropped} bytes dropped]\n${body}` : body;
  }
}
