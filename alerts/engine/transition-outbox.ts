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

  push(group: string, at: number, steps: RuleStep[]): void {
    const transitions = steps.flatMap((s) => s.transitions);
    const upserts = steps.flatMap((s) => s.upserts);
    const removed = steps.flatMap((s) => s.removed);
    if (transitions.length === 0 && upserts.length === 0 && removed.length === 0) return;
    // Snapshots: the live instances keep changing while a batch waits.
    const copy = (i: AlertInstance) => ({ ...i, labels: { ...i.labels }, annotations: { ...i.annotations } });
    const hash = createHash('sha256').update(JSON.stringify([transitions, upserts.map((i) => i.fingerprint), removed.map((i) => i.fingerprint)]));
    this.queue.push({ group, at, transitions, upserts: upserts.map(copy), removed: removed.map(copy), dedupToken: `vigil-alerts:${group}:${at}:${hash.digest('hex').slice(0, 16)}` });
  }

  get size(): number {
    return this.queue.length;
  }

  /** Saves waiting batches in order; returns the transitions now persisted. Stops at the first failure and throws it. */
  async flush(save: SaveBatch): Promise<AlertTransition[]> {
    const saved: AlertTransition[] = [];
    while (this.queue.length > 0) {
      await save(this.queue[0]!);
      saved.push(...this.queue.shift()!.transitions);
    }
    return saved;
  }
}
