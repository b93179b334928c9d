import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/telemetry/index.ts';
import { DeliveryQueue } from './delivery-queue.ts';

describe('DeliveryQueue', () => {
  it('never drops an item while it is being delivered', async () => {
    const delivered: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const queue = new DeliveryQueue<number>({
      maxBuffered: 1,
      logger: silentLogger,
      deliver: async (n) => {
        if (n === 1) await gate;
        delivered.push(n);
      },
    });
    queue.push(1);
    const round = queue.flush();
    await new Promise((r) => setTimeout(r, 5));
    queue.push(2);
    queue.push(3); // overflows the one waiting slot: 2 goes, 1 (in flight) stays
    release();
    await round;
    expect(delivered).toEqual([1, 3]);
    expect(queue.stats()).toEqual({ emitted: 2, dropped: 1, buffered: 0 });
  });

  it('shares one round between concurrent flushes and delivers each item once, in order', async () => {
    const delivered: number[] = [];
    const queue = new DeliveryQueue<number>({ maxBuffered: 5, logger: silentLogger, deliver: async (n) => void delivered.push(n) });
    queue.push(1);
    const first = queue.flush();
    queue.push(2);
    expect(queue.flush()).toBe(first);
    await first;
    queue.push(3);
    await queue.flush();
    expect(delivered).toEqual([1, 2, 3]);
  });
});
