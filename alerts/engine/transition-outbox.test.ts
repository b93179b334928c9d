import { describe, expect, it } from 'vitest';
import type { AlertInstance, AlertTransition } from './alert-instance.ts';
import type { RuleStep } from './rule-state.ts';
import { TransitionOutbox, type StateBatch } from './transition-outbox.ts';

const instance = (fp: string): AlertInstance => ({ rule: 'R', group: 'g', fingerprint: fp, labels: { fp }, annotations: {}, state: 'firing', value: 1, activeAt: 0, lastActiveAt: 0 });
const step = (fp: string, at: number): RuleStep => ({
  transitions: [{ ...instance(fp), at, from: 'pending', to: 'firing' } as unknown as AlertTransition],
  upserts: [instance(fp)],
  removed: [],
});

describe('the transition outbox', () => {
  it('saves in order, announces what was saved before a failure, and retries the rest with the same token', async () => {
    const outbox = new TransitionOutbox();
    outbox.push('g', 1, [step('a', 1)]);
    outbox.push('g', 2, [step('b', 2)]);
    outbox.push('g', 3, [{ transitions: [], upserts: [], removed: [] }]); // nothing changed: no batch
    const attempts: StateBatch[] = [];
    let failures = 1;
    const save = async (batch: StateBatch) => {
      attempts.push(batch);
      if (batch.at === 2 && failures-- > 0) throw new Error('store down');
    };
    const first = await outbox.flush(save);
    expect(first.saved.map((t) => t.fingerprint)).toEqual(['a']);
    expect(first.error?.message).toBe('store down');
    expect(outbox.size).toBe(1);
    const second = await outbox.flush(save);
    expect(second).toEqual({ saved: [expect.objectContaining({ fingerprint: 'b' })] });
    expect(attempts.map((b) => b.at)).toEqual([1, 2, 2]);
    expect(attempts[1]!.dedupToken).toBe(attempts[2]!.dedupToken);
    expect(attempts[0]!.dedupToken).not.toBe(attempts[1]!.dedupToken);
  });

  it('keeps a snapshot of each instance, and drops the oldest batch beyond its bound', async () => {
    const outbox = new TransitionOutbox(2);
    const live = instance('a');
    outbox.push('g', 1, [{ transitions: [], upserts: [live], removed: [] }]);
    live.state = 'pending';
    outbox.push('g', 2, [step('b', 2)]);
    outbox.push('g', 3, [step('c', 3)]);
    expect(outbox.dropped).toBe(1);
    const saved: StateBatch[] = [];
    await outbox.flush(async (b) => void saved.push(b));
    expect(saved.map((b) => b.at)).toEqual([2, 3]);
    const kept = new TransitionOutbox();
    kept.push('g', 1, [{ transitions: [], upserts: [live], removed: [] }]);
    live.state = 'firing';
    const states: string[] = [];
    await kept.flush(async (b) => void states.push(b.upserts[0]!.state));
    expect(states).toEqual(['pending']);
  });
});
