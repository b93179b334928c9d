import { RejectionTally, type RejectReason } from '../../core/model/index.ts';
import type { RejectionEntry } from './transcode-message.ts';

/** A RejectionTally that remembers what it was told, so a worker can send it to the main thread. */
export class ReplayableTally extends RejectionTally {
  private readonly seen = new Map<RejectReason, RejectionEntry>();

  override add(reason: RejectReason, detail: string, count = 1): void {
    super.add(reason, detail, count);
    if (count <= 0) return;
    const entry = this.seen.get(reason);
    if (entry) entry[2] += count;
    else this.seen.set(reason, [reason, detail, count]);
  }

  entries(): RejectionEntry[] {
    return [...this.seen.values()];
  }
}

/** Adds a worker's rejections to the receiver's tally as if the transcoder had run here. */
export function replayRejections(entries: readonly RejectionEntry[], tally: RejectionTally): void {
  for (const [reason, detail, count] of entries) tally.add(reason, detail, count);
}
