import { createHash } from 'node:crypto';
import type { AlertInstance, AlertTransition } from './alert-instance.ts';
import type { RuleStep } from './rule-state.ts';

/** One group evaluation's changes, persisted as a unit and then announced. */
export interface StateBatch {
  group: string;
  at: number;
  transitions: AlertTransition[];
  upserts: AlertInstance[];
  removed: AlertInstance[];
  /** The same batch retried carries the same token, so the engine drops rows already written. */
  dedupToken: string;
}

export type SaveBatch = (batch: StateBatch) => Promise<void>;

/**
 * Group evaluations waiting to be persisted, oldest first. A batch that could not be written
 * stays (the in-memory state has moved on; the store catches up) and is retried, with its own
 * dedup token, before anything newer: so a store outage neither loses a transition nor records
 * one twice, and nothing is announced before it is in vigil_alerts.
 */
export class TransitionOutbox {
  private readonly queue: StateBatch[] = [];
  /** Batches dropped because the store refused writes for too long (memory stays bounded). */
  dropped = 0;

  constructor(private readonly maxBatches = 10_000) {}

  push(group: string, at: number, steps: RuleStep[]): void {
    const transitions = steps.flatMap((s) => s.transitions);
    const upserts = steps.flatMap((s) => s.upserts);
    const removed = steps.flatMap((s) => s.removed);
    if (transitions.length === 0 && upserts.length === 0 && removed.length === 0) return;
    // Snapshots: the live instances keep changing while a batch waits.
    const copy = (i: AlertInstance) => ({ ...i, labels: { ...i.labels }, annotations: { ...i.annotations } });
    const hash = createHash('sha256').update(JSON.stringify([transitions, upserts.map((i) => i.fingerprint), removed.map((i) => i.fingerprint)]));
    this.queue.push({ group, at, transitions, upserts: upserts.map(copy), removed: removed.map(copy), dedupToken: `vigil-alerts:${group}:${at}:${hash.digest('hex').slice(0, 16)}` });
    if (this.queue.length > this.maxBatches) {
      this.queue.shift();
      this.dropped += 1;
    }
  }

  get size(): number {
    return this.queue.length;
  }

  /**
   * Saves waiting batches in order and returns the transitions now persisted, to be announced:
   * also those saved before a later batch failed (the failure stops the flush and is returned).
   */
  async flush(save: SaveBatch): Promise<{ saved: AlertTransition[]; error?: Error }> {
    const saved: AlertTransition[] = [];
    while (this.queue.length > 0) {
      try {
        await save(this.queue[0]!);
      } catch (err) {
        return { saved, error: err as Error };
      }
      saved.push(...this.queue.shift()!.transitions);
    }
    return { saved };
  }
}
